import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type ByteSink, type ByteSource, NULL_SINK, pump } from "../lib/net/bulk_copy.ts";

/** A source handing out `data` in pieces of at most `piece` bytes. */
function source(data: Uint8Array, piece: number): ByteSource & { reads: number } {
  let off = 0;
  return {
    reads: 0,
    read(buf: Uint8Array) {
      this.reads++;
      if (off >= data.length) return Promise.resolve(null);
      const n = Math.min(piece, buf.length, data.length - off);
      buf.set(data.subarray(off, off + n));
      off += n;
      return Promise.resolve(n);
    },
  };
}

/** A sink that keeps what it gets, taking at most `piece` bytes per write. */
function sink(piece = Infinity): ByteSink & { chunks: Uint8Array[]; bytes(): Uint8Array } {
  const chunks: Uint8Array[] = [];
  return {
    chunks,
    write(bytes: Uint8Array) {
      const n = Math.min(piece, bytes.length);
      chunks.push(bytes.slice(0, n));
      return Promise.resolve(n);
    },
    bytes() {
      const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let off = 0;
      for (const c of chunks) {
        out.set(c, off);
        off += c.length;
      }
      return out;
    },
  };
}

function data(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + 3) & 255);
}

Deno.test("pump() copies exactly count bytes, filling buffers from small reads", async () => {
  const input = data(10_000);
  const out = sink(333); // partial writes too
  const src = source(input, 100);
  const progress: number[] = [];
  const copied = await pump(src, out, 9_000, {
    bufferSize: 4096,
    onProgress: (n) => progress.push(n),
  });
  assert.equal(copied, 9_000);
  assert.deepEqual(out.bytes(), input.subarray(0, 9_000));
  assert.equal(src.reads, 41 + 41 + 9); // pieces of 100 cut at buffer ends
  assert.deepEqual(progress, [4096, 8192, 9000]); // one chunk per filled buffer
});

Deno.test("pump() stops at EOF before count and hashes what it copied", async () => {
  const input = data(5_000);
  const hash = createHash("sha256");
  const out = sink();
  const copied = await pump(source(input, 700), out, 1_000_000, { hash, bufferSize: 1024 });
  assert.equal(copied, 5_000);
  assert.equal(hash.digest("hex"), createHash("sha256").update(input).digest("hex"));
  assert.deepEqual(out.bytes(), input);
});

Deno.test("pump() with count 0 reads nothing", async () => {
  const src = source(data(10), 10);
  assert.equal(await pump(src, NULL_SINK, 0), 0);
  assert.equal(src.reads, 0);
});

Deno.test("pump() throws a write failure after the read in flight settles", async () => {
  const failing: ByteSink = { write: () => Promise.reject(new Error("Disk full: /x")) };
  await assert.rejects(
    pump(source(data(50_000), 1000), failing, 50_000, { bufferSize: 2048 }),
    /Disk full/,
  );
});

Deno.test("pump() passes a read failure through", async () => {
  const broken: ByteSource = { read: () => Promise.reject(new Error("Connection reset")) };
  await assert.rejects(pump(broken, NULL_SINK, 10), /Connection reset/);
});
