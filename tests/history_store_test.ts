import assert from "node:assert/strict";
import { join } from "node:path";
import { HISTORY_FILE, HistoryStore } from "../lib/server/history_store.ts";

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
