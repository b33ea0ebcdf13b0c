import assert from "node:assert/strict";
import { clientText } from "../lib/client/text.ts";
import { catalogueProblems, placeholders } from "./catalogue_check.ts";

Deno.test("clientText has every key in Spanish and English with the same placeholders", () => {
  assert.deepEqual(catalogueProblems(clientText), []);
});

Deno.test("catalogueProblems() reports a missing language, an empty text and differing placeholders", () => {
  const problems = catalogueProblems({
    ok: { es: "{a} y {b}", en: "{b} and {a} and {a}" },
    missing: { es: "solo" },
    empty: { es: "", en: "x" },
    differs: { es: "Hola {name}", en: "Hi {who}" },
    extra: { es: "a", en: "a", fr: "a" },
  });
  assert.deepEqual(problems, [
    "missing: no en text",
    "empty: no es text",
    "differs: en has placeholders {who}, es has {name}",
    "extra: unexpected language fr",
  ]);
});

Deno.test("placeholders() lists each {name} once, sorted", () => {
  assert.deepEqual(placeholders("{host}:{port} «{host}»"), ["host", "port"]);
  assert.deepEqual(placeholders("no placeholders {}"), []);
});

Deno.test("clientText's parts share no key, so none hides another", async () => {
  // Every part file under lib/client/text/ (helpers add parts of their own).
  const dir = new URL("../lib/client/text/", import.meta.url);
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".ts"));
  const parts = await Promise.all(names.map((name) => import(new URL(name, dir).href)));
  const seen = new Map<string, number>();
  for (const part of parts) {
    for (const catalogue of Object.values(part) as object[]) {
      for (const key of Object.keys(catalogue)) seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  }
  assert.deepEqual([...seen].filter(([, n]) => n > 1), []);
  assert.equal(seen.size, Object.keys(clientText).length);
});

Deno.test("clientText holds the call window's and capture's texts", () => {
  for (const key of ["no_ffmpeg", "window_title", "stats_header", "source_test"]) {
    assert.ok(key in clientText, key);
  }
});
