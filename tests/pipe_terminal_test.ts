import assert from "node:assert/strict";
import { PipeTerminal } from "../lib/terminal/pipe_terminal.ts";
import { fakeInput, fakeOutput, welcomeEvent } from "./terminal_fakes.ts";
import { withDeadline } from "./wait.ts";

/** Hang guard for one awaited terminal step. */
const DEADLINE = 5_000;

Deno.test("PipeTerminal reads one command per line and prints plain lines", async () => {
  const out = fakeOutput();
  const input = fakeInput();
  const term = new PipeTerminal({ input: input.stream, output: out.writer, lang: "es" });
  term.show(welcomeEvent("Ana"));
  term.show({ type: "message", from: "Luis", text: "hola", own: false, history: false });
  input.type("uno\r\ndo");
  input.type('s\n/upload "a b.txt"');
  input.end();
  const got = await withDeadline(Array.fromAsync(term.input()), DEADLINE, "every input item");
  assert.deepEqual(got, [
    { type: "line", line: "uno" },
    { type: "line", line: "dos" },
    { type: "line", line: '/upload "a b.txt"' },
    { type: "eof" },
  ]);
  await withDeadline(term.close(), DEADLINE, "close()");
  assert.equal(
    out.text(),
    [
      "[SISTEMA] Conectado a 127.0.0.1:9009 como Ana. Escribe /help para ver los comandos",
      "[SISTEMA] En línea (2): Ana, Luis",
      "[Luis]: hola",
      "",
    ].join("\n"),
  );
});

Deno.test("PipeTerminal splits a multi-byte character across reads", async () => {
  const out = fakeOutput();
  const input = fakeInput();
  const term = new PipeTerminal({ input: input.stream, output: out.writer, lang: "es" });
  const bytes = new TextEncoder().encode("ñandú\n");
  for (const b of bytes) input.bytes(new Uint8Array([b]));
  input.end();
  const got = await withDeadline(Array.fromAsync(term.input()), DEADLINE, "every input item");
  assert.deepEqual(got[0], { type: "line", line: "ñandú" });
  await withDeadline(term.close(), DEADLINE, "close()");
});
