/**
 * The server console (issue 11.5): when the server runs in a terminal (or
 * with its standard input piped), the teacher types `/who`, `/kick NAME
 * [reason]`, `/mute NAME`, `/unmute NAME`, `/unban NAME`, `/lock`,
 * `/unlock`, `/say TEXT` (plain text without a slash is also an
 * announcement), `/files`, `/delete ID` and `/help`. Each line runs the
 * room's teacher command (lib/server/room/moderation.ts), the same as a
 * teacher client's `admin` request, and its outcome is printed. `/stop`
 * (`/parar`), console only, stops the server cleanly like Ctrl+C: on
 * Windows, where a script cannot send Ctrl+C to the server, it is the way
 * to stop it from a pipe.
 *
 * Parsing ({@link parseConsoleLine}) is pure; {@link readConsole} reads
 * lines from a byte stream (stdin) until it ends or the signal aborts.
 *
 * @module
 */

import { type Lang, type Params, translator } from "../protocol/i18n.ts";
import { safe } from "../protocol/safe_text.ts";
import { formatSize } from "../protocol/sizes.ts";
import { parseTeacherLine, type TeacherCommand } from "../protocol/teacher_commands.ts";
import type { TeacherResult } from "./room/moderation.ts";
import { serverText } from "./text.ts";

/** One console line, parsed. */
export type ConsoleLine =
  | { kind: "command"; command: TeacherCommand }
  | { kind: "help" }
  | { kind: "stop" }
  | { kind: "empty" }
  | { kind: "error"; key: "consoleUnknown" | "consoleUsage"; params: Params };

/**
 * Parses one line typed at the server console (the teacher's words,
 * lib/protocol/teacher_commands.ts); a line without a slash is a notice.
 *
 * @example
 * ```ts
 * import { parseConsoleLine } from "./console.ts";
 * parseConsoleLine("/kick Beto molesta"); // command kick, name Beto, reason "molesta"
 * parseConsoleLine("Empezamos en 5 minutos"); // command say
 * ```
 */
export function parseConsoleLine(line: string): ConsoleLine {
  if (/^\s*\/(stop|parar)\s*$/i.test(line)) return { kind: "stop" };
  const parsed = parseTeacherLine(line);
  switch (parsed.kind) {
    case "text":
      return { kind: "command", command: { action: "say", text: parsed.text } };
    case "usage":
      return { kind: "error", key: "consoleUsage", params: { usage: parsed.usage } };
    case "other":
      return { kind: "error", key: "consoleUnknown", params: { command: `/${parsed.word}` } };
    default:
      return parsed;
  }
}

/** What the console needs: the room's teacher command and where to print. */
export interface ConsoleOptions {
  /** Language of the console's own lines. */
  lang: Lang;
  /** Runs a teacher command on the room (`room.teacher`). */
  run(command: TeacherCommand, by: string): TeacherResult;
  /** `/stop`: asks the server to stop cleanly (as Ctrl+C does). */
  onStop?: () => void;
  /** Prints one line (standard output). */
  print(line: string): void;
  /** Formats a time for `/who` (default local `HH:MM`). */
  time?: (ms: number) => string;
}

/** The console: one line in, the outcome printed. */
export class ServerConsole {
  readonly #run: ConsoleOptions["run"];
  readonly #onStop: () => void;
  readonly #print: (line: string) => void;
  readonly #t: (key: keyof typeof serverText & string, params?: Params) => string;
  readonly #time: (ms: number) => string;

  /** A console running commands through `options.run`. */
  constructor(options: ConsoleOptions) {
    this.#run = options.run;
    this.#onStop = options.onStop ?? (() => {});
    this.#print = options.print;
    this.#t = translator(serverText, options.lang);
    this.#time = options.time ?? ((ms) => new Date(ms).toTimeString().slice(0, 5));
  }

  /** Handles one typed line. */
  line(text: string): void {
    const parsed = parseConsoleLine(text);
    if (parsed.kind === "empty") return;
    if (parsed.kind === "stop") {
      this.#onStop();
      return;
    }
    if (parsed.kind === "help") {
      this.#print(this.#t("consoleHelp"));
      return;
    }
    if (parsed.kind === "error") {
      const params = { ...parsed.params };
      if (typeof params.usage === "string") params.usage = this.#words(params.usage);
      this.#print(this.#t(parsed.key, params));
      return;
    }
    const result = this.#run(parsed.command, this.#t("teacherConsole"));
    for (const line of this.#describe(result)) this.#print(line);
  }

  /** A usage line in the console's language (`NAME` -> `NOMBRE`...). */
  #words(usage: string): string {
    return usage.replace("NAME", this.#t("consoleWordName")).replace(
      "reason",
      this.#t("consoleWordReason"),
    ).replace("TEXT", this.#t("consoleWordText"));
  }

  #describe(result: TeacherResult): string[] {
    const t = this.#t;
    if (!result.ok) return [t("consoleRefused", { message: result.message })];
    if (result.action === "who" && "members" in result) {
      if (result.members.length === 0) return [t("consoleNobody")];
      return [
        t("consoleWhoTitle", { count: result.members.length }),
        ...result.members.map((m) => {
          const flags = [
            m.protocol === 1 ? "v1" : "",
            m.teacher ? t("consoleFlagTeacher") : "",
            m.muted ? t("consoleFlagMuted") : "",
            m.reconnecting ? t("consoleFlagReconnecting") : "",
          ].filter((f) => f !== "").join(", ");
          const name = safe(m.name);
          const since = this.#time(m.since);
          return `  ${name}  ${m.ip}:${m.port}  ${since}${flags ? `  (${flags})` : ""}`;
        }),
      ];
    }
    if (result.action === "files" && "files" in result) {
      if (result.files.length === 0) return [t("consoleNoFiles")];
      return [
        t("consoleFilesTitle", { count: result.total }),
        ...result.files.map((f) =>
          `  ${f.file_id}  ${safe(f.filename)}  ${formatSize(f.size)}  ${safe(f.from)}`
        ),
      ];
    }
    return [t("consoleDone")];
  }
}

/**
 * Reads lines from `input` (the server's stdin) and hands each to
 * `onLine`, until the input ends or `signal` aborts. UTF-8, `\n` or `\r\n`.
 */
export async function readConsole(
  input: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const reader = input.pipeThrough(new TextDecoderStream()).getReader();
  const stop = () => reader.cancel().catch(() => {});
  signal.addEventListener("abort", stop, { once: true });
  let pending = "";
  try {
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += value;
      let at: number;
      while ((at = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, at);
        pending = pending.slice(at + 1);
        onLine(line);
      }
      // A line longer than this is not a command: drop it rather than grow.
      if (pending.length > 64 * 1024) pending = "";
    }
    if (pending.trim() !== "" && !signal.aborted) onLine(pending);
  } catch {
    // stdin closed under us (the server is stopping).
  } finally {
    signal.removeEventListener("abort", stop);
    reader.releaseLock();
  }
}
