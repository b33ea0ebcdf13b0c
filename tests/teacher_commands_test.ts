/** The teacher's words, read once for the console and the teacher client (lib/protocol/teacher_commands.ts). */
import assert from "node:assert/strict";
import { adminRequest, parseTeacherLine } from "../lib/protocol/teacher_commands.ts";

Deno.test("parseTeacherLine() reads names with spaces: quoted before a reason, the rest of the line otherwise", () => {
  assert.deepEqual(parseTeacherLine('/kick "Ana María" habla sin parar'), {
    kind: "command",
    command: { action: "kick", name: "Ana María", reason: "habla sin parar" },
  });
  assert.deepEqual(parseTeacherLine('/kick "Ana María"'), {
    kind: "command",
    command: { action: "kick", name: "Ana María" },
  });
  assert.deepEqual(parseTeacherLine("/mute Ana María"), {
    kind: "command",
    command: { action: "mute", name: "Ana María" },
  });
  assert.deepEqual(parseTeacherLine('/unban "Ana María"'), {
    kind: "command",
    command: { action: "unban", name: "Ana María" },
  });
  assert.deepEqual(parseTeacherLine("/unban 10.0.0.7"), {
    kind: "command",
    command: { action: "unban", name: "10.0.0.7" },
  });
});

Deno.test("parseTeacherLine() tells usage mistakes, other slash words and plain text apart", () => {
  assert.deepEqual(parseTeacherLine("/kick"), { kind: "usage", usage: "/kick NAME [reason]" });
  assert.deepEqual(parseTeacherLine('/kick ""'), { kind: "usage", usage: "/kick NAME [reason]" });
  assert.deepEqual(parseTeacherLine("/lock now"), { kind: "usage", usage: "/lock" });
  assert.deepEqual(parseTeacherLine("/delete a b"), { kind: "usage", usage: "/delete ID" });
  assert.deepEqual(parseTeacherLine("/upload a.txt"), { kind: "other", word: "upload" });
  assert.deepEqual(parseTeacherLine("//not a command"), { kind: "text", text: "//not a command" });
  assert.deepEqual(parseTeacherLine("hola"), { kind: "text", text: "hola" });
  assert.deepEqual(parseTeacherLine("  \r\n"), { kind: "empty" });
  assert.deepEqual(parseTeacherLine("/AYUDA"), { kind: "help" });
});

Deno.test("adminRequest() writes each command as its admin request", () => {
  assert.deepEqual(adminRequest({ action: "kick", name: "Beto", reason: "x" }), {
    type: "admin",
    action: "kick",
    name: "Beto",
    reason: "x",
  });
  assert.deepEqual(adminRequest({ action: "delete", id: "k3f9ab" }), {
    type: "admin",
    action: "delete",
    file_id: "k3f9ab",
  });
  assert.deepEqual(adminRequest({ action: "say", text: "Examen" }), {
    type: "admin",
    action: "say",
    text: "Examen",
  });
  assert.deepEqual(adminRequest({ action: "lock" }), { type: "admin", action: "lock" });
});
