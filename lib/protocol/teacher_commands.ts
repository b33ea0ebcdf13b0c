/**
 * The teacher's commands (PROTOCOL.md 2.8) in one place: the words typed at
 * the server console and in a teacher client (`pc3-client --admin KEY`) are
 * the same, so one parser reads them ({@link parseTeacherLine}), and one
 * function writes the `admin` request a client sends for them
 * ({@link adminRequest}). Pure.
 *
 * A name with spaces is written in quotes where a reason follows it:
 * `/kick "Ana María" molesta`; `/mute Ana María` takes the rest of the line.
 *
 * @module
 */

import type { Message } from "./frame.ts";

/** A command of the teacher, parsed (console line, or `admin` request on the wire). */
export type TeacherCommand =
  | { action: "who" }
  | { action: "files" }
  | { action: "kick"; name: string; reason?: string }
  | { action: "mute"; name: string }
  | { action: "unmute"; name: string }
  | { action: "unban"; name: string }
  | { action: "lock" }
  | { action: "unlock" }
  | { action: "say"; text: string }
  | { action: "delete"; id: string };

/** One typed line as the teacher's parser reads it. */
export type TeacherLine =
  | { kind: "command"; command: TeacherCommand }
  | { kind: "help" }
  | { kind: "empty" }
  /** A teacher word with missing or extra arguments: its usage, words in English (`NAME`). */
  | { kind: "usage"; usage: string }
  /** A slash word that is not a teacher command (`/upload` in a client). */
  | { kind: "other"; word: string }
  /** A line without a slash (a chat message, or a notice at the console). */
  | { kind: "text"; text: string };

/** The usage of each teacher command; `NAME`, `reason` and `TEXT` are translated when shown. */
export const TEACHER_USAGE: Readonly<Record<TeacherCommand["action"], string>> = {
  who: "/who",
  files: "/files",
  kick: "/kick NAME [reason]",
  mute: "/mute NAME",
  unmute: "/unmute NAME",
  unban: "/unban NAME",
  lock: "/lock",
  unlock: "/unlock",
  say: "/say TEXT",
  delete: "/delete ID",
};

/** `"Ana María" rest` or `Ana rest` -> the name and what follows it. */
function nameAndRest(arg: string): { name: string; rest: string } {
  const quoted = /^"([^"]*)"\s*(.*)$/s.exec(arg);
  if (quoted !== null) return { name: quoted[1].trim(), rest: quoted[2].trim() };
  const at = arg.search(/\s/);
  return at < 0 ? { name: arg, rest: "" } : { name: arg.slice(0, at), rest: arg.slice(at).trim() };
}

/**
 * Parses one typed line.
 *
 * @example
 * ```ts
 * import { parseTeacherLine } from "./teacher_commands.ts";
 * parseTeacherLine('/kick "Ana María" molesta');
 * // { kind: "command", command: { action: "kick", name: "Ana María", reason: "molesta" } }
 * parseTeacherLine("/mute Ana María"); // command mute, name "Ana María"
 * ```
 */
export function parseTeacherLine(line: string): TeacherLine {
  const text = line.replace(/[\r\n]+$/, "").trim();
  if (text === "") return { kind: "empty" };
  if (!text.startsWith("/") || text.startsWith("//")) return { kind: "text", text };
  const space = text.search(/\s/);
  const word = (space < 0 ? text.slice(1) : text.slice(1, space)).toLowerCase();
  const arg = space < 0 ? "" : text.slice(space).trim();
  const command = (c: TeacherCommand): TeacherLine => ({ kind: "command", command: c });
  const usage = (): TeacherLine => ({
    kind: "usage",
    usage: TEACHER_USAGE[word as TeacherCommand["action"]],
  });
  switch (word) {
    case "help":
    case "ayuda":
      return { kind: "help" };
    case "who":
    case "files":
    case "lock":
    case "unlock":
      return arg === "" ? command({ action: word }) : usage();
    case "kick": {
      if (arg === "") return usage();
      const { name, rest } = nameAndRest(arg);
      if (name === "") return usage();
      return command(
        rest === "" ? { action: "kick", name } : { action: "kick", name, reason: rest },
      );
    }
    case "mute":
    case "unmute":
    case "unban": {
      const name = arg.replace(/^"(.*)"$/s, "$1").trim();
      return name === "" ? usage() : command({ action: word, name });
    }
    case "say":
      return arg === "" ? usage() : command({ action: "say", text: arg });
    case "delete":
      return arg === "" || /\s/.test(arg) ? usage() : command({ action: "delete", id: arg });
    default:
      return { kind: "other", word };
  }
}

/** The `admin` request a teacher client sends for `command` (PROTOCOL.md 2.8). */
export function adminRequest(command: TeacherCommand): Message {
  const { action } = command;
  switch (command.action) {
    case "kick":
      return command.reason === undefined
        ? { type: "admin", action, name: command.name }
        : { type: "admin", action, name: command.name, reason: command.reason };
    case "mute":
    case "unmute":
    case "unban":
      return { type: "admin", action, name: command.name };
    case "say":
      return { type: "admin", action, text: command.text };
    case "delete":
      return { type: "admin", action, file_id: command.id };
    default:
      return { type: "admin", action };
  }
}
