import assert from "node:assert/strict";
import { LineEditor } from "../lib/terminal/line_editor.ts";
import { displayWidth } from "../lib/terminal/width.ts";

Deno.test("LineEditor edits with arrows, home/end, backspace and delete, split escape sequences included", () => {
  const ed = new LineEditor();
  assert.deepEqual(ed.feed("hla"), []);
  ed.feed("\x1b[D\x1b");
  ed.feed("[D");
  ed.feed("o");
  assert.equal(ed.text, "hola");
  ed.feed("\x1b[H\x1b[3~");
  assert.equal(ed.text, "ola");
  ed.feed("\x1b[F!!\x7f");
  assert.equal(ed.text, "ola!");
  ed.feed("\x01¡\x05");
  assert.equal(ed.text, "¡ola!");
  assert.equal(ed.cursor, 5);
  assert.deepEqual(ed.feed("\r\n"), [{ type: "submit", line: "¡ola!" }]);
  assert.equal(ed.text, "");
});

Deno.test("LineEditor keeps a history for up and down and restores the draft", () => {
  const ed = new LineEditor();
  ed.feed("uno\rdos\r");
  ed.feed("bor");
  ed.feed("\x1b[A");
  assert.equal(ed.text, "dos");
  ed.feed("\x1b[A\x1b[A");
  assert.equal(ed.text, "uno");
  ed.feed("\x1b[B\x1b[B");
  assert.equal(ed.text, "bor");
});

Deno.test("LineEditor treats graphemes and wide characters as one cursor step", () => {
  const ed = new LineEditor();
  ed.feed("a日本e\u0301👍🏽");
  assert.equal(ed.cursor, 5);
  ed.feed("\x7f");
  assert.equal(ed.text, "a日本e\u0301");
  ed.feed("\x7f");
  assert.equal(ed.text, "a日本");
  assert.deepEqual(ed.view(80), { text: "a日本", cursorColumn: 5 });
  ed.feed("\x1b[D\x1b[D");
  assert.deepEqual(ed.view(80), { text: "a日本", cursorColumn: 1 });
});

Deno.test("LineEditor scrolls a long line so the cursor stays visible", () => {
  const ed = new LineEditor();
  ed.feed("x".repeat(50) + "END");
  const v = ed.view(20);
  assert.ok(v.text.endsWith("END"));
  assert.ok(displayWidth(v.text) <= 19);
  assert.equal(v.cursorColumn, displayWidth(v.text));
  ed.feed("\x1b[H");
  assert.equal(ed.view(20).cursorColumn, 0);
});

Deno.test("LineEditor reports Ctrl+C, Ctrl+D on an empty line, and Ctrl+L", () => {
  const ed = new LineEditor();
  assert.deepEqual(ed.feed("\x03"), [{ type: "interrupt" }]);
  assert.deepEqual(ed.feed("\x04"), [{ type: "eof" }]);
  ed.feed("ab\x1b[D\x04");
  assert.equal(ed.text, "a");
  assert.deepEqual(ed.feed("\x0c"), [{ type: "clear" }]);
  ed.feed("uno dos\x17");
  assert.equal(ed.text, "auno ");
});

Deno.test("LineEditor deletes to the start and end of the line, moves by word and types Tab as a space", () => {
  const ed = new LineEditor();
  ed.feed("uno dos tres");
  ed.feed("\x1b[1;5D"); // Ctrl+Left
  assert.equal(ed.cursor, "uno dos ".length);
  ed.feed("\x1bb"); // Alt+b
  assert.equal(ed.cursor, "uno ".length);
  ed.feed("\x0b"); // Ctrl+K
  assert.equal(ed.text, "uno ");
  ed.feed("\x1bOH\x1bf"); // Home (SS3), then Alt+f
  assert.equal(ed.cursor, "uno".length);
  ed.feed("\x15"); // Ctrl+U
  assert.deepEqual([ed.text, ed.cursor], [" ", 0]);
  ed.feed("\x1b[4~\ta");
  assert.equal(ed.text, "  a");
  ed.feed("\x1b[200~pegado\x1b[201~");
  assert.equal(ed.text, "  apegado");
});

Deno.test("LineEditor keeps a bracketed paste of several lines as one line with its line breaks", () => {
  const ed = new LineEditor();
  const code = "function f() {\r\n\treturn 1;\r\n}\r\n";
  // Without bracketed paste every line break would submit a line of its own.
  assert.deepEqual(ed.feed(`mira:\x1b[200~${code}\x1b[201~`), []);
  assert.equal(ed.text, "mira:function f() {\n    return 1;\n}\n");
  assert.deepEqual(ed.feed("\r"), [{
    type: "submit",
    line: "mira:function f() {\n    return 1;\n}",
  }]);
});

Deno.test("LineEditor takes a paste split at every point, markers included", () => {
  const whole = "a\x1b[200~x\ny\x1b[201~b\r";
  for (let cut = 1; cut < whole.length; cut++) {
    const ed = new LineEditor();
    const actions = [...ed.feed(whole.slice(0, cut)), ...ed.feed(whole.slice(cut))];
    assert.deepEqual(actions, [{ type: "submit", line: "ax\nyb" }], `cut at ${cut}`);
  }
});

Deno.test("LineEditor sanitises pasted and typed text and shows line breaks as a mark", () => {
  const ed = new LineEditor();
  ed.feed("\x1b[200~ok\x1b]52;c;cm0=\x07\u202e\nfin\x1b[201~");
  assert.equal(ed.text, "ok\nfin");
  ed.feed("\u009b2J");
  assert.equal(ed.text, "ok\nfin");
  assert.deepEqual(ed.view(40), { text: "ok↵fin", cursorColumn: 6 });
});

Deno.test("LineEditor caps a huge paste instead of growing without bound", () => {
  const ed = new LineEditor();
  ed.feed("\x1b[200~");
  for (let i = 0; i < 100; i++) ed.feed("x".repeat(10_000));
  ed.feed("\x1b[201~");
  assert.ok(ed.text.length <= 256 * 1024);
  assert.ok(ed.text.length > 4096);
});
