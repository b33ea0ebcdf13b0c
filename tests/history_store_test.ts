import assert from "node:assert/strict";
import { join } from "node:path";
import { HISTORY_FILE, HistoryStore } from "../lib/server/history_store.ts";
import { payload, Room } from "../lib/server/room/room.ts";
import { decodeMessage, FrameDecoder } from "../lib/protocol/frame.ts";

Deno.test("HistoryStore saves atomically and reads back next seq and messages", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = await HistoryStore.open(dir, { debounceMs: 5 });
    assert.deepEqual(store.initial, { nextSeq: 1, messages: [] });
    store.save({ nextSeq: 3, messages: [{ type: "message", seq: 1, text: "a" }] });
    store.save({ nextSeq: 4, messages: [{ type: "message", seq: 3, text: "b" }] });
    await store.close();
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names, [HISTORY_FILE]);
    const again = await HistoryStore.open(dir);
    assert.deepEqual(again.initial, {
      nextSeq: 4,
      messages: [{ type: "message", seq: 3, text: "b" }],
    });
    await again.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HistoryStore sets a corrupt file aside and starts empty", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const junk of ["{not json", '{"nextSeq":"x","messages":[]}', "[]", "\u0000\u0001"]) {
      await Deno.writeTextFile(join(dir, HISTORY_FILE), junk);
      const problems: string[] = [];
      const store = await HistoryStore.open(dir, { onProblem: (p) => problems.push(p.kind) });
      assert.deepEqual(store.initial, { nextSeq: 1, messages: [] });
      assert.deepEqual(problems, ["corrupt"]);
      await store.close();
    }
    const aside = [...Deno.readDirSync(dir)].filter((e) => e.name.includes(".corrupt-"));
    assert.ok(aside.length >= 1);
    // Each corrupt file is kept, even two set aside in the same millisecond.
    assert.equal(aside.length, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HistoryStore reports a failed save without throwing", async () => {
  const dir = await Deno.makeTempDir();
  const problems: string[] = [];
  const store = await HistoryStore.open(dir, { onProblem: (p) => problems.push(p.kind) });
  await Deno.remove(dir, { recursive: true });
  await store.close({ nextSeq: 2, messages: [] });
  assert.deepEqual(problems, ["save_failed"]);
});

Deno.test("seq never goes backwards after a crash between two history writes (kill -9)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pc3_seq_" });
  const store = await HistoryStore.open(dir, { debounceMs: 3_600_000 });
  let clock = 1_000;
  const room = new Room({
    now: () => clock++,
    history: store.initial,
    onHistory: (h) => store.save(h),
    reserveSeq: (upTo) => store.reserveSeq(upTo),
  });
  const seen: number[] = [];
  const decoder = new FrameDecoder({ maxFrame: 1 << 20 });
  const conn = room.connect({
    ip: "127.0.0.1",
    port: 1,
    send: (bytes) => {
      decoder.push(bytes);
      let p: Uint8Array | null;
      while ((p = decoder.next()) !== null) {
        const seq = decodeMessage(p).seq;
        if (typeof seq === "number") seen.push(seq);
      }
      return true;
    },
    close() {},
  });
  conn.receive(payload({ type: "hello", version: 2, name: "Ana" }));
  for (let i = 0; i < 30; i++) {
    clock += 100;
    conn.receive(payload({ type: "message", text: `m${i}` }));
  }
  const delivered = Math.max(...seen);
  assert.ok(delivered >= 30);
  // The process dies here: the debounced history write never happened. A new
  // server opening the same folder must not hand out a delivered seq again.
  const after = await HistoryStore.open(dir);
  assert.ok(after.initial.nextSeq > delivered, `${after.initial.nextSeq} <= ${delivered}`);
  await after.close();
  await store.close();
  await Deno.remove(dir, { recursive: true });
});
