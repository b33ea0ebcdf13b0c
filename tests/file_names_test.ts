import assert from "node:assert/strict";
import {
  baseName,
  MAX_FILENAME_BYTES,
  sanitizeFilename,
  uniqueName,
  validateV1FileId,
} from "../lib/protocol/file_names.ts";
import { utf8Length } from "../lib/protocol/utf8.ts";

Deno.test("sanitizeFilename() keeps only the base name of either system's paths", () => {
  assert.equal(sanitizeFilename("../../etc/passwd"), "passwd");
  assert.equal(sanitizeFilename("C:\\Windows\\win.ini"), "win.ini");
  assert.equal(sanitizeFilename("/abs/olute.txt"), "olute.txt");
  assert.equal(sanitizeFilename("a/b\\c.tar.gz"), "c.tar.gz");
});

Deno.test("baseName() returns the last component after either system's separator", () => {
  assert.equal(baseName("informe.pdf"), "informe.pdf");
  assert.equal(baseName("a/b"), "b");
  assert.equal(baseName("C:\\fotos\\playa.jpg"), "playa.jpg");
  assert.equal(baseName("a//b"), "b");
});

Deno.test("baseName() names the last non-empty component of a path ending in a separator", () => {
  assert.equal(baseName("a/b/"), "b");
  assert.equal(baseName("dir/"), "dir");
  assert.equal(baseName("C:\\fotos\\"), "fotos");
  assert.equal(baseName("a/b//"), "b");
});

Deno.test("baseName() returns a path with no component unchanged", () => {
  assert.equal(baseName(""), "");
  assert.equal(baseName("/"), "/");
  assert.equal(baseName("\\\\"), "\\\\");
});

Deno.test("sanitizeFilename() refuses a peer's name ending in a separator", () => {
  for (const bad of ["dir/", "a/b/", "C:\\fotos\\", "/"]) {
    assert.throws(() => sanitizeFilename(bad), RangeError, JSON.stringify(bad));
  }
});

Deno.test("sanitizeFilename() replaces control, NUL and Windows-forbidden characters", () => {
  assert.equal(sanitizeFilename("a\u0000b.txt"), "a_b.txt");
  assert.equal(sanitizeFilename("line\nbreak\u001b[31m.txt"), "line_break_[31m.txt");
  assert.equal(sanitizeFilename('what?<>:"|*.txt'), "what_______.txt");
  assert.equal(sanitizeFilename("vídeo ñandú.mp4"), "vídeo ñandú.mp4");
});

Deno.test("sanitizeFilename() refuses names that are nothing but dots or empty", () => {
  for (const bad of ["", ".", "..", "...", "../..", "a/", "C:\\", "  ", ". ."]) {
    assert.throws(() => sanitizeFilename(bad), RangeError, JSON.stringify(bad));
  }
});

Deno.test("sanitizeFilename() prefixes reserved Windows device names", () => {
  for (const name of ["CON", "con.txt", "Nul", "com1.log", "LPT9", "aux.tar.gz", "PRN"]) {
    assert.equal(sanitizeFilename(name), "_" + name);
  }
  assert.equal(sanitizeFilename("console.txt"), "console.txt");
  assert.equal(sanitizeFilename("com10.txt"), "com10.txt");
});

Deno.test("sanitizeFilename() prefixes device names followed by spaces or dots before the extension", () => {
  // Windows ignores spaces (and dots) after a device name, so each of these opens the device.
  const cases: Array<[string, string]> = [
    ["con .txt", "_con .txt"],
    ["Con . txt", "_Con . txt"],
    ["aux .log", "_aux .log"],
    ["COM1 .x", "_COM1 .x"],
    ["lpt1 .txt", "_lpt1 .txt"],
    ["prn  .pdf", "_prn  .pdf"],
    ["nul .tar.gz", "_nul .tar.gz"],
    ["conout$ .txt", "_conout$ .txt"],
    ["CONIN$  . .log", "_CONIN$  . .log"],
    ["com\u00b9 .txt", "_com\u00b9 .txt"],
    ["COM\u00b2.txt", "_COM\u00b2.txt"],
    ["lpt\u00b3  .doc", "_lpt\u00b3  .doc"],
    ["nul  ", "_nul"],
    ["aux . ", "_aux"],
  ];
  for (const [name, want] of cases) {
    assert.equal(sanitizeFilename(name), want, JSON.stringify(name));
  }
  // Not devices: a longer stem, or a device name that is not the whole stem.
  for (const name of ["con x.txt", "conx .txt", "prnt .pdf", "com10 .txt", "my con .txt"]) {
    assert.equal(sanitizeFilename(name), name, JSON.stringify(name));
  }
});

Deno.test("sanitizeFilename() strips bidirectional controls that disguise the extension", () => {
  assert.equal(sanitizeFilename("tarea\u202efdp.exe"), "tareafdp.exe");
  const controls = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069";
  for (const c of controls) {
    assert.equal(sanitizeFilename(`a${c}b.txt`), "ab.txt", `U+${c.codePointAt(0)!.toString(16)}`);
  }
  // A device name hidden behind a control is still a device name.
  assert.equal(sanitizeFilename("c\u202eon.txt"), "_con.txt");
  assert.throws(() => sanitizeFilename("\u202e\u202c"), RangeError);
});

Deno.test("sanitizeFilename() drops trailing dots and spaces that Windows would strip", () => {
  assert.equal(sanitizeFilename("report.txt. . "), "report.txt");
  assert.equal(sanitizeFilename("  spaced  "), "spaced");
  assert.equal(sanitizeFilename("con. "), "_con");
});

Deno.test("sanitizeFilename() shortens to 255 bytes keeping the extension and whole characters", () => {
  const long = "ñ".repeat(300) + ".mp4";
  const out = sanitizeFilename(long);
  assert.ok(utf8Length(out) <= MAX_FILENAME_BYTES);
  assert.ok(out.endsWith(".mp4"));
  assert.ok(!out.includes("\ufffd"));
  assert.equal(sanitizeFilename("a".repeat(400)).length, 255);
});

Deno.test("validateV1FileId() accepts original client ids and refuses path tricks", () => {
  assert.equal(
    validateV1FileId("1732500000000_informe final.pdf"),
    "1732500000000_informe final.pdf",
  );
  assert.equal(validateV1FileId("x".repeat(200)), "x".repeat(200));
  for (
    const bad of [
      "",
      "../x",
      "a/b",
      "a\\b",
      "/etc/x",
      "C:\\x",
      "a..b",
      "nul\u0000",
      "\u007f",
      "x".repeat(201),
      5,
      null,
    ]
  ) {
    assert.throws(() => validateV1FileId(bad), RangeError, JSON.stringify(bad));
  }
});

Deno.test("uniqueName() numbers copies before the extension, ignoring case", () => {
  assert.equal(uniqueName("a.txt", []), "a.txt");
  assert.equal(uniqueName("a.txt", ["a.txt"]), "a (1).txt");
  assert.equal(uniqueName("a.txt", ["A.TXT", "a (1).txt"]), "a (2).txt");
  assert.equal(uniqueName("README", ["README"]), "README (1)");
  assert.equal(uniqueName(".bashrc", [".bashrc"]), ".bashrc (1)");
  assert.equal(uniqueName("x.tar.gz", ["x.tar.gz"]), "x.tar (1).gz");
});

Deno.test("uniqueName() stays within 255 bytes for long names", () => {
  const long = "b".repeat(251) + ".txt";
  const out = uniqueName(long, [long]);
  assert.ok(utf8Length(out) <= MAX_FILENAME_BYTES);
  assert.ok(out.endsWith(" (1).txt"));
});
