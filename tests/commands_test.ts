import assert from "node:assert/strict";
import { parseCommand, unquotePath } from "../lib/client/commands.ts";

Deno.test("parseCommand() turns plain text into a message and // into a slash message", () => {
  assert.deepEqual(parseCommand("hola a todos"), { kind: "message", text: "hola a todos" });
  assert.deepEqual(parseCommand("//tmp es una carpeta"), {
    kind: "message",
    text: "/tmp es una carpeta",
  });
  assert.deepEqual(parseCommand("   "), { kind: "empty" });
  assert.deepEqual(parseCommand("hola\r"), { kind: "message", text: "hola" });
});

Deno.test("parseCommand() takes the rest of the line as the /upload path, spaces included", () => {
  assert.deepEqual(parseCommand("/upload C:\\Mis vídeos\\clase 1.mp4"), {
    kind: "upload",
    path: "C:\\Mis vídeos\\clase 1.mp4",
  });
  assert.deepEqual(parseCommand("/upload   /home/ana/año 2026/ñandú 🐦.txt  "), {
    kind: "upload",
    path: "/home/ana/año 2026/ñandú 🐦.txt",
  });
});

Deno.test("parseCommand() removes the quotes drag and drop adds around a path", () => {
  assert.deepEqual(parseCommand('/upload "C:\\Users\\Ana\\Mis documentos\\a b.pdf"'), {
    kind: "upload",
    path: "C:\\Users\\Ana\\Mis documentos\\a b.pdf",
  });
  assert.deepEqual(parseCommand("/upload '/home/ana/mis fotos/x.jpg'"), {
    kind: "upload",
    path: "/home/ana/mis fotos/x.jpg",
  });
  // A quote only on one side is part of the name.
  assert.deepEqual(parseCommand('/upload "raro.txt'), { kind: "upload", path: '"raro.txt' });
});

Deno.test("parseCommand() recognises every command and reports usage and unknown commands", () => {
  assert.deepEqual(parseCommand("/download k3f9ab"), { kind: "download", id: "k3f9ab" });
  assert.deepEqual(parseCommand("/download 1764035000000_clase 1.mp4"), {
    kind: "download",
    id: "1764035000000_clase 1.mp4",
  });
  assert.deepEqual(parseCommand('/download "1764035000000_clase 1.mp4"'), {
    kind: "download",
    id: "1764035000000_clase 1.mp4",
  });
  assert.deepEqual(parseCommand("/download"), { kind: "usage", command: "download" });
  assert.deepEqual(parseCommand("/upload"), { kind: "usage", command: "upload" });
  assert.deepEqual(parseCommand('/upload  ""'), { kind: "usage", command: "upload" });
  assert.deepEqual(parseCommand("/files"), { kind: "files" });
  assert.deepEqual(parseCommand("/WHO"), { kind: "who" });
  assert.deepEqual(parseCommand("/help"), { kind: "help" });
  assert.deepEqual(parseCommand("/quit"), { kind: "quit" });
  assert.deepEqual(parseCommand("/call start"), { kind: "call", action: "start" });
  assert.deepEqual(parseCommand("/call STOP"), { kind: "call", action: "stop" });
  assert.deepEqual(parseCommand("/call stats"), { kind: "call", action: "stats" });
  assert.deepEqual(parseCommand("/call"), { kind: "usage", command: "call" });
  assert.deepEqual(parseCommand("/call dance"), { kind: "usage", command: "call" });
  assert.deepEqual(parseCommand("/bailar ahora"), { kind: "unknown", command: "/bailar" });
  assert.deepEqual(parseCommand("/"), { kind: "unknown", command: "/" });
});

Deno.test("unquotePath() removes one pair of matching quotes and surrounding spaces", () => {
  assert.equal(unquotePath('  "C:\\Mis vídeos\\a.mp4" '), "C:\\Mis vídeos\\a.mp4");
  assert.equal(unquotePath("'x y'"), "x y");
  assert.equal(unquotePath(`"x'`), `"x'`);
  assert.equal(unquotePath('""'), "");
  assert.equal(unquotePath('"'), '"');
});
