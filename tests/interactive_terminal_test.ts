import assert from "node:assert/strict";
import type { TransferInfo } from "../lib/client/events.ts";
import {
  type InteractiveOptions,
  InteractiveTerminal,
} from "../lib/terminal/interactive_terminal.ts";
import { FakeClock } from "./fake_clock.ts";
import { safe } from "../lib/protocol/safe_text.ts";
import { fakeInput, fakeOutput, screenOf, waitForScreen, welcomeEvent } from "./terminal_fakes.ts";
import { withDeadline } from "./wait.ts";

/** A terminal over fake input and output (Spanish unless `options` says otherwise). */
function rig(options: Partial<InteractiveOptions> = {}) {
  const out = fakeOutput();
  const input = fakeInput();
  const term = new InteractiveTerminal({
    input: input.stream,
    output: out.writer,
    lang: "es",
    ...options,
  });
  return { out, input, term };
}

/** Hang guard for one awaited terminal step. */
const DEADLINE = 5_000;

Deno.test("InteractiveTerminal prints incoming lines above a half-typed line without garbling it", async () => {
  let raw = false;
  const { out, input, term } = rig({
    lang: "es",
    size: () => ({ columns: 40, rows: 10 }),
    setRaw: (on) => raw = on,
  });
  assert.equal(raw, true);
  term.show(welcomeEvent("Ana"));
  const items = term.input();
  const first = items.next();
  const size = { columns: 40, rows: 10 };
  input.type("hola qu");
  await waitForScreen(out, size, (s) => s.lines().at(-1) === "Ana> hola qu", "the typed text");
  input.type("\x1b[D\x1b[D");
  await waitForScreen(out, size, (s) => s.col === "Ana> hola ".length, "the cursor to go left");
  term.show({ type: "message", from: "Luis", text: "buenas", own: false, history: false });
  term.show({ type: "join", name: "Eva" });
  const screen = await waitForScreen(
    out,
    size,
    (s) => s.lines().includes("[SISTEMA] Eva se unió al chat"),
    "the join line",
  );
  const lines = screen.lines();
  assert.equal(lines.at(-1), "Ana> hola qu");
  assert.equal(lines.at(-2), "[SISTEMA] Eva se unió al chat");
  assert.equal(lines.at(-3), "[Luis]: buenas");
  assert.equal(screen.row, lines.length - 1);
  assert.equal(screen.col, "Ana> hola ".length);
  // Typing goes on where the cursor was.
  input.type("é\r");
  assert.deepEqual((await withDeadline(first, DEADLINE, "the line")).value, {
    type: "line",
    line: "hola équ",
  });
  input.end();
  assert.deepEqual((await withDeadline(items.next(), DEADLINE, "the eof")).value, { type: "eof" });
  await term.close();
  assert.equal(raw, false);
});

Deno.test("InteractiveTerminal draws progress bars above the prompt and removes them when done", async () => {
  const clock = new FakeClock(0);
  const size = { columns: 100, rows: 8 };
  const { out, input, term } = rig({
    lang: "en",
    size: () => size,
    clock,
    redrawMs: 0,
  });
  term.setName("Ana");
  input.type("typing");
  const items = term.input();
  const pending = items.next();
  await waitForScreen(out, size, (s) => s.lines().at(-1) === "Ana> typing", "the typed text");
  const info: TransferInfo = {
    id: 1,
    kind: "download",
    label: "big.iso",
    done: 0,
    total: 1000,
    started: 0,
  };
  term.show({ type: "transfer_start", transfer: info });
  clock.advance(1000);
  term.show({ type: "transfer_progress", transfer: { ...info, done: 500 } });
  // The redraw is paced by the clock's timer: due now, it runs when the time moves.
  assert.equal(clock.pending, 1);
  clock.advance(0);
  let screen = await waitForScreen(
    out,
    size,
    (s) => s.lines().some((l) => l.includes("50%")),
    "the bar at 50%",
  );
  let lines = screen.lines();
  assert.equal(lines.at(-1), "Ana> typing");
  assert.match(lines.at(-2)!, /^↓ big\.iso \[.*\] 50% .* left$/);
  assert.equal(lines.at(-3), "[TRANSFER] Downloading big.iso…");
  term.show({
    type: "transfer_done",
    transfer: info,
    filename: "big.iso",
    size: 1000,
    sha256: "",
    path: "downloads/big.iso",
  });
  screen = await waitForScreen(
    out,
    size,
    (s) => s.lines().some((l) => l.startsWith("[OK]")),
    "the done line",
  );
  lines = screen.lines();
  assert.equal(lines.at(-1), "Ana> typing");
  assert.equal(lines.at(-2), "[OK] Downloaded: downloads/big.iso (1000 B, SHA-256 verified)");
  assert.ok(!lines.some((l) => l.startsWith("↓")));
  input.end();
  await withDeadline(pending, DEADLINE, "the end of input");
  await term.close();
});

Deno.test("InteractiveTerminal paints the video pane below the chat without erasing what the chat showed", async () => {
  const screenSize = { columns: 30, rows: 24 };
  const { out, input, term } = rig({
    lang: "es",
    size: () => screenSize,
  });
  term.setName("Ana");
  const before = Array.from({ length: 30 }, (_, i) => `[Luis]: antes ${i}`);
  for (let i = 0; i < 30; i++) {
    term.show({ type: "message", from: "Luis", text: `antes ${i}`, own: false, history: false });
  }
  const size = term.paneSize();
  assert.equal(size.columns, 30);
  // The chat keeps at least half of a 24-row terminal.
  assert.ok(size.rows > 0 && size.rows <= 12, String(size.rows));
  const video = Array.from({ length: size.rows }, (_, i) => safe(`VIDEO ${i}`));
  term.paint(video);
  let screen = await waitForScreen(
    out,
    screenSize,
    (s) => s.line(23) === `VIDEO ${size.rows - 1}`,
    "the pane",
  );
  const chatRows = 24 - size.rows;
  assert.equal(screen.line(chatRows - 1), "Ana>");
  assert.equal(screen.line(chatRows), "VIDEO 0");
  // Every chat line is still on screen or in the scrollback, in order: nothing was painted over.
  const chat = [...screen.scrollback, ...screen.lines().slice(0, chatRows - 1)];
  assert.deepEqual(chat.filter((l) => l.startsWith("[Luis]")), before);
  term.show({ type: "message", from: "Luis", text: "durante", own: false, history: false });
  term.paint(video.map((l) => safe(l + "b")));
  screen = await waitForScreen(out, screenSize, (s) => s.line(23).endsWith("b"), "the next frame");
  assert.equal(screen.line(chatRows - 2), "[Luis]: durante");
  assert.equal(screen.line(chatRows), "VIDEO 0b");
  term.paint(null);
  term.show({ type: "message", from: "Luis", text: "fin", own: false, history: false });
  screen = await waitForScreen(
    out,
    screenSize,
    (s) => s.lines().includes("[Luis]: fin"),
    "the message after the pane",
  );
  assert.ok(!screen.lines().some((l) => l.startsWith("VIDEO")), screen.lines().join("\n"));
  input.end();
  await term.close();
});

Deno.test("InteractiveTerminal.close() during a call leaves no frozen frame on screen", async () => {
  const screenSize = { columns: 30, rows: 24 };
  const { out, term } = rig({ size: () => screenSize });
  term.show({ type: "message", from: "Luis", text: "hola", own: false, history: false });
  term.paint(Array.from({ length: term.paneSize().rows }, () => safe("VIDEO")));
  await term.close();
  const screen = screenOf(out, 30, 24);
  assert.ok(!screen.lines().some((l) => l.includes("VIDEO")), screen.lines().join("\n"));
  assert.ok(screen.lines().includes("[Luis]: hola"));
  // The scroll region is the whole screen again: a line feed at the bottom scrolls it.
  screen.write("\x1b[24;1Hx\n");
  assert.equal(screen.line(22), "x");
});

Deno.test("InteractiveTerminal.ask() reads a name and close() ends a pending read", async () => {
  const { input, term } = rig();
  const asking = term.ask(safe("Tu nombre: "));
  input.type("  \rMaría José\r");
  assert.equal(await withDeadline(asking, DEADLINE, "the name"), "María José");
  const items = term.input();
  const pending = items.next();
  await withDeadline(term.close(), DEADLINE, "close()");
  assert.deepEqual((await withDeadline(pending, DEADLINE, "the eof")).value, { type: "eof" });
});

Deno.test("InteractiveTerminal rewrites only the prompt row while typing under a progress bar", async () => {
  const clock = new FakeClock(0);
  const size = { columns: 100, rows: 8 };
  const { out, input, term } = rig({
    lang: "en",
    size: () => size,
    clock,
  });
  term.setName("Ana");
  const info: TransferInfo = {
    id: 1,
    kind: "upload",
    label: "a.iso",
    done: 0,
    total: 10,
    started: 0,
  };
  term.show({ type: "transfer_start", transfer: info });
  const items = term.input();
  const pending = items.next();
  await waitForScreen(out, size, (s) => s.lines().some((l) => l.startsWith("↑ a.iso")), "the bar");
  const before = out.text().length;
  input.type("x");
  const screen = await waitForScreen(out, size, (s) => s.lines().at(-1) === "Ana> x", "the key");
  assert.ok(!out.text().slice(before).includes("a.iso"), "the bar row is left alone");
  assert.match(screen.lines().at(-2)!, /^↑ a\.iso /);
  input.end();
  await withDeadline(pending, DEADLINE, "the end of input");
  await term.close();
});

Deno.test("InteractiveTerminal.close() cancels a pending progress redraw", async () => {
  const clock = new FakeClock(0);
  const { term } = rig({ lang: "en", clock });
  const info: TransferInfo = { id: 1, kind: "upload", label: "a", done: 0, total: 10, started: 0 };
  term.show({ type: "transfer_start", transfer: info });
  term.show({ type: "transfer_progress", transfer: { ...info, done: 5 } });
  assert.equal(clock.pending, 1);
  await withDeadline(term.close(), DEADLINE, "close()");
  assert.equal(clock.pending, 0);
});

Deno.test("InteractiveTerminal with color off (NO_COLOR) writes no colour, only cursor movement", async () => {
  const { out, input, term } = rig({ color: false });
  term.show(welcomeEvent("Ana"));
  term.show({ type: "message", from: "Luis", text: "hola", own: false, history: true });
  term.show({ type: "join", name: "Eva" });
  input.type("/who\r");
  const items = term.input();
  assert.deepEqual((await withDeadline(items.next(), DEADLINE, "the line")).value, {
    type: "line",
    line: "/who",
  });
  input.end();
  await term.close();
  // SGR sequences other than a plain reset set a colour or a style.
  const sgrPattern = new RegExp(`${"\x1b"}\\[([0-9;]*)m`, "g");
  const styles = [...out.text().matchAll(sgrPattern)].map((m) => m[1]).filter((p) => p !== "0");
  assert.deepEqual(styles, []);
  assert.match(out.text(), /\[Luis\]: hola/);
});

Deno.test("InteractiveTerminal.restoreLine() puts text back into the line being typed", async () => {
  const screenSize = { columns: 40, rows: 6 };
  const { out, input, term } = rig({
    lang: "es",
    size: () => screenSize,
  });
  term.setName("Ana");
  term.restoreLine("texto\nlargo");
  const screen = await waitForScreen(
    out,
    screenSize,
    (s) => s.lines().includes("Ana> texto↵largo"),
    "the line",
  );
  assert.ok(screen.lines().includes("Ana> texto↵largo"));
  input.type("!\r");
  const items = term.input();
  assert.deepEqual((await withDeadline(items.next(), DEADLINE, "the line")).value, {
    type: "line",
    line: "texto\nlargo!",
  });
  input.end();
  await term.close();
});
