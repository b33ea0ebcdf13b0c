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

Deno.test("every log event kind the server emits has its log_<kind> text (lib/server/log.ts)", async () => {
  // The kinds of shared_wire's list and the room's, plus every `log({ kind: "..." })` call.
  const kinds = new Set([
    "joined",
    "left",
    "file_published",
    "downloaded",
    "call_started",
    "call_ended",
    "net_error",
    "kicked",
    "muted",
    "unmuted",
    "unbanned",
    "locked",
    "unlocked",
    "announced",
    "deleted",
    "banned_refused",
    "locked_refused",
    "auth_failed",
    "auth_blocked",
    "admin_login",
    "admin_failed",
    "v1_refused",
  ]);
  const call = /[lL]og\??\.?\(?\{\s*kind: "([a-z_0-9]+)"/g;
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.name.endsWith(".ts")) {
        for (const m of (await Deno.readTextFile(path)).matchAll(call)) kinds.add(m[1]);
      }
    }
  };
  await walk(new URL("../lib/server", import.meta.url).pathname.replace(/^\/([A-Za-z]:)/, "$1"));
  const missing = [...kinds].filter((k) => !(`log_${k}` in serverText));
  assert.deepEqual(missing, []);
});
