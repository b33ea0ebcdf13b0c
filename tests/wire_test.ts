import assert from "node:assert/strict";
import { decodeMessage, encodeFrame, HEADER_BYTES } from "../lib/protocol/frame.ts";
import {
  decodeCallPeer,
  decodeMember,
  decodeSharedFile,
  decodeSharedFiles,
  decodeWelcome,
  encodeCallPeer,
  encodeMember,
  encodeSharedFile,
  encodeWelcome,
  readPort,
  type Welcome,
} from "../lib/protocol/wire.ts";
import { chatErrorCloses, decodeChatServerMessage } from "../lib/protocol/wire_chat.ts";

const welcome: Welcome = {
  name: "Ana",
  token: "0123456789abcdef0123456789abcdef",
  server: "pc3-server test",
  filePort: 9010,
  mediaPort: 9020,
  maxMessage: 4096,
  maxFrame: 65536,
  maxUpload: 1000,
  members: [{ name: "Ana", since: 1, protocol: 2, inCall: true }],
  files: [{ fileId: "k3f9ab", filename: "a.mp4", size: 5, sha256: "cd", from: "Eva", ts: 4 }],
  call: [{ name: "Ana", clientId: 1000042 }, { name: "Luis", clientId: null }],
};

Deno.test("encodeWelcome() writes the snake_case fields of PROTOCOL.md and decodeWelcome() reads them back", () => {
  const wire = encodeWelcome(welcome, { maxName: 32 });
  assert.deepEqual(wire, {
    type: "welcome",
    version: 2,
    name: "Ana",
    token: "0123456789abcdef0123456789abcdef",
    server: "pc3-server test",
    file_port: 9010,
    media_port: 9020,
    limits: { max_frame: 65536, max_message: 4096, max_name: 32, max_upload: 1000 },
    members: [{ name: "Ana", since: 1, protocol: 2, in_call: true }],
    files: [{ file_id: "k3f9ab", filename: "a.mp4", size: 5, sha256: "cd", from: "Eva", ts: 4 }],
    call: [{ name: "Ana", client_id: 1000042 }, { name: "Luis", client_id: null }],
  });
  // Through real frame bytes, as a client receives it.
  const frame = encodeFrame(wire);
  assert.deepEqual(decodeWelcome(decodeMessage(frame.subarray(HEADER_BYTES))), welcome);
});

Deno.test("decodeWelcome() fills missing limits with the protocol defaults and refuses a welcome without name or token", () => {
  const w = decodeWelcome({ type: "welcome", name: "Ana", token: "t", file_port: 70000 });
  assert.equal(w.maxMessage, 4096);
  assert.equal(w.maxFrame, 65536);
  assert.equal(w.maxUpload, Number.MAX_SAFE_INTEGER);
  assert.equal(w.filePort, null);
  assert.equal(w.mediaPort, null);
  assert.deepEqual([w.members, w.files, w.call], [[], [], []]);
  assert.throws(() => decodeWelcome({ type: "welcome", name: "Ana" }), TypeError);
  assert.throws(() => decodeWelcome({ type: "welcome", token: "t" }), TypeError);
});

Deno.test("record decoders give defaults for wrong types and round-trip through the encoders", () => {
  assert.deepEqual(decodeMember({ name: 3, in_call: "yes" }), {
    name: "?",
    since: 0,
    protocol: 2,
    inCall: false,
  });
  assert.deepEqual(decodeSharedFile({ size: "big" }), {
    fileId: "",
    filename: "?",
    size: 0,
    sha256: "",
    from: "?",
    ts: 0,
  });
  assert.deepEqual(decodeCallPeer({ name: "Eva", client_id: 1.5 }), {
    name: "Eva",
    clientId: null,
  });
  const member = welcome.members[0];
  assert.deepEqual(decodeMember(encodeMember(member)), member);
  const file = welcome.files[0];
  assert.deepEqual(decodeSharedFile(encodeSharedFile(file)), file);
  for (const peer of welcome.call) assert.deepEqual(decodeCallPeer(encodeCallPeer(peer)), peer);
});

Deno.test("decodeSharedFiles() drops entries without an id and anything that is not an object", () => {
  const files = decodeSharedFiles([{ file_id: "a1", filename: "x" }, { filename: "y" }, 7, null, [
    1,
  ]]);
  assert.deepEqual(files.map((f) => f.fileId), ["a1"]);
  assert.deepEqual(decodeSharedFiles("nope"), []);
});

Deno.test("readPort() accepts integers 1-65535 only", () => {
  assert.deepEqual([1, 65535, 0, 65536, 9.5, "9009", null].map(readPort), [
    1,
    65535,
    null,
    null,
    null,
    null,
    null,
  ]);
});

Deno.test("decodeChatServerMessage() turns each server frame into its typed value", () => {
  assert.deepEqual(
    decodeChatServerMessage({ type: "message", seq: 1, from: "Luis", text: "hola", history: true }),
    { type: "message", from: "Luis", text: "hola", history: true },
  );
  assert.deepEqual(decodeChatServerMessage({ type: "system", event: "join", name: "Eva" }), {
    type: "join",
    name: "Eva",
  });
  assert.deepEqual(
    decodeChatServerMessage({ type: "system", event: "leave", name: "Eva", reason: "timeout" }),
    { type: "leave", name: "Eva", reason: "timeout" },
  );
  assert.deepEqual(decodeChatServerMessage({ type: "system", event: "shutdown" }), {
    type: "shutdown",
  });
  assert.deepEqual(decodeChatServerMessage({ type: "system", text: "v1 line" }), {
    type: "system",
    text: "v1 line",
  });
  assert.equal(decodeChatServerMessage({ type: "system", event: "join" }), null);
  const available = decodeChatServerMessage({ type: "file_available", file_id: "k3", from: "Eva" });
  assert.ok(available?.type === "file_available" && available.file.fileId === "k3");
  assert.equal(decodeChatServerMessage({ type: "file_available", filename: "no id" }), null);
  assert.deepEqual(decodeChatServerMessage({ type: "error", code: "rate_limited" }), {
    type: "error",
    code: "rate_limited",
    message: "rate_limited",
  });
  assert.deepEqual(decodeChatServerMessage({ type: "error" }), {
    type: "error",
    code: "error",
    message: "error",
  });
  assert.deepEqual(decodeChatServerMessage({ type: "pong" }), { type: "pong" });
  assert.equal(decodeChatServerMessage({ type: "brand_new_type" }), null);
});

Deno.test("decodeChatServerMessage() reads call_joined and call events with their media ids", () => {
  assert.deepEqual(
    decodeChatServerMessage({
      type: "call_joined",
      token: "ff",
      client_id: 1000042,
      media_port: 7777,
      members: [{ name: "Ana", client_id: 1000042 }],
    }),
    {
      type: "call_joined",
      token: "ff",
      clientId: 1000042,
      mediaPort: 7777,
      members: [{ name: "Ana", clientId: 1000042 }],
      send: ["mjpeg"],
    },
  );
  const noId = decodeChatServerMessage({ type: "call_joined", client_id: -1 });
  assert.ok(noId?.type === "call_joined" && noId.clientId === null && noId.token === "");
  assert.deepEqual(
    decodeChatServerMessage({ type: "call", from: "Eva", action: "media", client_id: 7 }),
    {
      type: "call",
      action: "media",
      from: "Eva",
      first: false,
      ended: false,
      reason: "",
      clientId: 7,
      members: null,
      send: null,
      muted: false,
    },
  );
  const stop = decodeChatServerMessage({
    type: "call",
    from: "Ana",
    action: "stop",
    reason: "media_timeout",
    ended: true,
    members: [],
  });
  assert.ok(stop?.type === "call" && stop.ended && stop.members?.length === 0);
  assert.equal(decodeChatServerMessage({ type: "call", action: "dance" }), null);
});

Deno.test("chatErrorCloses() follows PROTOCOL.md section 6 and treats unknown codes as closing", () => {
  for (const code of ["rate_limited", "message_too_long", "bad_json", "not_found", "not_in_call"]) {
    assert.equal(chatErrorCloses(code), false, code);
  }
  for (const code of ["idle_timeout", "slow_consumer", "too_many_errors", "frame_too_large"]) {
    assert.equal(chatErrorCloses(code), true, code);
  }
  assert.equal(chatErrorCloses("some_future_code"), true);
});

Deno.test("chatErrorCloses() agrees with every chat row of the error table in PROTOCOL.md", async () => {
  const doc = await Deno.readTextFile(new URL("../PROTOCOL.md", import.meta.url));
  const section = doc.slice(doc.indexOf("## 6. Error codes"), doc.indexOf("## 7."));
  let rows = 0;
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const code = /^`([a-z_]+)`$/.exec(cells[1] ?? "")?.[1];
    if (code === undefined || !/chat|both/.test(cells[2])) continue;
    const closes = cells[4];
    const keeps = closes === "no" || closes.includes("no (chat)");
    assert.equal(chatErrorCloses(code), !keeps, `${code}: ${closes}`);
    rows++;
  }
  assert.ok(rows >= 15, `only ${rows} rows read`);
});

Deno.test("decodeChatServerMessage() reads send lists, member codecs, mute events and keyframe requests", () => {
  const joined = decodeChatServerMessage({
    type: "call_joined",
    token: "ff",
    client_id: 1000042,
    members: [{ name: "Ana", client_id: 1000042, video: "h264", audio: true, muted: false }],
    send: ["h264", "vp9", "mjpeg", 3],
  });
  assert.ok(joined?.type === "call_joined");
  assert.deepEqual(joined.send, ["h264", "mjpeg"]);
  assert.deepEqual(joined.members, [{
    name: "Ana",
    clientId: 1000042,
    video: "h264",
    audio: true,
    muted: false,
  }]);
  const mute = decodeChatServerMessage({
    type: "call",
    from: "Ana",
    action: "mute",
    muted: true,
    members: [],
    send: ["mjpeg"],
  });
  assert.ok(mute?.type === "call" && mute.action === "mute" && mute.muted);
  assert.deepEqual(mute.send, ["mjpeg"]);
  assert.deepEqual(
    decodeChatServerMessage({ type: "call", action: "keyframe", from: "Bea" }),
    { type: "keyframe_request", from: "Bea" },
  );
});
