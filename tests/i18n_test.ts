import assert from "node:assert/strict";
import { format, langFromArgs, translator } from "../lib/protocol/i18n.ts";

Deno.test("translator() fills placeholders in the chosen language", () => {
  const catalog = { joined: { es: "{name} se unió al chat", en: "{name} joined the chat" } };
  assert.equal(translator(catalog, "es")("joined", { name: "Ana" }), "Ana se unió al chat");
  assert.equal(translator(catalog, "en")("joined", { name: "Ana" }), "Ana joined the chat");
});

Deno.test("format() leaves unknown placeholders as they are", () => {
  assert.equal(format("{a} y {b}", { a: 1 }), "1 y {b}");
});

Deno.test("langFromArgs() reads --lang in both forms, ignores bad values, defaults to es", () => {
  assert.equal(langFromArgs([]), "es");
  assert.equal(langFromArgs(["--name", "Ana", "--lang", "en"]), "en");
  assert.equal(langFromArgs(["--lang=en"]), "en");
  assert.equal(langFromArgs(["--lang", "fr"]), "es");
  assert.equal(langFromArgs(["--lang"]), "es");
  assert.equal(langFromArgs(["--lang", "en", "--lang=es"]), "es");
});
