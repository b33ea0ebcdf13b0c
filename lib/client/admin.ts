/**
 * The teacher client (`pc3-client --admin KEY`, PROTOCOL.md 2.8): after the
 * welcome it proves the teacher key (challenge, HMAC; the key never crosses
 * the wire), then takes the teacher's commands typed in the chat, the same
 * words as the server console: `/who` (with addresses), `/kick NAME
 * [reason]`, `/mute NAME`, `/unmute NAME`, `/unban NAME`, `/lock`,
 * `/unlock`, `/say TEXT`, `/files`, `/delete ID`. After a reconnection it
 * logs in again ({@link AdminSession.login}).
 *
 * Parsing is shared with nothing on the client: {@link parseAdminLine} is
 * pure; {@link AdminSession} sends requests and turns replies into lines.
 *
 * @module
 */

import { adminKeyBytes, proof } from "../protocol/auth_proof.ts";
import { adminRequest, parseTeacherLine } from "../protocol/teacher_commands.ts";
import type { Message } from "../protocol/frame.ts";
import { type Lang, type Params, translator } from "../protocol/i18n.ts";
import { teacherClientText } from "./text/teacher.ts";

/** An input line as the teacher client reads it. */
export type AdminLine =
  | { kind: "request"; request: Message }
  | { kind: "usage"; usage: string }
  | { kind: "help" }
  | { kind: "not_admin" };

/**
 * The `admin` request a typed line asks for (the teacher's words,
 * lib/protocol/teacher_commands.ts), or `not_admin` for a line that is not a
 * teacher command (it goes to the chat as usual). `/who` and `/files` become
 * the teacher's versions (with addresses and ids).
 *
 * @example
 * ```ts
 * import { parseAdminLine } from "./admin.ts";
 * parseAdminLine("/kick Beto molesta");
 * // { kind: "request", request: { type: "admin", action: "kick", name: "Beto", reason: "molesta" } }
 * ```
 */
export function parseAdminLine(line: string): AdminLine {
  const parsed = parseTeacherLine(line);
  switch (parsed.kind) {
    case "command":
      return { kind: "request", request: adminRequest(parsed.command) };
    case "usage":
      return { kind: "usage", usage: parsed.usage };
    case "help":
      return { kind: "help" };
    default:
      return { kind: "not_admin" };
  }
}

/** What an {@link AdminSession} needs from the chat session and the screen. */
export interface AdminOptions {
  /** The teacher key as given with `--admin`. */
  key: string;
  /** Language of the lines it prints. */
  lang: Lang;
  /** Sends one request (`ChatClient.sendRequest`); false when not connected. */
  send(request: Message): boolean;
  /** The name the server gave this session (the proof binds it). */
  name(): string;
  /** Prints lines (network strings in them are sanitised by the caller). */
  print(lines: string[]): void;
}

/** The teacher's session on top of a chat session. */
export class AdminSession {
  readonly #key: Uint8Array;
  readonly #send: (request: Message) => boolean;
  readonly #name: () => string;
  readonly #print: (lines: string[]) => void;
  readonly #t: (key: keyof typeof teacherClientText & string, params?: Params) => string;
  #ok = false;

  /** A session that logs in with `options.key` when {@link login} is called. */
  constructor(options: AdminOptions) {
    this.#key = adminKeyBytes(options.key);
    this.#send = options.send;
    this.#name = options.name;
    this.#print = options.print;
    this.#t = translator(teacherClientText, options.lang);
  }

  /** Whether the server accepted the key (in this connection). */
  get ok(): boolean {
    return this.#ok;
  }

  /** Asks for a challenge (after the welcome, and again after each reconnection). */
  login(): void {
    this.#ok = false;
    this.#send({ type: "admin", action: "login" });
  }

  /** Handles a frame the chat client does not know; true when it was a teacher reply. */
  frame(raw: Message): boolean {
    const t = this.#t;
    switch (raw.type) {
      case "admin_challenge":
        if (typeof raw.nonce !== "string") return true;
        this.#send({
          type: "admin",
          action: "login",
          proof: proof(this.#key, "admin", raw.nonce, this.#name()),
        });
        return true;
      case "admin_ok":
        this.#ok = true;
        this.#print([t("adminOk")]);
        return true;
      case "admin_who":
        this.#print(this.#who(raw.members));
        return true;
      case "admin_files":
        this.#print(this.#files(raw.files, raw.total));
        return true;
      case "admin_done": {
        const name = typeof raw.name === "string" ? raw.name : "";
        this.#print([t("adminDone", { action: String(raw.action ?? ""), name })]);
        return true;
      }
      default:
        return false;
    }
  }

  /** Takes a typed line when it is a teacher command; false for anything else. */
  line(text: string): boolean {
    const parsed = parseAdminLine(text);
    if (parsed.kind === "not_admin") return false;
    if (parsed.kind === "help") {
      // The chat's own help follows (the caller lets /help through too).
      this.#print([this.#t("adminHelp")]);
      return false;
    }
    if (parsed.kind === "usage") {
      const t = this.#t;
      const usage = parsed.usage.replace("NAME", t("adminWordName"))
        .replace("reason", t("adminWordReason")).replace("TEXT", t("adminWordText"));
      this.#print([t("adminUsage", { usage })]);
      return true;
    }
    // Until the key is accepted, /who and /files stay the chat's own.
    const action = parsed.request.action;
    if (!this.#ok && (action === "who" || action === "files")) return false;
    this.#send(parsed.request);
    return true;
  }

  #who(members: unknown): string[] {
    const list = Array.isArray(members) ? members as Record<string, unknown>[] : [];
    const t = this.#t;
    return [
      t("adminWhoTitle", { count: list.length }),
      ...list.map((m) => {
        const flags = [
          m.protocol === 1 ? "v1" : "",
          m.teacher === true ? t("adminFlagTeacher") : "",
          m.muted === true ? t("adminFlagMuted") : "",
          m.reconnecting === true ? t("adminFlagReconnecting") : "",
        ].filter((f) => f !== "").join(", ");
        const ip = `${String(m.ip ?? "?")}:${String(m.port ?? "?")}`;
        return t("adminWhoLine", { name: String(m.name ?? "?"), ip, flags });
      }),
    ];
  }

  #files(files: unknown, total: unknown): string[] {
    const list = Array.isArray(files) ? files as Record<string, unknown>[] : [];
    const count = typeof total === "number" ? total : list.length;
    return [
      this.#t("adminFilesTitle", { count }),
      ...list.map((f) =>
        `  ${String(f.file_id ?? "?")}  ${String(f.filename ?? "?")}  ${String(f.from ?? "?")}`
      ),
    ];
  }
}
