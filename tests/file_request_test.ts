import assert from "node:assert/strict";
import { ProtocolError } from "../lib/protocol/frame.ts";
import { FileStoreError } from "../lib/server/file_store.ts";
import { translator } from "../lib/protocol/i18n.ts";
import { serverText } from "../lib/server/text.ts";
import {
  checkUploadEnd,
  frameRefusal,
  parseDownloadId,
  parseDownloadOffset,
  parseUpload,
  Refusal,
  storeRefusal,
  type UploadRules,
} from "../lib/server/files/request.ts";

const rules: UploadRules = {
  maxUpload: 1000,
  acceptV1: true,
  sessionName: (token) => token === "t" ? "Ana" : undefined,
};

function refusedWith(code: string, key?: string) {
  return (e: unknown) => {
    assert.ok(e instanceof Refusal, String(e));
    assert.equal(e.code, code);
    if (key !== undefined) assert.equal(e.key, key);
    return true;
  };
}

Deno.test("parseUpload() types a v2 upload with its owner and a cleaned file name", () => {
  assert.deepEqual(
    parseUpload({ type: "upload", token: "t", filename: "../a.txt", size: 3, resume: "r" }, rules),
    { version: 2, owner: "Ana", filename: "a.txt", size: 3, resume: "r" },
  );
});

Deno.test("parseUpload() types a v1 upload by its client-chosen id", () => {
  assert.deepEqual(
    parseUpload({ type: "upload", file_id: "17_a.txt", filename: "a.txt", size: 0 }, rules),
    { version: 1, fileId: "17_a.txt", filename: "a.txt", size: 0 },
  );
});

Deno.test("parseUpload() checks the session before the file name and the size", () => {
  const bad = { type: "upload", token: "nobody", filename: "", size: -1 };
  assert.throws(() => parseUpload(bad, rules), refusedWith("unauthorized", "unauthorized"));
  const badName = { type: "upload", token: "t", filename: "", size: -1 };
  assert.throws(() => parseUpload(badName, rules), refusedWith("bad_filename"));
  const badSize = { type: "upload", token: "t", filename: "a", size: 1001 };
  assert.throws(() => parseUpload(badSize, rules), refusedWith("upload_too_large"));
  assert.throws(
    () => parseUpload({ type: "upload", token: 5, filename: "a", size: 1 }, rules),
    refusedWith("bad_message", "bad_message"),
  );
});

Deno.test("parseUpload() refuses v1 uploads when they are off, and bad v1 ids", () => {
  const v1 = { type: "upload", file_id: "x", filename: "a", size: 1 };
  assert.throws(
    () => parseUpload(v1, { ...rules, acceptV1: false }),
    refusedWith("unauthorized", "v1_disabled"),
  );
  assert.throws(
    () => parseUpload({ ...v1, file_id: "../x" }, rules),
    refusedWith("bad_file_id"),
  );
  assert.throws(
    () => parseUpload({ type: "upload", filename: "a", size: 1 }, rules),
    refusedWith("unauthorized", "unauthorized"),
  );
});

Deno.test("parseDownloadId() and parseDownloadOffset() check the download fields", () => {
  assert.equal(parseDownloadId({ type: "download", file_id: "abc123" }), "abc123");
  assert.throws(
    () => parseDownloadId({ type: "download", file_id: 3 }),
    refusedWith("bad_message"),
  );
  assert.equal(parseDownloadOffset({}, 10), 0);
  assert.equal(parseDownloadOffset({ offset: 10 }, 10), 10);
  assert.throws(() => parseDownloadOffset({ offset: 11 }, 10), refusedWith("bad_request"));
  for (const offset of [-1, 1.5, "3"]) {
    assert.throws(() => parseDownloadOffset({ offset }, 10), refusedWith("bad_message"));
  }
});

Deno.test("checkUploadEnd() accepts the right SHA-256 in any case and refuses the rest", () => {
  const sha = "ab".repeat(32);
  checkUploadEnd({ type: "upload_end", sha256: sha.toUpperCase() }, sha);
  assert.throws(
    () => checkUploadEnd({ type: "upload_end", sha256: "00".repeat(32) }, sha),
    refusedWith("hash_mismatch"),
  );
  assert.throws(
    () => checkUploadEnd({ type: "download" }, sha),
    refusedWith("size_mismatch", "size_extra"),
  );
  assert.throws(() => checkUploadEnd({ type: "upload_end" }, sha), refusedWith("bad_message"));
});

Deno.test("frameRefusal() maps the decoder's codes and rethrows anything else", () => {
  assert.equal(
    frameRefusal(new ProtocolError("bad_json", "Frame is not valid JSON")).code,
    "bad_json",
  );
  assert.equal(
    frameRefusal(new ProtocolError("bad_message", "Not an object")).key,
    "not_object",
  );
  const other = new Error("Connection reset");
  assert.throws(() => frameRefusal(other), (e: unknown) => e === other);
});

Deno.test("storeRefusal() sends bad_request for a resume of another size or one still running", () => {
  const size = storeRefusal(new FileStoreError("resume_size", "Resume size differs: 5"), 5, 100);
  assert.deepEqual([size.code, size.key, size.params], [
    "bad_request",
    "resume_size",
    { detail: 5 },
  ]);
  const quota = storeRefusal(new FileStoreError("quota_exceeded", "Quota exceeded: 9"), 9, 100);
  assert.deepEqual([quota.code, quota.params], ["quota_exceeded", { detail: "9 B" }]);
  const other = new Error("Disk on fire");
  assert.throws(() => storeRefusal(other, 1, 100), (e: unknown) => e === other);
});

Deno.test("parseUpload() and storeRefusal() give sizes in KB/MB/GB, not raw bytes", () => {
  const t = translator(serverText, "es");
  const rules = { maxUpload: 1_048_576, acceptV1: true, sessionName: () => "Ana" };
  try {
    parseUpload({ type: "upload", token: "t", filename: "a", size: 2_000_000 }, rules);
    assert.fail("Not refused");
  } catch (e) {
    assert.ok(e instanceof Refusal);
    const text = t(e.key, e.params);
    assert.ok(text.includes("1.0 MB") && text.includes("1.9 MB"), text);
    assert.ok(!/\d{5}/.test(text), text);
  }
  const quota = storeRefusal(new FileStoreError("quota_exceeded", "Quota"), 5 * 1024 ** 3, 1);
  assert.equal(t(quota.key, quota.params), "No queda sitio en el servidor para 5.0 GB");
  // A size that is no size at all is shown as given.
  const odd = storeRefusal(new FileStoreError("upload_too_large", "Too large"), -1, 1024);
  assert.match(t(odd.key, odd.params), /: -1$/);
});
