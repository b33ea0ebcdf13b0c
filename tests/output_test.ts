import assert from "node:assert/strict";
import { safe } from "../lib/protocol/safe_text.ts";
import { TerminalOutput } from "../lib/terminal/output.ts";
import { withDeadline } from "./wait.ts";

Deno.test("TerminalOutput never blocks the caller and drops what does not fit when output stalls", async () => {
  let release!: () => void;
  const stalled = new Promise<void>((r) => release = r);
  let written = 0;
  const q = new TerminalOutput({
    async write(p) {
      await stalled;
      written += p.length;
      return p.length;
    },
  }, { maxQueued: 1000 });
  for (let i = 0; i < 100; i++) q.write(safe("x".repeat(100)));
  release();
  await withDeadline(q.flush(), 5_000, "the queue to flush");
  assert.ok(written > 0 && written <= 1000);
});

Deno.test("TerminalOutput drops further output once a write failed and still flushes", async () => {
  let writes = 0;
  const q = new TerminalOutput({
    write() {
      writes++;
      return Promise.reject(new Error("Broken pipe"));
    },
  });
  q.write(safe("a"));
  await withDeadline(q.flush(), 5_000, "the queue to flush");
  q.write(safe("b"));
  await withDeadline(q.flush(), 5_000, "the queue to flush");
  assert.equal(writes, 1);
});
