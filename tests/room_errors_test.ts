import assert from "node:assert/strict";
import { decodeMessage, type Message } from "../lib/protocol/frame.ts";
import { TokenBucket } from "../lib/protocol/token_bucket.ts";
import { Member } from "../lib/server/room/connection.ts";
import { decodeErrorCode, ErrorPolicy } from "../lib/server/room/errors.ts";

function setup(maxErrors = 2) {
  const sent: Message[] = [];
  const left: string[] = [];
  const policy = new ErrorPolicy({
    send: (_member, bytes) => sent.push(decodeMessage(bytes.subarray(4))),
    leave: (_member, reason) => left.push(reason),
    v1Line: (message) => `Error: ${message}`,
    tooManyErrors: () => "too many",
    maxErrors,
  });
  const member = (protocol: 1 | 2 | null, name: string | null = "Ana") => {
    const m = new Member(
      { ip: "10.0.0.1", port: 1, send: () => true, close() {} },
      new TokenBucket(1, 1, 0),
    );
    m.protocol = protocol;
    m.name = name;
    return m;
  };
  return { policy, sent, left, member };
}

Deno.test("ErrorPolicy.reply() sends a v2 error with code and ref, a v1 system line without", () => {
  const { policy, sent, member } = setup();
  policy.reply(member(2), "not_found", "File not found: x", "r1");
  policy.reply(member(2), "rate_limited", "Too fast");
  policy.reply(member(1), "message_too_long", "Too long", "ignored");
  assert.deepEqual(sent, [
    { type: "error", code: "not_found", message: "File not found: x", ref: "r1" },
    { type: "error", code: "rate_limited", message: "Too fast" },
    { type: "system", text: "Error: Too long" },
  ]);
});

Deno.test("ErrorPolicy.badFrame() closes before the hello and after maxErrors, not in between", () => {
  const { policy, sent, left, member } = setup(2);
  policy.badFrame(member(null, null), "bad_json", "not JSON");
  assert.deepEqual(left, ["disconnect"], "a bad first frame closes at once");
  const ana = member(2);
  policy.badFrame(ana, "bad_json", "not JSON");
  policy.badFrame(ana, "bad_json", "not JSON");
  assert.equal(left.length, 1, "two bad frames are tolerated");
  policy.badFrame(ana, "bad_json", "not JSON", "q");
  assert.deepEqual(left, ["disconnect", "disconnect"]);
  assert.deepEqual(sent.at(-1), {
    type: "error",
    code: "too_many_errors",
    message: "too many",
    ref: "q",
  });
});

Deno.test("ErrorPolicy.fail() replies, then the member leaves with the given reason", () => {
  const { policy, sent, left, member } = setup();
  policy.fail(member(2), "idle_timeout", "idle", "timeout");
  assert.equal(sent[0].code, "idle_timeout");
  assert.deepEqual(left, ["timeout"]);
});

Deno.test("decodeErrorCode() keeps the frame codec's codes and maps anything else to bad_message", () => {
  assert.equal(decodeErrorCode("bad_utf8"), "bad_utf8");
  assert.equal(decodeErrorCode("bad_json"), "bad_json");
  assert.equal(decodeErrorCode("bad_message"), "bad_message");
  assert.equal(decodeErrorCode("something_new"), "bad_message");
});
