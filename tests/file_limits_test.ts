/**
 * The file port against a hostile LAN (issue 7): upload floods from one
 * session, unauthenticated v1 uploads, a full disk, an upload that holds
 * the quota without moving, abandoned parts, and a connection lost after
 * the last byte.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeFrame, type Message } from "../lib/protocol/frame.ts";
import { TransferError } from "../lib/client/transfers/common.ts";
import { parseServerArgs } from "../lib/server/args.ts";
import { ServerLog } from "../lib/server/log.ts";
import { serverText } from "../lib/server/text.ts";
import { uploadFile } from "../lib/client/transfers.ts";
import { FakeClock } from "./fake_clock.ts";
import { waitFor } from "./wait.ts";
import {
  bytes,
  concat,
  RawClient,
  rawRequest,
  serverReadAll,
  sha256hex,
  startFileServer,
  stillServes,
  type TestServer,
  TOKEN,
  walk,
} from "./file_test_helpers.ts";

/**
 * Every event the server logged reads as a whole line in both languages:
 * its kind has a catalogue text and every placeholder of it is filled.
 */
function assertLogsRead(s: TestServer): void {
  for (const lang of ["es", "en"] as const) {
    const lines: string[] = [];
    const log = new ServerLog({ lang, print: (line) => lines.push(line), summarised: [] });
    for (const event of s.logs) log.sink(event);
    assert.equal(lines.length, s.logs.length);
    for (const [i, line] of lines.entries()) {
      assert.ok(`log_${s.logs[i].kind}` in serverText, `no text for ${s.logs[i].kind}`);
      assert.ok(!/[{}]/.test(line), `${lang}: ${line}`);
    }
  }
}

/** A complete v2 upload of `data` over a raw connection; returns the final reply. */
async function upload(s: TestServer, data: Uint8Array, filename = "a.bin"): Promise<Message> {
  const c = await RawClient.connect(s.port);
  try {
    await c.send({ type: "upload", token: TOKEN, filename, size: data.length });
    const ready = await c.next();
    if (ready?.type !== "upload_ready") return ready ?? {};
    await c.send(concat(data, encodeFrame({ type: "upload_end", sha256: await sha256hex(data) })));
    return (await c.next()) ?? {};
  } finally {
    c.close();
  }
}

/** A v1 upload (frame then bytes, no waiting) from 127.0.0.1; returns the reply. */
async function uploadV1(s: TestServer, fileId: string, data: Uint8Array): Promise<Message> {
  const frame = encodeFrame({
    type: "upload",
    file_id: fileId,
    filename: "x.txt",
    size: data.length,
  });
  return (await rawRequest(s.port, concat(frame, data), { closeWrite: true })).messages[0] ?? {};
}

Deno.test("file port: the issue's attack, 2,750 empty uploads with 240-character names in 60 s from one session, is refused after the allowance", async () => {
  const clock = new FakeClock();
  const s = await startFileServer({ clock }); // the default limits
  try {
    const name = "x".repeat(236) + ".txt";
    const codes: string[] = [];
    for (let i = 0; i < 2750; i++) {
      const reply = await upload(s, new Uint8Array(0), name);
      codes.push(reply.type === "upload_ok" ? "ok" : String(reply.code));
      clock.advance(60_000 / 2750);
    }
    // A burst of 30, then one every 2 s: about 60 in the minute; everything else refused.
    assert.deepEqual(codes.slice(0, 31), [...Array(30).fill("ok"), "rate_limited"]);
    const accepted = codes.filter((c) => c === "ok").length;
    assert.ok(accepted <= 61, `${accepted} accepted`);
    assert.ok(codes.every((c) => c === "ok" || c === "rate_limited"), codes.join(","));
    assert.equal(s.store.list().length, accepted);
    const refused = await upload(s, new Uint8Array(0), name);
    assert.equal(refused.code, "rate_limited");
    assert.match(String(refused.message), /por minuto/);
    assert.ok(s.logs.some((e) => e.kind === "rate_limited" && e.who === "Ana"));
    assertLogsRead(s);
  } finally {
    await s.close();
  }
});

Deno.test("file port: a member's files are capped, whatever their size", async () => {
  const clock = new FakeClock();
  const s = await startFileServer({ clock, limits: { perMinute: 30, maxFiles: 45 } });
  try {
    for (let minute = 0; minute < 2; minute++) {
      for (let i = 0; i < 30; i++) await upload(s, new Uint8Array(0), `f${minute}_${i}.txt`);
      clock.advance(60_000);
    }
    assert.equal(s.store.list().length, 45);
    const full = await upload(s, new Uint8Array(0), "one-more.txt");
    assert.equal(full.code, "too_many_files");
    assert.match(String(full.message), /45/);
    // Others are not affected.
    const bob = await RawClient.connect(s.port);
    try {
      await bob.send({ type: "upload", token: "bob-token", filename: "b.txt", size: 0 });
      assert.equal((await bob.next())?.type, "upload_ready");
    } finally {
      bob.close();
    }
    assertLogsRead(s);
  } finally {
    await s.close();
  }
});

Deno.test("file port: v1 uploads without a session are counted per address and expire unless announced", async () => {
  const clock = new FakeClock();
  const s = await startFileServer({ clock, v1AnnounceMs: 600_000, limits: { v1Pending: 3 } });
  try {
    for (let i = 0; i < 3; i++) {
      assert.equal((await uploadV1(s, `id${i}`, bytes(1000, i))).type, "upload_ok");
    }
    // A fourth waits for an announcement (or the expiry) of the others.
    const refused = await uploadV1(s, "id3", bytes(1000, 3));
    assert.equal(refused.code, "too_many_files");
    assert.ok(
      s.logs.some((e) => e.kind === "refused" && e.what === "v1_upload" && e.ip === "127.0.0.1"),
    );
    assert.equal(s.logs.filter((e) => e.kind === "v1_uploaded").length, 3);
    // The uploader's chat connection announces one: it no longer counts as pending.
    assert.ok(s.store.claimV1("id0", "127.0.0.1", "Ana"));
    assert.equal((await uploadV1(s, "id3", bytes(1000, 3))).type, "upload_ok");
    // Ten minutes without an announcement: the unannounced ones are deleted and logged.
    clock.advance(600_000 + 60_000);
    await waitFor(() => s.logs.filter((e) => e.kind === "v1_expired").length === 3, {
      message: "three v1 uploads to expire",
    });
    assert.equal(s.store.get("id1"), undefined);
    assert.equal(s.store.get("id0")?.from, "Ana");
    assert.equal((await walk(join(s.storage, "files"))).length, 1);
    assertLogsRead(s);
  } finally {
    await s.close();
  }
});

/** Writes like a full disk while `full.on`: a real ENOSPC from /dev/full where it exists. */
function fullDisk(full: { on: boolean }) {
  // Elsewhere (or without --allow-all): a made-up error with the same code.
  const devFull = fullDeviceWritable() ? Deno.openSync("/dev/full", { write: true }) : null;
  return {
    write: async (file: Deno.FsFile, data: Uint8Array) => {
      if (!full.on) return await file.write(data);
      if (devFull !== null) return await devFull.write(data);
      throw Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
    },
    close: () => devFull?.close(),
  };
}

Deno.test("file port: a full disk tells the uploader so, frees the part at once, and uploads work again when there is room", async () => {
  const full = { on: true };
  const disk = fullDisk(full);
  const s = await startFileServer({ writeData: disk.write });
  const work = await Deno.makeTempDir({ prefix: "pc3_full_" });
  try {
    const path = join(work, "big.bin");
    // Larger than what a plain close would drain (64 MiB): the rest must be read, not reset.
    const size = 96 * 1024 * 1024;
    await Deno.writeFile(path, new Uint8Array(size));
    // The real client reads the reply only after sending everything: the frame must survive.
    const error = await uploadFile(path, { host: "127.0.0.1", port: s.port, token: TOKEN })
      .then(() => null, (e) => e);
    assert.ok(error instanceof TransferError, String(error));
    assert.equal(error.code, "disk_full");
    assert.match(error.message, /disco del servidor está lleno/);
    assert.deepEqual(await walk(join(s.storage, "tmp")), []);
    assert.equal(s.store.used, 0);
    const logged = s.logs.find((e) => e.kind === "disk_full");
    assert.equal(logged?.needed, size);
    // v1: the bytes follow the request at once; the reply still arrives.
    assert.equal((await uploadV1(s, "v1full", bytes(200_000, 2))).code, "disk_full");
    full.on = false;
    await stillServes(s);
    assertLogsRead(s);
  } finally {
    disk.close();
    await s.close();
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("file port: an upload that stops moving loses its quota reservation, and cannot grow past the quota", async () => {
  const clock = new FakeClock();
  const s = await startFileServer({
    clock,
    quota: 1_000_000,
    stallTimeoutMs: 3_600_000,
    progress: { windowMs: 30_000, minBytes: 64 * 1024 },
  });
  try {
    // Declares 900 kB, sends one byte, then a byte now and then.
    const slow = await RawClient.connect(s.port);
    await slow.send({ type: "upload", token: TOKEN, filename: "slow.bin", size: 900_000 });
    assert.equal((await slow.next())?.type, "upload_ready");
    await slow.send(new Uint8Array(1));
    await waitFor(() => serverReadAll(s.port, slow.conn), { message: "the byte to arrive" });
    assert.equal((await upload(s, bytes(500_000, 1))).code, "quota_exceeded");
    clock.advance(30_000);
    // Now it counts by what it holds: others fit again.
    assert.equal((await upload(s, bytes(500_000, 1), "b.bin")).type, "upload_ok");
    // Its remaining bytes no longer fit: refused midway, and the frame is not lost.
    await slow.send(bytes(899_999, 2));
    const reply = await slow.next();
    assert.equal(reply?.code, "quota_exceeded");
    slow.close();
  } finally {
    await s.close();
  }
});

Deno.test("file port: a connection lost after the last byte does not lose the upload: the resume gets it", async () => {
  const s = await startFileServer();
  try {
    const data = bytes(200_000, 5);
    const c = await RawClient.connect(s.port);
    await c.send({ type: "upload", token: TOKEN, filename: "tarea.pdf", size: data.length });
    const ready = await c.next();
    const uploadId = String(ready?.upload_id);
    await c.send(concat(data, encodeFrame({ type: "upload_end", sha256: await sha256hex(data) })));
    c.close(); // gone before upload_ok
    await waitFor(() => s.published.length === 1, { message: "the upload to be published" });
    const r = await RawClient.connect(s.port);
    try {
      await r.send({
        type: "upload",
        token: TOKEN,
        filename: "tarea.pdf",
        size: data.length,
        resume: uploadId,
      });
      const again = await r.next();
      assert.deepEqual([again?.type, again?.offset], ["upload_ready", data.length]);
      await r.send({ type: "upload_end", sha256: await sha256hex(data) });
      const ok = await r.next();
      assert.equal(ok?.type, "upload_ok");
      assert.equal(ok?.file_id, s.published[0].file_id);
    } finally {
      r.close();
    }
    // Announced once.
    assert.equal(s.published.length, 1);
  } finally {
    await s.close();
  }
});

Deno.test("file port: the same content uploaded twice is stored once and announced twice", async () => {
  const s = await startFileServer();
  try {
    const data = bytes(300_000, 8);
    const a = await upload(s, data, "clase.mp4");
    const b = await upload(s, data, "copia.mp4");
    assert.equal(a.type, "upload_ok");
    assert.equal(b.type, "upload_ok");
    assert.notEqual(a.file_id, b.file_id);
    assert.deepEqual(s.published.map((f) => f.filename), ["clase.mp4", "copia.mp4"]);
    assert.equal((await walk(join(s.storage, "files"))).length, 1);
    // Downloads work by either id, in any case.
    for (const id of [a.file_id, String(b.file_id).toUpperCase()]) {
      const reply = await rawRequest(s.port, encodeFrame({ type: "download", file_id: id }));
      assert.equal(reply.messages[0]?.type, "download_meta");
      assert.equal(await sha256hex(reply.raw), await sha256hex(data));
    }
    assert.ok(s.logs.some((e) => e.kind === "downloaded" && e.id === a.file_id));
    assertLogsRead(s);
  } finally {
    await s.close();
  }
});

Deno.test("parseServerArgs() reads --max-files and --uploads-per-minute, positive integers", () => {
  const parsed = parseServerArgs(["--max-files", "10", "--uploads-per-minute", "5"]);
  assert.equal(parsed.kind, "run");
  if (parsed.kind === "run") {
    assert.deepEqual([parsed.config.maxFiles, parsed.config.uploadsPerMinute], [10, 5]);
  }
  const defaults = parseServerArgs([]);
  if (defaults.kind === "run") {
    assert.deepEqual([defaults.config.maxFiles, defaults.config.uploadsPerMinute], [200, 30]);
  }
  for (const bad of [["--max-files", "0"], ["--uploads-per-minute", "x"]]) {
    assert.equal(parseServerArgs(bad).kind, "error", bad.join(" "));
  }
});

Deno.test("file port: an upload whose index entry cannot be saved is refused, never acknowledged; on a full disk with disk_full", async () => {
  const s = await startFileServer();
  const tmp = join(s.storage, "index.json.tmp");
  try {
    // A folder where the index's temporary file goes: every save fails.
    await Deno.mkdir(tmp);
    assert.equal((await upload(s, bytes(50_000, 3))).code, "server_error");
    await Deno.remove(tmp);
    // A full device there instead (Linux, and Deno opens devices only with --allow-all).
    if (fullDeviceWritable()) {
      await Deno.symlink("/dev/full", tmp);
      assert.equal((await upload(s, bytes(50_000, 4))).code, "disk_full");
      await Deno.remove(tmp);
    }
    assert.deepEqual(s.published, []);
    assert.equal(s.problems[0]?.kind, "save_failed");
    await stillServes(s);
    assertLogsRead(s);
  } finally {
    await s.close();
  }
});

/** Whether /dev/full exists and this run may write to it. */
function fullDeviceWritable(): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    Deno.openSync("/dev/full", { write: true }).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test("file port: uploads running in parallel count against the file cap", async () => {
  const s = await startFileServer({ limits: { maxFiles: 3 } });
  const clients: RawClient[] = [];
  try {
    const replies: string[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await RawClient.connect(s.port);
      clients.push(c);
      await c.send({ type: "upload", token: TOKEN, filename: `p${i}.bin`, size: 10 });
      const reply = await c.next();
      replies.push(String(reply?.type === "upload_ready" ? "ready" : reply?.code));
    }
    assert.deepEqual(replies, ["ready", "ready", "ready", "too_many_files", "too_many_files"]);
  } finally {
    for (const c of clients) c.close();
    await s.close();
  }
});
