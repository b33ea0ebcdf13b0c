import assert from "node:assert/strict";
import { serverText } from "../lib/server/text.ts";
import { catalogueProblems } from "./catalogue_check.ts";

Deno.test("serverText has every key in Spanish and English with the same placeholders", () => {
  assert.deepEqual(catalogueProblems(serverText), []);
});

Deno.test("serverText holds the relay's report texts", () => {
  for (const key of ["relaySummary", "relayDrops", "relayMember", "relayErrors"]) {
    assert.ok(key in serverText, key);
  }
});
