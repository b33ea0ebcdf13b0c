import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { type NodeStdin, nodeStdin } from "../lib/terminal/console_input.ts";
import { textChunks } from "../lib/terminal/input.ts";
import { withDeadline } from "./wait.ts";

/** A stand-in for Node's process.stdin. */
class FakeStdin extends EventEmitter implements NodeStdin {
  raw: boolean[] = [];
  paused = false;
  pause() {
    this.paused = true;
    return this;
  }
  resume() {
    this.paused = false;
    return this;
  }
  setRawMode(on: boolean) {
    this.raw.push(on);
    return this;
  }
}

Deno.test("nodeStdin() turns process.stdin's data into a byte stream, letters intact", async () => {
  const fake = new FakeStdin();
  const input = nodeStdin(fake);
  input.setRaw(true);
  const typed = "ñ á ü € 😀";
  const bytes = new TextEncoder().encode(typed);
  const read = (async () => {
    let text = "";
    for await (const chunk of textChunks(input.readable)) text += chunk;
    return text;
  })();
  // A character split across two data events, then text given as a string.
  fake.emit("data", bytes.subarray(0, 1));
  fake.emit("data", bytes.subarray(1));
  fake.emit("data", " hola");
  fake.emit("end");
  assert.equal(await withDeadline(read, 5_000, "the input to end"), `${typed} hola`);
  input.setRaw(false);
  assert.deepEqual(fake.raw, [true, false]);
});

Deno.test("nodeStdin() passes an error on and stops reading when cancelled", async () => {
  const fake = new FakeStdin();
  const reader = nodeStdin(fake).readable.getReader();
  fake.emit("data", "a");
  assert.equal(new TextDecoder().decode((await reader.read()).value), "a");
  await reader.cancel();
  assert.ok(fake.paused);
  fake.emit("data", "ignored after cancel");
  const failing = new FakeStdin();
  const r2 = nodeStdin(failing).readable.getReader();
  const pending = r2.read();
  failing.emit("error", new Error("EIO"));
  await assert.rejects(withDeadline(pending, 5_000, "the error"), /EIO/);
});
