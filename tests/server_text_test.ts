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

Deno.test("serverText holds the file port's texts, with the v1 strings pinned in English", () => {
  assert.equal(serverText.v1_file_not_found.es, "file not found");
  assert.equal(serverText.v1_unknown_request.es, "unknown request");
  for (const key of ["request_timeout", "upload_too_large", "hash_mismatch", "resume_size"]) {
    assert.ok(key in serverText, key);
  }
});
