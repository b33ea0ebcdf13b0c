import assert from "node:assert/strict";
import { utf8Length } from "../lib/protocol/utf8.ts";

Deno.test("utf8Length() agrees with TextEncoder on ASCII, accents, emoji and lone surrogates", () => {
  const encoder = new TextEncoder();
  const samples = [
    "",
    "hola",
    "año",
    "€",
    "🎉",
    "a🎉b",
    "\ud800",
    "x\udc00y",
    "\ud800\ud800",
    "ñ🎉\ud83d",
  ];
  for (const s of samples) assert.equal(utf8Length(s), encoder.encode(s).length, JSON.stringify(s));
});

Deno.test("utf8Length() agrees with TextEncoder on random UTF-16 strings", () => {
  const encoder = new TextEncoder();
  for (let round = 0; round < 500; round++) {
    const units = Array.from({ length: 12 }, () => Math.floor(Math.random() * 0x10000));
    const s = String.fromCharCode(...units);
    assert.equal(utf8Length(s), encoder.encode(s).length);
  }
});
