import assert from "node:assert/strict";
import { type ByteWriter, COALESCE_BYTES, writeAll, WriteQueue } from "../lib/net/write_queue.ts";

/** A writer whose writes complete only when the test says so. */
class ManualWriter implements ByteWriter {
  writes: Uint8Array[] = [];
  #pending: Array<
    { bytes: Uint8Array; resolve: (n: number) => void; reject: (e: unknown) => void }
  > = [];
  maxPerWrite = Infinity;

  write(p: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => this.#pending.push({ bytes: p, resolve, reject }));
  }

  get inFlight(): number {
    return this.#pending.length;
  }

  /** Completes the oldest write (partially when `maxPerWrite` says so). */
  complete(): number {
    const w = this.#pending.shift();
    assert.ok(w, "no write in flight");
    const n = Math.min(w.bytes.length, this.maxPerWrite);
    // Bytes are read when the write completes, as a kernel would: a buffer
    // reused while its write is in flight shows up here.
    this.writes.push(w.bytes.slice(0, n));
    w.resolve(n);
    return n;
  }

  fail(error: unknown): void {
    const w = this.#pending.shift();
    assert.ok(w, "no write in flight");
    w.reject(error);
  }
}

/** Lets pending promise callbacks run (no timers involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function concat(parts: Uint8Array[]): number[] {
  return parts.flatMap((p) => [...p]);
}

Deno.test("writeAll() loops over short writes until every byte is written", async () => {
  const got: number[] = [];
  const writer = {
    write(p: Uint8Array) {
      got.push(p[0]);
      return Promise.resolve(1);
    },
  };
  await writeAll(writer, Uint8Array.of(1, 2, 3, 4));
  assert.deepEqual(got, [1, 2, 3, 4]);
});

Deno.test("writeAll() throws instead of spinning when the writer writes nothing", async () => {
  const writer = { write: () => Promise.resolve(0) };
  await assert.rejects(writeAll(writer, Uint8Array.of(1)), Deno.errors.WriteZero);
});

Deno.test("WriteQueue writes at once when idle and coalesces what piles up behind a slow write", async () => {
  const w = new ManualWriter();
  const q = new WriteQueue(w);
  q.push(Uint8Array.of(1));
  assert.equal(w.inFlight, 1, "first push is written immediately");
  q.push(Uint8Array.of(2));
  q.push(Uint8Array.of(3, 4));
  assert.equal(w.inFlight, 1, "one write in flight");
  assert.equal(q.queued, 4);
  w.complete();
  await settle();
  assert.equal(w.inFlight, 1);
  w.complete();
  await settle();
  assert.equal(w.inFlight, 0);
  assert.deepEqual(w.writes.map((p) => [...p]), [[1], [2, 3, 4]]);
  assert.equal(q.queued, 0);
});

Deno.test("WriteQueue finishes short writes and keeps the byte order", async () => {
  const w = new ManualWriter();
  w.maxPerWrite = 3;
  const q = new WriteQueue(w);
  const sent: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const item = Uint8Array.from({ length: (i % 5) + 1 }, (_, k) => (i * 7 + k) & 0xff);
    sent.push(...item);
    assert.equal(q.push(item), true);
  }
  const drained = q.drain();
  for (let guard = 0; w.inFlight > 0 && guard < 100_000; guard++) {
    w.complete();
    await settle();
  }
  await drained;
  assert.deepEqual(concat(w.writes), sent);
  assert.ok(w.writes.every((p) => p.length <= COALESCE_BYTES));
});

Deno.test("WriteQueue sends an item larger than the coalescing size alone and uncopied", async () => {
  const seen: Uint8Array[] = [];
  let release!: () => void;
  const writer = {
    write(p: Uint8Array) {
      seen.push(p);
      return seen.length === 1
        ? new Promise<number>((r) => release = () => r(p.length))
        : Promise.resolve(p.length);
    },
  };
  const q = new WriteQueue(writer);
  const small = Uint8Array.of(1);
  const big = new Uint8Array(COALESCE_BYTES + 1);
  q.push(small);
  q.push(big);
  q.push(Uint8Array.of(2));
  release();
  await q.drain();
  assert.equal(seen.length, 3);
  assert.equal(seen[0], small);
  assert.equal(seen[1], big, "the big item is written from the caller's buffer");
  assert.deepEqual([...seen[2]], [2]);
});

Deno.test("WriteQueue never reuses a coalescing buffer while its write is in flight", async () => {
  const writers = [new ManualWriter(), new ManualWriter()];
  const queues = writers.map((w) => new WriteQueue(w));
  const sent: number[][] = [[], []];
  for (let round = 0; round < 30; round++) {
    for (let q = 0; q < 2; q++) {
      for (let k = 0; k < 3; k++) {
        const item = Uint8Array.from(
          { length: 100 + k },
          (_, i) => (round * 13 + q * 7 + i) & 0xff,
        );
        sent[q].push(...item);
        queues[q].push(item);
      }
    }
    // Complete in alternating order so pooled buffers change hands between queues.
    for (const w of round % 2 === 0 ? writers : [...writers].reverse()) {
      if (w.inFlight > 0) w.complete();
      await settle();
    }
  }
  for (let guard = 0; guard < 1000 && writers.some((w) => w.inFlight > 0); guard++) {
    for (const w of writers) if (w.inFlight > 0) w.complete();
    await settle();
  }
  assert.deepEqual(concat(writers[0].writes), sent[0]);
  assert.deepEqual(concat(writers[1].writes), sent[1]);
});

Deno.test("WriteQueue refuses what passes the bound and signals overflow, staying open", async () => {
  const w = new ManualWriter();
  const overflows: Array<[number, number]> = [];
  const q = new WriteQueue(w, {
    maxQueued: 10,
    onOverflow: (r, queued) => overflows.push([r, queued]),
  });
  assert.equal(q.push(new Uint8Array(6)), true);
  assert.equal(q.push(new Uint8Array(4)), true);
  assert.equal(q.push(new Uint8Array(1)), false);
  assert.deepEqual(overflows, [[1, 10]]);
  assert.equal(q.closed, false);
  w.complete();
  await settle();
  assert.equal(q.push(new Uint8Array(5)), true, "room again once the slow write finished");
});

Deno.test("WriteQueue.close() while a write is in flight drops the rest and resolves drain()", async () => {
  const w = new ManualWriter();
  const q = new WriteQueue(w);
  q.push(Uint8Array.of(1));
  q.push(Uint8Array.of(2));
  const drained = q.drain();
  q.close();
  q.close();
  await drained;
  assert.equal(q.push(Uint8Array.of(3)), false);
  assert.equal(q.queued, 0);
  w.complete();
  await settle();
  assert.equal(w.inFlight, 0, "nothing written after close");
  assert.equal(q.queued, 0);
});

Deno.test("WriteQueue closes itself on a write error, reports it once and resolves drain()", async () => {
  const w = new ManualWriter();
  const errors: unknown[] = [];
  const q = new WriteQueue(w, { onError: (e) => errors.push(e) });
  q.push(Uint8Array.of(1));
  q.push(Uint8Array.of(2));
  const drained = q.drain();
  w.fail(new Deno.errors.BrokenPipe("gone"));
  await drained;
  assert.equal(q.closed, true);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof Deno.errors.BrokenPipe);
  assert.equal(q.push(Uint8Array.of(3)), false);
});

Deno.test("WriteQueue over a real socket delivers everything to a slow reader", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const a = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const b = await accepted;
  const q = new WriteQueue(a, { maxQueued: 64 * 1024 * 1024 });
  const total = 8_000_000;
  const item = new Uint8Array(1000).map((_, i) => i & 0xff);
  for (let sent = 0; sent < total; sent += item.length) assert.equal(q.push(item), true);
  const buf = new Uint8Array(4096);
  let got = 0;
  let sum = 0;
  while (got < total) {
    const n = await b.read(buf);
    assert.notEqual(n, null);
    for (let i = 0; i < n!; i++) sum += buf[i];
    got += n!;
  }
  await q.drain();
  assert.equal(got, total);
  assert.equal(sum, (total / 1000) * item.reduce((s, x) => s + x, 0));
  a.close();
  b.close();
  listener.close();
});

Deno.test("WriteQueue sends a frame pushed in a thousand small pieces in few full writes", async () => {
  // The room sends a welcome as its header and text, then one cached entry per member.
  const w = new ManualWriter();
  const q = new WriteQueue(w);
  const pieces = [Uint8Array.of(0, 0, 0xea, 0x60)];
  for (let i = 0; i < 1000; i++) pieces.push(new Uint8Array(60).fill(i & 0xff));
  for (const p of pieces) assert.equal(q.push(p), true);
  const drained = q.drain();
  for (let guard = 0; w.inFlight > 0 && guard < 1000; guard++) {
    w.complete();
    await settle();
  }
  await drained;
  assert.deepEqual(concat(w.writes), concat(pieces));
  // The first piece alone (the queue was idle), then 60 000 bytes in 4 KiB writes.
  assert.equal(w.writes.length, 1 + Math.ceil(60_000 / (COALESCE_BYTES - COALESCE_BYTES % 60)));
});
