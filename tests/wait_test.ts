import assert from "node:assert/strict";
import { FakeClock } from "./fake_clock.ts";
import { exited, Lines } from "./pipe_processes.ts";
import { DeadlineError, waitFor, withDeadline } from "./wait.ts";

Deno.test("withDeadline() passes a settled value through and names what timed out", async () => {
  assert.equal(await withDeadline(Promise.resolve(42), 1000, "the answer"), 42);
  await assert.rejects(withDeadline(Promise.reject(new Error("boom")), 1000, "x"), /boom/);
  const never = new Promise<never>(() => {});
  const e = await withDeadline(never, 20, "a frame that never comes").catch((e) => e);
  assert.ok(e instanceof DeadlineError);
  assert.equal(e.what, "a frame that never comes");
  assert.equal(e.ms, 20);
  assert.match(e.message, /Timed out after 20 ms waiting for a frame that never comes/);
});

Deno.test("waitFor() returns once the predicate holds and fails with the message and detail", async () => {
  let n = 0;
  await waitFor(() => ++n >= 3, { message: "three polls", intervalMs: 1 });
  assert.equal(n, 3);
  await waitFor(() => Promise.resolve(true), { message: "an async predicate" });
  const e = await waitFor(() => false, {
    message: "the impossible",
    timeoutMs: 20,
    intervalMs: 5,
    detail: () => "log: nothing",
  }).catch((e) => e);
  assert.ok(e instanceof DeadlineError);
  assert.match(e.message, /waiting for the impossible\nlog: nothing$/);
});

Deno.test("FakeClock runs due timers in time order, repeats intervals and honours clears", () => {
  const clock = new FakeClock(1000);
  const log: string[] = [];
  clock.setTimeout(() => log.push(`b@${clock.now()}`), 200);
  clock.setTimeout(() => log.push(`a@${clock.now()}`), 100);
  const every = clock.setInterval(() => log.push(`i@${clock.now()}`), 150);
  const cleared = clock.setTimeout(() => log.push("never"), 50);
  clock.clearTimeout(cleared);
  clock.advance(99);
  assert.deepEqual(log, []);
  clock.advance(251);
  assert.deepEqual(log, ["a@1100", "i@1150", "b@1200", "i@1300"]);
  assert.equal(clock.now(), 1350);
  clock.clearInterval(every);
  assert.equal(clock.pending, 0);
  clock.advance(1000);
  assert.equal(log.length, 4);
});

Deno.test("Lines.wait() finds a line, fails when the stream ends, and fails on its deadline with the output", async () => {
  const ended = new Lines(ReadableStream.from([new TextEncoder().encode("uno\ndos\ntres")]));
  assert.equal((await ended.wait(/^d(o)s$/)).index, 1);
  assert.equal((await ended.wait(/^tres$/)).line, "tres");
  await assert.rejects(
    ended.wait(/^cuatro$/),
    /Stream ended without \/\^cuatro\$\/:\nuno\ndos\ntres/,
  );
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const open = new Lines(new ReadableStream({ start: (c) => void (controller = c) }));
  controller.enqueue(new TextEncoder().encode("hola\n"));
  const e = await open.wait(/^adiós$/, 0, "the goodbye", 20).catch((e) => e);
  assert.ok(e instanceof DeadlineError, String(e));
  assert.match(e.message, /waiting for the goodbye\nhola$/);
  const later = open.wait(/^adiós$/, 0, "the goodbye");
  controller.enqueue(new TextEncoder().encode("adiós\n"));
  assert.equal((await later).index, 1);
  controller.close();
  await open.done;
});

Deno.test("exited() kills a child that outlives its deadline and reports its output", async () => {
  // A Deno child rather than sh + sleep, so the test runs on Windows too.
  const sleeper = 'console.log("started"); setTimeout(() => {}, 60_000);';
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", sleeper],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = new Lines(child.stdout);
  const err = new Lines(child.stderr);
  await out.wait(/^started$/);
  await assert.rejects(
    exited(child, [out, err], 50, "the sleeper"),
    /the sleeper to exit[^]*started/,
  );
  const status = await child.status;
  assert.ok(!status.success, "killed, not finished");
  // Windows has no signals: the kill is TerminateProcess, reported without one.
  if (Deno.build.os !== "windows") assert.equal(status.signal, "SIGKILL");
});
