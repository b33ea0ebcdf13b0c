import assert from "node:assert/strict";
import { LineReader, textChunks } from "../lib/terminal/input.ts";
import { fakeInput } from "./terminal_fakes.ts";
import { withDeadline } from "./wait.ts";

async function* chunks(...parts: string[]): AsyncGenerator<string> {
  yield* parts;
}

Deno.test("LineReader splits on LF and CR LF and returns a last line without a line break", async () => {
  const reader = new LineReader(chunks("a\r", "\nb\n\nc", "d"));
  const got: (string | null)[] = [];
  for (let i = 0; i < 5; i++) got.push(await reader.next());
  assert.deepEqual(got, ["a", "b", "", "cd", null]);
});

Deno.test("textChunks() ends a pending read when its signal aborts", async () => {
  const input = fakeInput();
  const stop = new AbortController();
  const it = textChunks(input.stream, stop.signal);
  input.type("uno");
  assert.deepEqual(await withDeadline(it.next(), 5_000, "the first chunk"), {
    done: false,
    value: "uno",
  });
  const pending = it.next();
  stop.abort();
  assert.equal((await withDeadline(pending, 5_000, "the end after abort")).done, true);
});
