import assert from "node:assert/strict";
import { joinSafe, safe, safeText, trusted } from "../lib/protocol/safe_text.ts";

Deno.test("safe() removes CSI sequences whole, 7-bit and 8-bit", () => {
  assert.equal(safe("a\x1b[2Jb"), "ab");
  assert.equal(safe("a\x1b[1;31mrojo\x1b[0m"), "arojo");
  assert.equal(safe("a\x1b[?1049hb"), "ab");
  assert.equal(safe("a\u009b2Jb"), "ab");
  assert.equal(safe("a\x1b[12"), "a"); // Cut short at the end of the text.
});

Deno.test("safe() removes OSC, DCS and APC strings up to BEL or ST (pane title, OSC 52 clipboard)", () => {
  assert.equal(safe("x\x1b]0;pwned\x07y"), "xy");
  assert.equal(safe("x\x1b]52;c;cm0gLXJmIH4=\x1b\\y"), "xy");
  assert.equal(safe("x\x1bPq#0;2;0;0;0\x1b\\y"), "xy");
  assert.equal(safe("x\x1b_apc\x1b\\y"), "xy");
  assert.equal(safe("x\u009d0;title\u009cy"), "xy");
  assert.equal(safe("x\u00900;dcs\x07y"), "xy");
});

Deno.test("safe() shows an unterminated control string as text without its introducer", () => {
  assert.equal(safe("a\x1b]0;title"), "a0;title");
  // An ESC inside a string ends it; the new sequence is removed too.
  assert.equal(safe("a\x1b]0;t\x1b[2Jb"), "ab");
});

Deno.test("safe() removes two-byte and nF escape sequences (save cursor, charset, RIS)", () => {
  assert.equal(safe("a\x1b7b\x1bcc"), "abc");
  assert.equal(safe("a\x1b(0b"), "ab");
  assert.equal(safe("a\x1b"), "a");
});

Deno.test("safe() turns other controls and separators into spaces", () => {
  assert.equal(safe("a\nb\rc\td\x00e\x7ff\u0085g\u2028h\u2029i"), "a b c d e f g h i");
  assert.equal(safe("\x07\x08"), "  ");
});

Deno.test("safe() removes bidi controls and isolates", () => {
  assert.equal(safe("tarea\u202efdp.exe"), "tareafdp.exe");
  assert.equal(
    safe("\u2066a\u2067b\u2068c\u2069\u200e\u200f\u061c\u202a\u202b\u202c\u202d"),
    "abc",
  );
});

Deno.test("safe() replaces lone surrogates and keeps pairs", () => {
  assert.equal(safe("Ana\ud800"), "Ana\ufffd");
  assert.equal(safe("Ana\udbff"), "Ana\ufffd");
  assert.equal(safe("\udc00x"), "\ufffdx");
  assert.equal(safe("😀"), "😀");
});

Deno.test("safe() removes default-ignorables that hide text, keeps what emoji and scripts need", () => {
  const hidden = [
    "\u00ad",
    "\u034f",
    "\u115f",
    "\u1160",
    "\u17b4",
    "\u17b5",
    "\u180e",
    "\u200b",
    "\u2060",
    "\u2064",
    "\u206f",
    "\u3164",
    "\ufeff",
    "\uffa0",
    "\ufff9",
    "\u{1bca0}",
    "\u{1d173}",
    "\u{e0041}",
    "\u{e007f}",
    "\ufdd0",
    "\uffff",
    "\u{1fffe}",
  ];
  for (const h of hidden) assert.equal(safe(`Pro${h}fesor`), "Profesor", JSON.stringify(h));
  assert.equal(safe("👩\u200d💻"), "👩\u200d💻");
  assert.equal(safe("❤\ufe0f"), "❤\ufe0f");
  assert.equal(safe("می\u200cخواهم"), "می\u200cخواهم");
});

Deno.test("safe() keeps ordinary text of every script unchanged", () => {
  for (const s of ["hola, ¿qué tal? ñandú €", "日本語", "e\u0301", "Ελληνικά", "👍🏽", ""]) {
    assert.equal(safe(s), s);
  }
});

Deno.test("safe() output never holds a control, bidi control or lone surrogate (fuzzed)", () => {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pool = [0x1b, 0x9b, 0x9d, 0x90, 0x07, 0x5b, 0x5d, 0x5c, 0x3b, 0x30, 0x41, 0x6d, 0x202e];
  for (let n = 0; n < 2000; n++) {
    let s = "";
    const len = Math.floor(rand() * 30);
    for (let i = 0; i < len; i++) {
      s += rand() < 0.6
        ? String.fromCharCode(pool[Math.floor(rand() * pool.length)])
        : String.fromCharCode(Math.floor(rand() * 0x10000));
    }
    const out = safe(s);
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(out, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, s);
    assert.ok(out.isWellFormed(), JSON.stringify(s));
    assert.equal(safe(out), out, "idempotent");
  }
});

Deno.test("safe() handles a long message with many sequences in one pass", () => {
  const s = "ab\x1b[31mcd\x1b]0;x\x07".repeat(50_000);
  const out = safe(s);
  assert.equal(out, "abcd".repeat(50_000));
});

Deno.test("safeText, joinSafe and trusted build text from constants and safe parts", () => {
  const name = safe("Ana\x1b[2J");
  assert.equal(safeText`[${name}]: ${3}`, "[Ana]: 3");
  assert.equal(joinSafe([name, safe("Eva\n")], ", "), "Ana, Eva ");
  assert.equal(trusted("x"), "x");
});
