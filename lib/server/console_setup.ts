/**
 * The teacher's side of the server's start (server.ts calls these): the log
 * (console lines and the `--log` JSON-lines file), the room password's key
 * (from `--password` or the first line of `--password-file`), the teacher
 * key, the banner lines that tell the teacher about them, and the console
 * reading commands from standard input.
 *
 * @module
 */

import {
  DEFAULT_KDF_COST,
  deriveKey,
  type KdfParams,
  newAdminKey,
} from "../protocol/auth_proof.ts";
import { randomBytes } from "node:crypto";
import type { Clock } from "../protocol/clock.ts";
import type { Params } from "../protocol/i18n.ts";
import type { ServerConfig } from "./args.ts";
import { readConsole, ServerConsole } from "./console.ts";
import { ServerLog } from "./log.ts";
import type { Room, RoomTeacherOptions } from "./room/room.ts";
import type { serverText } from "./text.ts";

type Text = (key: keyof typeof serverText & string, params?: Params) => string;

/** Raised when the password file or the log file cannot be used; `message` is for the teacher. */
export class TeacherSetupError extends Error {
  override name = "TeacherSetupError";
}

/** Queued bytes of the `--log` file past which new lines are dropped (a stuck disk). */
const MAX_LOG_BACKLOG = 1024 * 1024;

/** The log and its file, opened for a server. */
export interface OpenLog {
  /** The log: give `log.sink` to the server's modules. */
  log: ServerLog;
  /** Writes pending summaries, flushes and closes the file. */
  close(): Promise<void>;
}

/**
 * Opens the server's log: console lines through `print`, and JSON lines
 * appended to `config.logFile` when set. Throws {@link TeacherSetupError}
 * when the file cannot be opened.
 */
export async function openLog(
  config: ServerConfig,
  t: Text,
  options: { print(line: string): void; clock?: Clock },
): Promise<OpenLog> {
  let file: Deno.FsFile | null = null;
  if (config.logFile !== null) {
    try {
      file = await Deno.open(config.logFile, { append: true, create: true });
    } catch (e) {
      const detail = (e as Error).message;
      throw new TeacherSetupError(t("logFileFailed", { file: config.logFile, detail }), {
        cause: e,
      });
    }
  }
  const encoder = new TextEncoder();
  let chain = Promise.resolve();
  let backlog = 0;
  const json = file === null ? undefined : (line: string) => {
    const bytes = encoder.encode(line + "\n");
    if (backlog + bytes.length > MAX_LOG_BACKLOG) return;
    backlog += bytes.length;
    chain = chain.then(async () => {
      try {
        let done = 0;
        while (done < bytes.length) done += await file!.write(bytes.subarray(done));
      } catch {
        // A full disk must not stop the room; the console still has the line.
      }
      backlog -= bytes.length;
    });
  };
  const log = new ServerLog({
    lang: config.lang,
    print: options.print,
    json,
    clock: options.clock,
  });
  return {
    log,
    close: async () => {
      log.close();
      await chain;
      file?.close();
    },
  };
}

/**
 * The room's teacher options from the flags: the password's scrypt key
 * (derived once, here, with a fresh salt), `--allow-v1`,
 * `--students-read-only` and the teacher key (`--admin-key`, else a new
 * random one). Throws {@link TeacherSetupError} for an unreadable or empty
 * password file.
 */
export async function teacherOptions(
  config: ServerConfig,
  t: Text,
): Promise<RoomTeacherOptions & { adminKey: string }> {
  const options: RoomTeacherOptions & { adminKey: string } = {
    allowV1: config.allowV1,
    studentsReadOnly: config.studentsReadOnly,
    adminKey: config.adminKey ?? newAdminKey(),
  };
  const password = await readPassword(config, t);
  if (password !== null) {
    const kdf: KdfParams = {
      name: "scrypt",
      salt: randomBytes(16).toString("hex"),
      ...DEFAULT_KDF_COST,
    };
    options.password = { key: await deriveKey(password, kdf), kdf };
  }
  return options;
}

/** The password of `--password`, or the first line of `--password-file`, or null. */
async function readPassword(config: ServerConfig, t: Text): Promise<string | null> {
  if (config.password !== null) return config.password;
  if (config.passwordFile === null) return null;
  const file = config.passwordFile;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    const detail = (e as Error).message;
    throw new TeacherSetupError(t("passwordFileFailed", { file, detail }), { cause: e });
  }
  const first = text.replace(/^\uFEFF/, "").split(/\r?\n/)[0];
  if (first === "") throw new TeacherSetupError(t("passwordFileEmpty", { file }));
  return first;
}

/** The banner's lines about the password, v1 clients, read-only mode and the teacher key. */
export function teacherBannerLines(
  t: Text,
  config: ServerConfig,
  options: RoomTeacherOptions & { adminKey: string },
): string[] {
  const lines = [t(options.password !== undefined ? "bannerPassword" : "bannerOpen")];
  if (options.password !== undefined) {
    lines.push(t("bannerV1Password", { state: t(config.allowV1 ? "accepted" : "refused") }));
  }
  if (config.studentsReadOnly) lines.push(t("bannerReadOnly"));
  lines.push(t("bannerAdminKey", { key: options.adminKey }));
  return lines;
}

/**
 * Starts the console on `input` (the server's stdin): each line is a
 * teacher command on `room`. Returns the function that stops it.
 */
export function startConsole(
  room: Room,
  input: ReadableStream<Uint8Array>,
  options: { lang: ServerConfig["lang"]; print(line: string): void; onStop(): void },
): () => Promise<void> {
  const console = new ServerConsole({
    lang: options.lang,
    run: (command, by) => room.teacher(command, by),
    print: options.print,
    onStop: options.onStop,
  });
  const abort = new AbortController();
  const done = readConsole(input, (line) => console.line(line), abort.signal);
  return async () => {
    abort.abort();
    await done;
  };
}
