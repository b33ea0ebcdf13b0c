import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeFrame, type Message } from "../lib/protocol/frame.ts";
import { downloadFile } from "../lib/client/transfers.ts";
import { FakeClock } from "./fake_clock.ts";
import { waitFor, withDeadline } from "./wait.ts";
import {
  ask,
  blobCount,
  bytes,
  concat,
  RawClient,
  rawRequest,
  serverReadAll,
  sha256hex,
  startFileServer,
  stillServes,
  strayFiles,
  type TestServer,
  TOKEN,
} from "./file_test_helpers.ts";

/** A full v2 upload over a raw connection; returns every reply. */
async function uploadV2(
  s: TestServer,
  data: Uint8Array,
  options: { filename?: string; sha?: string; extra?: Uint8Array; token?: string } = {},
): Promise<{ ready: Message | null; reply: Message | null }> {
  const c = await RawClient.connect(s.port);
  try {
    await c.send({
      type: "upload",
      token: options.token ?? TOKEN,
      filename: options.filename ?? "data.bin",
      size: data.length,
    });
    const ready = await c.next();
    if (ready?.type !== "upload_ready") return { ready, reply: null };
    await c.send(data);
    if (options.extra) await c.send(options.extra);
    await c.send({ type: "upload_end", sha256: options.sha ?? await sha256hex(data) });
    return { ready, reply: await c.next() };
  } finally {
    c.close();
  }
}

async function download(s: TestServer, id: string, offset?: number) {
  const req: Message = { type: "download", file_id: id };
  if (offset !== undefined) req.offset = offset;
  return await rawRequest(s.port, encodeFrame(req));
}

/** Waits until the server has let go of an interrupted upload (resume is refused while it runs). */
async function resume(s: TestServer, uploadId: string, size: number): Promise<RawClient> {
  let resumed: RawClient | null = null;
  await waitFor(async () => {
    const c = await RawClient.connect(s.port);
    await c.send({ type: "upload", token: TOKEN, filename: "big.bin", size, resume: uploadId });
    const ready = await c.next();
    if (ready?.type === "upload_ready") {
      // Keep the reply for the caller by sending it back through a field.
      (c as unknown as { ready: Message }).ready = ready;
      resumed = c;
      return true;
    }
    c.close();
    assert.deepEqual(ready?.code, "bad_request");
    return false;
  }, { message: "the server to let go of the interrupted upload", intervalMs: 20 });
  return resumed!;
}

/** Waits until the server has armed more timers than `count` on `clock` (a connection is waiting). */
function timersArmed(clock: FakeClock, count: number): Promise<void> {
  return waitFor(() => clock.pending > count, { message: `more than ${count} timers armed` });
}

Deno.test("serveFiles() v2 upload then download returns the same bytes and SHA-256", async () => {
  const s = await startFileServer();
  try {
    const data = bytes(3 * 1024 * 1024 + 17);
    const { ready, reply } = await uploadV2(s, data, { filename: "vídeo.mp4" });
    assert.deepEqual(ready?.offset, 0);
    assert(typeof ready?.upload_id === "string");
    const sha = await sha256hex(data);
    assert.deepEqual(reply?.type, "upload_ok");
    assert.deepEqual(reply?.filename, "vídeo.mp4");
    assert.deepEqual(reply?.size, data.length);
    assert.deepEqual(reply?.sha256, sha);
    assert(/^[a-z0-9]{6}$/.test(reply?.file_id as string));
    assert.deepEqual(s.published.map((f) => [f.file_id, f.from]), [[reply?.file_id, "Ana"]]);
    assert.deepEqual(s.store.list().map((f) => f.file_id), [reply?.file_id]);

    const got = await download(s, reply?.file_id as string);
    assert.deepEqual(got.messages[0], {
      type: "download_meta",
      file_id: reply?.file_id,
      filename: "vídeo.mp4",
      size: data.length,
      sha256: sha,
      offset: 0,
    });
    assert.deepEqual(got.raw.length, data.length);
    assert.deepEqual(await sha256hex(got.raw), sha);
    assert.deepEqual(await strayFiles(s), []);
  } finally {
    await s.close();
  }
});

Deno.test("serveFiles() an empty file uploads and downloads", async () => {
  const s = await startFileServer();
  try {
    const { reply } = await uploadV2(s, new Uint8Array(0));
    assert.deepEqual(reply?.type, "upload_ok");
    const got = await download(s, reply?.file_id as string);
    assert.deepEqual(got.messages[0].size, 0);
    assert.deepEqual(got.raw.length, 0);
  } finally {
    await s.close();
  }
});

Deno.test("serveFiles() an interrupted v2 upload resumes from the server's offset", async () => {
  const s = await startFileServer();
  try {
    const data = bytes(2 * 1024 * 1024 + 5, 3);
    const half = 1024 * 1024 + 3;
    const c = await RawClient.connect(s.port);
    await c.send({ type: "upload", token: TOKEN, filename: "big.bin", size: data.length });
    const ready = await c.next();
    await c.send(data.subarray(0, half));
    c.close(); // the connection dies mid-upload
    const uploadId = ready?.upload_id as string;

    // Another user cannot take over the part.
    const other = await ask(s.port, {
      type: "upload",
      token: "bob-token",
      filename: "big.bin",
      size: data.length,
      resume: uploadId,
    });
    assert.deepEqual(other.code, "not_found");
    const wrongSize = await ask(s.port, {
      type: "upload",
      token: TOKEN,
      filename: "big.bin",
      size: data.length + 1,
      resume: uploadId,
    });
    assert.deepEqual(wrongSize.code, "bad_request");

    const r = await resume(s, uploadId, data.length);
    try {
      const offset = (r as unknown as { ready: Message }).ready.offset as number;
      assert.deepEqual(offset, half);
      assert.deepEqual(await blobCount(s), 0);
      await r.send(data.subarray(offset));
      await r.send({ type: "upload_end", sha256: await sha256hex(data) });
      const ok = await r.next();
      assert.deepEqual(ok?.type, "upload_ok");
      const got = await download(s, ok?.file_id as string);
      assert.deepEqual(await sha256hex(got.raw), await sha256hex(data));
    } finally {
      r.close();
    }
    assert.deepEqual(s.published.length, 1);
  } finally {
    await s.close();
  }
});

Deno.test("serveFiles() a download with offset receives bytes offset..size-1", async () => {
  const s = await startFileServer();
  try {
    const data = bytes(500_000, 5);
    const { reply } = await uploadV2(s, data);
    const id = reply?.file_id as string;
    const got = await download(s, id, 123_456);
    assert.deepEqual(got.messages[0].offset, 123_456);
    assert.deepEqual(got.messages[0].size, data.length);
    assert.deepEqual(got.raw, data.subarray(123_456));
    const end = await download(s, id, data.length);
    assert.deepEqual(end.raw.length, 0);
    const past = await download(s, id, data.length + 1);
    assert.deepEqual(past.messages[0].code, "bad_request");
    const neg = await download(s, id, -1);
    assert.deepEqual(neg.messages[0].code, "bad_message");
  } finally {
    await s.close();
  }
});

Deno.test("serveFiles() a file survives a restart: listed and downloadable", async () => {
  const s = await startFileServer();
  const data = bytes(70_000, 9);
  const { reply } = await uploadV2(s, data, { filename: "notes.txt" });
  await s.close();
  const again = await startFileServer({ parent: s.parent });
  try {
    assert.deepEqual(again.store.list().map((f) => [f.file_id, f.filename, f.from]), [
      [reply?.file_id, "notes.txt", "Ana"],
    ]);
    const got = await download(again, reply?.file_id as string);
    assert.deepEqual(got.raw, data);
  } finally {
    await again.close();
  }
});

/** Every hostile request: the reply code, nothing published, nothing outside storage. */
const hostile: Array<[string, () => Uint8Array, string]> = [
  [
    "a frame over the limit",
    () => new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]),
    "frame_too_large",
  ],
  ["invalid JSON", () => frameOf(new TextEncoder().encode("{nope")), "bad_json"],
  ["invalid UTF-8", () => frameOf(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), "bad_utf8"],
  ["a JSON array", () => frameOf(new TextEncoder().encode("[1,2]")), "bad_message"],
  ["an unknown type", () => encodeFrame({ type: "delete", file_id: "x" }), "unknown_type"],
  ["no type", () => encodeFrame({ file_id: "x" }), "unknown_type"],
  ["a size of the wrong type", () => up({ size: "10" }), "bad_message"],
  ["a filename of the wrong type", () => up({ filename: 5 }), "bad_message"],
  ["a token of the wrong type", () => up({ token: 5 }), "bad_message"],
  ["a negative size", () => up({ size: -1 }), "upload_too_large"],
  ["a non-integer size", () => up({ size: 1.5 }), "upload_too_large"],
  ["an absurd size", () => up({ size: 1e300 }), "upload_too_large"],
  ["a size over the limit", () => up({ size: 2_000_001 }), "upload_too_large"],
  ["a size over the quota", () => up({ size: 1_500_000 }), "quota_exceeded"],
  ["an unknown token", () => up({ token: "nobody" }), "unauthorized"],
  ["no token and no file id", () => up({ token: undefined }), "unauthorized"],
  ["the file name ..", () => up({ filename: ".." }), "bad_filename"],
  ["an empty file name", () => up({ filename: "" }), "bad_filename"],
  ["a file name over 255 bytes", () => up({ filename: "é".repeat(200) }), "bad_filename"],
  ["a resume id of the wrong type", () => up({ resume: 7 }), "bad_message"],
  ["a resume of an unknown upload", () => up({ resume: "ffffffffffffffffffffffff" }), "not_found"],
  [
    "a download of a missing id",
    () => encodeFrame({ type: "download", file_id: "zzzzzz" }),
    "not_found",
  ],
  [
    "a download id path",
    () => encodeFrame({ type: "download", file_id: "../index.json" }),
    "not_found",
  ],
  [
    "a download id of the wrong type",
    () => encodeFrame({ type: "download", file_id: 3 }),
    "bad_message",
  ],
];

function frameOf(payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(4 + payload.length);
  new DataView(f.buffer).setUint32(0, payload.length);
  f.set(payload, 4);
  return f;
}

function up(fields: Record<string, unknown>): Uint8Array {
  return encodeFrame({ type: "upload", token: TOKEN, filename: "x.bin", size: 10, ...fields });
}

Deno.test("serveFiles() refuses every hostile request with its code and keeps serving", async () => {
  const s = await startFileServer({ maxUpload: 2_000_000, quota: 1_000_000 });
  try {
    for (const [what, make, code] of hostile) {
      const reply = await rawRequest(s.port, concat(make(), bytes(10)), { closeWrite: true });
      const msg = reply.messages[0];
      assert.deepEqual(msg?.type, "error", what);
      assert.deepEqual(msg?.code, code, what);
      assert(typeof msg?.message === "string" && msg.message.length > 0, what);
      if (code === "not_found" && what.includes("download")) {
        assert.deepEqual(msg?.message, "file not found", what);
      }
      if (code === "unknown_type") assert.deepEqual(msg?.message, "unknown request", what);
    }
    assert.deepEqual(await blobCount(s), 0);
    assert.deepEqual(s.published, []);
    assert.deepEqual(await strayFiles(s), []);
    await stillServes(s);
  } finally {
    await s.close();
  }
});

Deno.test("serveFiles() a hostile file name is reduced to a safe base name", async () => {
  const s = await startFileServer();
  try {
    for (
      const [name, safe] of [
        ["../../evil.txt", "evil.txt"],
        ["C:\\Windows\\system.ini", "system.ini"],
        ["/etc/passwd", "passwd"],
        ["con.txt", "_con.txt"],
        ["a\u0000b\u0007c.txt", "a_b_c.txt"],
      ]
    ) {
      const { reply } = await uploadV2(s, bytes(10), { filename: name });
      assert.deepEqual(reply?.filename, safe, name);
    }
    assert.deepEqual(await strayFiles(s), []);
  } finally {
    await s.close();
  }
});

Deno.test("serveFiles() an upload that stops short is not published and others are unaffected", async () => {
  const s = await startFileServer();
  try {
    const c = await RawClient.connect(s.port);
    await c.send({ type: "upload", token: TOKEN, filename: "short.bin", size: 1_000_000 });
    assert.deepEqual((await c.next())?.type, "upload_ready");
    await c.send(bytes(400_000));
    // While this upload hangs mid-way, another client uploads and downloads.
    await stillServes(s);
    await c.conn.closeWrite();
    const reply = await c.next();
    c.close();
    assert.deepEqual(reply?.code, "size_mismatch");
    assert.deepEqual(s.published.length, 1); // only stillServes' file
    assert.deepEqual(s.store.list().length, 1);
    assert.deepEqual(await strayFiles(s), []);
  } finally {
    await s.close();
  }
});

Deno.test("serveFiles() extra bytes after the data give size_mismatch and nothing is published", async () => {
  const s = await startFileServer();
  try {
    const data = bytes(1000);
    const { reply } = await uploadV2(s, data, { extra: new Uint8Array(8) });
    assert.deepEqual(reply?.code, "size_mismatch");
    assert.deepEqual(await blobCount(s), 0);
    await stillServes(s);
  } finally {
    await s.close();
  }
});

Deno.test("serveFiles() a wrong SHA-256 gives hash_mismatch and nothing is published", async () => {
  const s = await startFileServer();
  try {
    const { reply } = await uploadV2(s, bytes(5000), { sha: "00".repeat(32) });
    assert.deepEqual(reply?.code, "hash_mismatch");
    assert.deepEqual(await blobCount(s), 0);
    assert.deepEqual(s.published, []);
    // The bad part is gone: tmp/ is empty.
    assert.deepEqual([...Deno.readDirSync(join(s.storage, "tmp"))], []);
    await stillServes(s);
  } finally {
    await s.close();
  }
});

Deno.test("serveFiles() a malformed upload_end is refused and nothing is published", async () => {
  const s = await startFileServer();
  try {
    const data = bytes(100);
    for (
      const [end, code] of [
        [{ type: "upload_end", sha256: 5 }, "bad_message"],
        [{ type: "download", file_id: "x" }, "size_mismatch"],
      ] as const
    ) {
      const c = await RawClient.connect(s.port);
      await c.send({ type: "upload", token: TOKEN, filename: "e.bin", size: data.length });
      assert.equal((await c.next())?.type, "upload_ready");
      await c.send(data);
      await c.send(end);
      assert.equal((await c.next())?.code, code);
      c.close();
    }
    assert.equal(await blobCount(s), 0);
  } finally {
    await s.close();
  }
});

Deno.test("serveFiles() a silent connection gets hello_timeout", async () => {
  const clock = new FakeClock();
  const s = await startFileServer({ helloTimeoutMs: 100, clock });
  const idle = clock.pending; // the server's own periodic timers
  try {
    for (const sent of [new Uint8Array(0), encodeFrame({ type: "download" }).subarray(0, 6)]) {
      // Half a header is no better than nothing.
      const c = await RawClient.connect(s.port);
      await c.send(sent);
      await timersArmed(clock, idle);
      clock.advance(99);
      clock.advance(1);
      assert.deepEqual((await c.next())?.code, "hello_timeout");
      assert.deepEqual(await c.rest(), new Uint8Array(0));
      c.close();
    }
  } finally {
    await s.close();
  }
});

Deno.test("serveFiles() a stalled upload is cut and stays resumable", async () => {
  const clock = new FakeClock();
  const s = await startFileServer({ stallTimeoutMs: 100, clock });
  try {
    const data = bytes(300_000, 4);
    const c = await RawClient.connect(s.port);
    await c.send({ type: "upload", token: TOKEN, filename: "big.bin", size: data.length });
    const ready = await c.next();
    assert.equal(ready?.type, "upload_ready", `${JSON.stringify(ready)} ${JSON.stringify(s.logs)}`);
    const uploadId = ready?.upload_id as string;
    await c.send(data.subarray(0, 100_000));
    // Then silence: once the bytes are in, the server closes the connection on its own.
    await waitFor(() => serverReadAll(s.port, c.conn), { message: "the server to read them" });
    clock.advance(100);
    assert.deepEqual(await c.rest(), new Uint8Array(0));
    c.close();
    const r = await resume(s, uploadId, data.length);
    try {
      assert.deepEqual((r as unknown as { ready: Message }).ready.offset, 100_000);
      await r.send(data.subarray(100_000));
      await r.send({ type: "upload_end", sha256: await sha256hex(data) });
      assert.deepEqual((await r.next())?.type, "upload_ok");
    } finally {
      r.close();
    }
  } finally {
    await s.close();
  }
});

Deno.test("serveFiles() a download the client stops reading is cut without harming others", async () => {
  const clock = new FakeClock();
  const s = await startFileServer({ stallTimeoutMs: 100, clock });
  try {
    const data = bytes(32 * 1024 * 1024, 6);
    const { reply } = await uploadV2(s, data);
    assert.equal(reply?.type, "upload_ok");
    assert.equal(reply?.size, data.length);
    const c = await RawClient.connect(s.port);
    await c.send({ type: "download", file_id: reply?.file_id });
    assert.equal((await c.next())?.type, "download_meta");
    // Not reading: the socket buffers fill up, while another client is served normally.
    await stillServes(s);
    // No byte moves for the stall window: the server gives up on its own.
    clock.advance(100);
    const rest = await c.rest();
    c.close();
    assert.ok(rest.length < data.length, `${rest.length}`);
  } finally {
    await s.close();
  }
});

Deno.test("serveFiles() refuses connections over the per-address limit", async () => {
  const s = await startFileServer({ maxPerIp: 2 });
  const held = [await RawClient.connect(s.port), await RawClient.connect(s.port)];
  try {
    // Make sure both are accepted (each answers a bad frame only after acceptance).
    const reply = await rawRequest(s.port, encodeFrame({ type: "download", file_id: "x" }));
    assert.deepEqual(reply.messages[0]?.code, "too_many_connections");
  } finally {
    for (const c of held) c.close();
    await s.close();
  }
});

Deno.test("serveFiles() close() tells waiting clients server_shutdown", async () => {
  const s = await startFileServer();
  const c = await RawClient.connect(s.port);
  try {
    // A first request proves the connection above was accepted before closing.
    await rawRequest(s.port, encodeFrame({ type: "download", file_id: "x" }));
    await s.close();
    const msg = await c.next();
    assert.deepEqual(msg?.code, "server_shutdown");
  } finally {
    c.close();
  }
});

Deno.test("serveFiles() downloadFile() through the real client matches the upload", async () => {
  const s = await startFileServer();
  try {
    const data = bytes(1_234_567, 11);
    const { reply } = await uploadV2(s, data, { filename: "x.bin" });
    const dir = join(s.parent, "downloads");
    const got = await downloadFile(reply?.file_id as string, {
      host: "127.0.0.1",
      port: s.port,
      dir,
    });
    assert.deepEqual(got.filename, "x.bin");
    assert.deepEqual(await Deno.readFile(got.path), data);
    assert.deepEqual(await strayFiles(s, [got.path]), []);
  } finally {
    await s.close();
  }
});

Deno.test("serveFiles() a disk sync longer than the stall timeout still acknowledges the upload", async () => {
  const clock = new FakeClock();
  const stallTimeoutMs = 100;
  let syncs = 0;
  const s = await startFileServer({
    stallTimeoutMs,
    clock,
    // The disk takes ten stall timeouts to flush the upload.
    syncFile: async (file) => {
      syncs++;
      clock.advance(stallTimeoutMs * 10);
      await file.syncData();
    },
  });
  try {
    const data = bytes(200_000, 12);
    const { ready, reply } = await withDeadline(uploadV2(s, data), 10_000, "the upload's reply");
    assert.equal(ready?.type, "upload_ready");
    assert.equal(reply?.type, "upload_ok");
    assert.equal(reply?.sha256, await sha256hex(data));
    assert.ok(syncs >= 1);
  } finally {
    await s.close();
  }
});
