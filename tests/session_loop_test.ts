import assert from "node:assert/strict";
import { join } from "node:path";
import type { Command } from "../lib/client/commands.ts";
import type { CloseInfo } from "../lib/client/events.ts";
import type { SafeText } from "../lib/protocol/safe_text.ts";
import type { InputItem } from "../lib/terminal/input.ts";
import { runSession, type SessionClient } from "../lib/terminal/session_loop.ts";
import type { TerminalUi } from "../lib/terminal/terminal_ui.ts";
import { waitFor, withDeadline } from "./wait.ts";

const DEADLINE = 5_000;

/** A chat client that records commands; `transfers` running until closed. */
class FakeClient implements SessionClient {
  executed: Command[] = [];
  closeCalls = 0;
  #resolve!: (info: CloseInfo) => void;
  readonly closed = new Promise<CloseInfo>((r) => this.#resolve = r);
  readonly welcome = { maxMessage: 10 };
  constructor(public activeTransfers = 0) {}
  execute(cmd: Command): void {
    this.executed.push(cmd);
  }
  finish(onWait?: (running: number) => void): Promise<CloseInfo> {
    if (this.activeTransfers > 0) onWait?.(this.activeTransfers);
    this.#resolve({ reason: "quit" });
    return this.closed;
  }
  close(): Promise<CloseInfo> {
    this.closeCalls++;
    this.activeTransfers = 0;
    this.#resolve({ reason: "quit" });
    return this.closed;
  }
}

/** A terminal that yields `items` one by one, then waits for ever; records printed lines. */
function fakeUi(items: InputItem[]): TerminalUi & { printed: string[]; restored: string[] } {
  const printed: string[] = [];
  const restored: string[] = [];
  return {
    printed,
    restored,
    restoreLine(text: string) {
      restored.push(text);
    },
    show() {},
    print(lines: readonly SafeText[]) {
      printed.push(...lines);
    },
    async *input() {
      for (const item of items) yield item;
      await new Promise(() => {});
    },
    ask: () => Promise.resolve(null),
    setName() {},
    close: () => Promise.resolve(),
  };
}

const line = (text: string): InputItem => ({ type: "line", line: text });
const interrupt: InputItem = { type: "interrupt" };

Deno.test("runSession(): Ctrl+C with transfers running asks first; a second Ctrl+C quits", async () => {
  const client = new FakeClient(2);
  const ui = fakeUi([interrupt, interrupt]);
  const code = await withDeadline(
    runSession(client, ui, { lang: "en", interactive: true }),
    DEADLINE,
    "the session to end",
  );
  assert.equal(code, 0);
  assert.equal(client.closeCalls, 1);
  assert.equal(ui.printed.length, 1);
  assert.match(ui.printed[0], /2 transfer\(s\) running: press Ctrl\+C again/);
});

Deno.test("runSession(): Ctrl+C without transfers quits at once", async () => {
  const client = new FakeClient(0);
  const ui = fakeUi([interrupt]);
  assert.equal(
    await withDeadline(runSession(client, ui, { lang: "es", interactive: true }), DEADLINE, "end"),
    0,
  );
  assert.equal(client.closeCalls, 1);
  assert.deepEqual(ui.printed, []);
});

Deno.test("runSession(): /quit then Ctrl+C quits; a command in between asks again", async () => {
  const client = new FakeClient(1);
  const ui = fakeUi([line("/quit"), line("hola"), interrupt, interrupt]);
  await withDeadline(runSession(client, ui, { lang: "en", interactive: true }), DEADLINE, "end");
  assert.equal(ui.printed.length, 2, ui.printed.join("\n"));
  assert.match(ui.printed[0], /type \/quit again/);
  assert.match(ui.printed[1], /press Ctrl\+C again/);
  assert.deepEqual(client.executed, [{ kind: "message", text: "hola" }]);
  assert.equal(client.closeCalls, 1);
});

Deno.test("runSession(): a piped /quit waits for transfers instead of asking", async () => {
  const client = new FakeClient(1);
  const ui = fakeUi([line("/quit")]);
  assert.equal(
    await withDeadline(runSession(client, ui, { lang: "en", interactive: false }), DEADLINE, "end"),
    0,
  );
  assert.equal(client.closeCalls, 0);
  assert.match(ui.printed[0], /Waiting for 1 transfer/);
});

Deno.test("runSession(): /upload finds an escaped path with spaces, and says a folder is a folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "mis vídeos"));
    const file = join(dir, "mis vídeos", "clase grabada.mp4");
    await Deno.writeTextFile(file, "x");
    // As people paste it: escaped spaces on Linux and macOS, quotes on Windows.
    const windows = Deno.build.os === "windows";
    const escaped = windows ? `"${file}"` : file.replaceAll(" ", "\\ ");
    const client = new FakeClient();
    const ui = fakeUi([
      line(`/upload ${escaped}`),
      line(`/upload ${join(dir, "mis vídeos")}`),
      line(`/upload ${join(dir, "nada.txt")}`),
    ]);
    const env = { windows, home: dir };
    const session = runSession(client, ui, { lang: "es", interactive: true, pathEnv: env });
    await waitFor(() => ui.printed.length >= 2, { message: "two refusals", timeoutMs: DEADLINE });
    assert.deepEqual(client.executed, [{ kind: "upload", path: file }]);
    assert.match(ui.printed[0], /^\[ERROR\] No se pudo subir .*mis vídeos: es una carpeta/);
    assert.match(ui.printed[1], /nada\.txt: el archivo no existe/);
    await client.close();
    await withDeadline(session, DEADLINE, "the session to end");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runSession(): a message over the limit goes back into the line to be shortened", async () => {
  const client = new FakeClient();
  const long = "x".repeat(11);
  const ui = fakeUi([line(long), line("corto"), interrupt]);
  await withDeadline(runSession(client, ui, { lang: "es", interactive: true }), DEADLINE, "end");
  // The client is still asked (it tells the user); the text comes back, the short one does not.
  assert.deepEqual(client.executed, [
    { kind: "message", text: long },
    { kind: "message", text: "corto" },
  ]);
  assert.deepEqual(ui.restored, [long]);
});
