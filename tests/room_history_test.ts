import assert from "node:assert/strict";
import { History } from "../lib/server/room/history.ts";

Deno.test("History stamps events with consecutive seq and the given time", () => {
  const history = new History(undefined, 3);
  assert.deepEqual(history.stamp({ type: "message", text: "a" }, 10), {
    type: "message",
    text: "a",
    seq: 1,
    ts: 10,
  });
  assert.equal(history.stamp({ type: "system" }, 11).seq, 2);
  assert.equal(history.state().nextSeq, 3);
});

Deno.test("History keeps only the last `size` messages, oldest first", () => {
  const history = new History(undefined, 3);
  for (let i = 0; i < 5; i++) history.remember(history.stamp({ type: "message", text: `${i}` }, i));
  assert.deepEqual(history.messages().map((m) => m.text), ["2", "3", "4"]);
});

Deno.test("History restored with a stale nextSeq never hands out a seq already used", () => {
  const restored = { nextSeq: 2, messages: [{ seq: 7, text: "x" }, { seq: 9, text: "y" }] };
  const history = new History(restored, 1);
  assert.deepEqual(history.messages().map((m) => m.seq), [9], "trimmed to the size");
  assert.equal(history.stamp({ type: "message" }, 0).seq, 10);
});

Deno.test("History.state() is a copy the room can keep changing", () => {
  const history = new History(undefined, 5);
  history.remember(history.stamp({ type: "message", text: "a" }, 0));
  const saved = history.state();
  history.remember(history.stamp({ type: "message", text: "b" }, 0));
  assert.equal(saved.messages.length, 1);
  assert.equal(saved.nextSeq, 2);
});
