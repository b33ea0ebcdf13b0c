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
