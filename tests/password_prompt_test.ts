/**
 * The hidden password prompt (issue 11.4): what is typed is never drawn on
 * the screen nor kept in the line history, and spaces in it count.
 */
import assert from "node:assert/strict";
import { safe } from "../lib/protocol/safe_text.ts";
import { InteractiveTerminal } from "../lib/terminal/interactive_terminal.ts";
import { fakeInput, fakeOutput } from "./terminal_fakes.ts";
import { withDeadline } from "./wait.ts";

const DEADLINE = 5_000;

Deno.test("InteractiveTerminal.ask(hidden) never shows the password nor keeps it in the history", async () => {
  const out = fakeOutput();
  const input = fakeInput();
  const term = new InteractiveTerminal({ input: input.stream, output: out.writer, lang: "es" });
  try {
    const asking = term.ask(safe("Contraseña de la sala: "), { hidden: true });
    input.type(" clave secreta\r");
    assert.equal(await withDeadline(asking, DEADLINE, "the password"), " clave secreta");
    assert.ok(out.text().includes("Contraseña de la sala: "), "the prompt is shown");
    assert.ok(!out.text().includes("clave"), "the typed text is not");
    // Up arrow then Enter: the history has no password to recall.
    const items = term.input();
    input.type("\x1b[Ahola\r");
    const item = await withDeadline(items.next(), DEADLINE, "the next line");
    assert.deepEqual(item.value, { type: "line", line: "hola" });
    assert.ok(!out.text().includes("secreta"));
  } finally {
    await term.close();
  }
});

Deno.test("InteractiveTerminal.ask() without hidden still echoes (the name prompt)", async () => {
  const out = fakeOutput();
  const input = fakeInput();
  const term = new InteractiveTerminal({ input: input.stream, output: out.writer, lang: "es" });
  try {
    const asking = term.ask(safe("Tu nombre: "));
    input.type("Ana\r");
    assert.equal(await withDeadline(asking, DEADLINE, "the name"), "Ana");
    assert.ok(out.text().includes("Ana"));
  } finally {
    await term.close();
  }
});
