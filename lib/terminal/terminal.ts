/**
 * The client's terminal: renders {@link ClientEvent}s and reads commands.
 *
 * Two modes:
 * - {@link InteractiveTerminal} (stdin is a TTY): a raw-mode line editor;
 *   incoming lines are printed above the prompt without disturbing what is
 *   being typed; names in stable colours; one progress bar per running
 *   transfer; an optional pane at the top of the screen for the terminal
 *   video view ({@link InteractiveTerminal.paint}).
 * - {@link PipeTerminal} (stdin is a pipe): one command per input line, one
 *   plain line per event, no colours and no cursor movement.
 *
 * Only ANSI sequences that Windows Terminal, modern cmd (VT mode) and SSH
 * terminals all understand are used: CR, CUU/CUF (`ESC[nA`, `ESC[nC`), ED
 * (`ESC[J`), EL (`ESC[2K`), CUP (`ESC[r;cH`), DECSTBM (`ESC[t;br`), DECSC /
 * DECRC (`ESC7`, `ESC8`), DECTCEM (`ESC[?25l/h`) and SGR colours.
 *
 * Rendering is pure ({@link renderEvent}, {@link renderProgress},
 * {@link LineEditor.view}); the terminal classes take their input, output
 * and AbortSignal as options so tests drive them with fake streams.
 *
 * Pipe-mode output format (stable; tests and scripts parse it), Spanish tags
 * shown, English tags in brackets:
 * ```
 * [Ana]: hola                                     chat message (history too)
 * [SISTEMA] Ana se unió al chat                   [SYSTEM] join, leave, who, welcome...
 * [ARCHIVO] Ana compartió video.mp4 (200.0 MB) — /download k3f9ab     [FILE]
 * [ARCHIVOS] 2 archivo(s) compartido(s):          [FILES] header of /files (then [ARCHIVO] lines)
 * [TRANSFERENCIA] Subiendo video.mp4…             [TRANSFER] a transfer started
 * [OK] Subido: video.mp4 (200.0 MB, SHA-256 verificado) — /download k3f9ab
 * [OK] Descargado: downloads/video.mp4 (200.0 MB, SHA-256 verificado)
 * [LLAMADA] Ana inició una videollamada — escribe /call start para unirte     [CALL]
 * [ERROR] ...                                     any error
 * ```
 *
 * @module
 */

import type { ClientEvent, ConnectError, SharedFile, TransferInfo } from "../client/chat_client.ts";
import {
  clientText,
  type ClientTextKey,
  formatDuration,
  formatSize,
  formatWhen,
} from "../client/text.ts";
import { type Lang, translator } from "../protocol/i18n.ts";

/** A translator bound to the client's catalog. */
export type Translate = ReturnType<typeof translator<typeof clientText>>;

/** Something bytes can be written to (Deno.stdout, a test fake). */
export interface Writer {
  write(p: Uint8Array): Promise<number>;
}

const ESC = "\x1b";
const CSI = `${ESC}[`;

// ---------------------------------------------------------------------------
// Text helpers

/**
 * Makes untrusted text (names, messages, file names) safe to print: control
 * characters (C0, DEL, C1, so no escape sequences from other users) become
 * spaces, and bidirectional overrides are removed.
 */
export function sanitize(text: string): string {
  return text
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ")
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, "");
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Splits text into user-perceived characters. */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) || // Hangul Jamo
    (cp >= 0x2e80 && cp <= 0x303e) || // CJK radicals, punctuation
    (cp >= 0x3041 && cp <= 0x33ff) || // Kana, CJK symbols
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) || // CJK ideographs
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || // Hangul syllables
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) || // Fullwidth forms
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) || // Emoji
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x1f680 && cp <= 0x1f6ff) ||
    (cp >= 0x1fa70 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Columns one grapheme takes on a terminal: 0, 1 or 2. */
export function graphemeWidth(g: string): number {
  const cp = g.codePointAt(0) ?? 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (/^\p{Mn}|^\p{Me}|^[\u200b-\u200f]/u.test(g)) return 0;
  if (isWide(cp) || g.includes("\ufe0f")) return 2;
  return 1;
}

/** Columns a string takes (no escape sequences in it). */
export function displayWidth(text: string): number {
  let w = 0;
  for (const g of graphemes(text)) w += graphemeWidth(g);
  return w;
}

/** Cuts plain text to at most `columns` columns. */
export function truncate(text: string, columns: number): string {
  let w = 0;
  let out = "";
  for (const g of graphemes(text)) {
    const gw = graphemeWidth(g);
    if (w + gw > columns) break;
    w += gw;
    out += g;
  }
  return out;
}

// Twelve colours that read on dark and light backgrounds; none is white, so
// the user's own name (bold bright white) is always distinct.
const NAME_COLOURS = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96];

/** The SGR parameters for a name: a stable colour from a hash of it; the user's own is bold. */
export function nameStyle(name: string, me: string | null): string {
  if (me !== null && name === me) return "1;97";
  let h = 2166136261;
  for (const ch of name.normalize("NFC").toLowerCase()) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return String(NAME_COLOURS[h % NAME_COLOURS.length]);
}

function sgr(style: string, text: string, on: boolean): string {
  return on ? `${CSI}${style}m${text}${CSI}0m` : text;
}

// ---------------------------------------------------------------------------
// Rendering

/** What {@link renderEvent} needs besides the event. */
export interface RenderContext {
  t: Translate;
  /** Colours (interactive mode) or plain text (pipe mode). */
  color: boolean;
  /** The user's own name once welcomed. */
  me: string | null;
}

const TAG_STYLE: Partial<Record<ClientTextKey, string>> = {
  tagError: "1;31",
  tagOk: "1;32",
  tagFile: "36",
  tagFiles: "36",
  tagCall: "35",
  tagTransfer: "2",
  tagSystem: "33",
};

const ERROR_NOTICES = new Set<ClientTextKey>([
  "messageTooLong",
  "unknownCommand",
  "uploadUsage",
  "downloadUsage",
  "callUsage",
  "callNotIn",
  "callMediaFailed",
  "uploadFailed",
  "downloadFailed",
]);

const CALL_NOTICES = new Set<ClientTextKey>(["callAlready"]);

const TRANSFER_REASONS = new Set<string>([
  "file_missing",
  "not_a_file",
  "connect_failed",
  "connection_lost",
  "hash_mismatch",
  "bad_reply",
  "not_found",
  "cancelled",
  "stalled",
]);

/** Files listed in the welcome (the newest); `/files` shows every one. */
const WELCOME_FILES = 10;

/**
 * Renders one event as zero or more lines (no line breaks inside, no final
 * newline). Pure. Progress events render nothing: bars are drawn by the
 * interactive terminal.
 */
export function renderEvent(ev: ClientEvent, ctx: RenderContext): string[] {
  const { t, color } = ctx;
  const tag = (key: ClientTextKey, text: string) =>
    `${sgr(TAG_STYLE[key] ?? "0", t(key), color)} ${text}`;
  const who = (name: string) => sgr(nameStyle(name, ctx.me), sanitize(name), color);
  // Live announcements say who and what; listings (/files, welcome) also say when.
  const fileLine = (f: SharedFile, listed = false) =>
    tag(
      "tagFile",
      t(listed ? "fileListed" : "fileShared", {
        from: who(f.from),
        filename: sanitize(f.filename),
        size: formatSize(f.size),
        id: sanitize(f.fileId),
        when: formatWhen(f.ts),
      }),
    );
  switch (ev.type) {
    case "welcome": {
      const w = ev.welcome;
      const lines = [
        tag("tagSystem", t("welcome", { host: ev.host, port: ev.port, name: who(w.name) })),
        tag(
          "tagSystem",
          t("online", {
            count: w.members.length,
            names: w.members.map((m) => who(m.name)).join(", "),
          }),
        ),
      ];
      if (w.files.length > 0) {
        // The newest few, so a newcomer sees what was shared; /files lists them all.
        const shown = w.files.slice(-WELCOME_FILES);
        lines.push(tag("tagFiles", t("filesHeader", { count: w.files.length })));
        lines.push(...shown.map((f) => fileLine(f, true)));
        if (w.files.length > shown.length) {
          lines.push(tag("tagFiles", t("filesMore", { count: w.files.length - shown.length })));
        }
      }
      if (w.call.length > 0) {
        lines.push(
          tag("tagCall", t("callRunning", { names: w.call.map((p) => who(p.name)).join(", ") })),
        );
      }
      return lines;
    }
    case "message": {
      const line = `[${who(ev.from)}]: ${sanitize(ev.text)}`;
      return [
        ev.history && color ? `${CSI}2m${line.replaceAll(`${CSI}0m`, `${CSI}0;2m`)}${CSI}0m` : line,
      ];
    }
    case "join":
      // Our own join follows the welcome, which already said it.
      if (ev.name === ctx.me) return [];
      return [tag("tagSystem", t("joined", { name: who(ev.name) }))];
    case "leave": {
      const key: ClientTextKey = ev.reason === "timeout"
        ? "leftTimeout"
        : ev.reason === "slow_consumer" || ev.reason === "flood"
        ? "leftDropped"
        : "left";
      return [tag("tagSystem", t(key, { name: who(ev.name) }))];
    }
    case "file":
      return [fileLine(ev.file)];
    case "who":
      return [
        tag(
          "tagSystem",
          t("online", {
            count: ev.members.length,
            names: ev.members.map((m) => who(m.name)).join(", "),
          }),
        ),
      ];
    case "files":
      if (ev.files.length === 0) return [tag("tagFiles", t("noFiles"))];
      return [
        tag("tagFiles", t("filesHeader", { count: ev.files.length })),
        ...ev.files.map((f) => fileLine(f, true)),
      ];
    case "shutdown":
      return [tag("tagSystem", t("shutdown"))];
    case "system":
      return [tag("tagSystem", sanitize(ev.text))];
    case "server_error":
      return [tag("tagError", sanitize(ev.message))];
    case "call": {
      if (ev.action === "media") return [];
      if (ev.action === "start") {
        return [tag("tagCall", t(ev.first ? "callFirst" : "callJoin", { from: who(ev.from) }))];
      }
      let text = t(ev.reason === "media_timeout" ? "callLeaveTimeout" : "callLeave", {
        from: who(ev.from),
      });
      if (ev.ended) text += ` — ${t("callEnded")}`;
      return [tag("tagCall", text)];
    }
    case "call_joined": {
      const others = ev.members.filter((p) => p.name !== ctx.me).map((p) => who(p.name));
      return [
        tag(
          "tagCall",
          t("callYouJoined", { names: others.length > 0 ? others.join(", ") : t("callNobody") }),
        ),
      ];
    }
    case "call_left":
      return [tag("tagCall", t(ev.reason === "media_timeout" ? "callYouTimedOut" : "callYouLeft"))];
    case "call_log":
      return [tag("tagCall", ev.line)];
    case "call_stats":
      return ev.lines.map((l) => tag("tagCall", l));
    case "transfer_start":
      return [
        tag(
          "tagTransfer",
          t(ev.transfer.kind === "upload" ? "uploadStart" : "downloadStart", {
            filename: sanitize(ev.transfer.label),
          }),
        ),
      ];
    case "transfer_progress":
      return [];
    case "transfer_done":
      if (ev.transfer.kind === "upload") {
        return [
          tag(
            "tagOk",
            t("uploadDone", {
              filename: sanitize(ev.filename),
              size: formatSize(ev.size),
              id: sanitize(ev.fileId ?? "?"),
            }),
          ),
        ];
      }
      return [
        tag(
          "tagOk",
          t("downloadDone", { path: sanitize(ev.path ?? ev.filename), size: formatSize(ev.size) }),
        ),
      ];
    case "transfer_failed": {
      const reason = TRANSFER_REASONS.has(ev.code)
        ? t(ev.code as ClientTextKey)
        : sanitize(ev.message);
      return [
        tag(
          "tagError",
          t(ev.transfer.kind === "upload" ? "uploadFailed" : "downloadFailed", {
            filename: sanitize(ev.transfer.label),
            reason,
          }),
        ),
      ];
    }
    case "notice": {
      const params = { ...ev.params };
      if (ev.key === "unknownCommand" && typeof params.command === "string") {
        params.command = sanitize(params.command);
      }
      if (
        (ev.key === "uploadFailed" || ev.key === "downloadFailed") &&
        params.reason === "unavailable"
      ) {
        params.reason = t("unavailable");
      }
      const text = t(ev.key, params);
      if (ev.key === "help") return text.split("\n");
      if (ERROR_NOTICES.has(ev.key)) return [tag("tagError", text)];
      if (CALL_NOTICES.has(ev.key)) return [tag("tagCall", text)];
      return [tag("tagSystem", text)];
    }
    case "closed": {
      const info = ev.info;
      if (info.reason === "quit") return [];
      if (info.reason === "shutdown") return [tag("tagError", t("closedShutdown"))];
      if (info.reason === "server_error") {
        const message = sanitize(info.message ?? info.code ?? "");
        if (info.code === "idle_timeout") return [tag("tagError", t("closedIdle", { message }))];
        if (info.code === "slow_consumer") return [tag("tagError", t("closedSlow"))];
        if (info.code === "server_shutdown") return [tag("tagError", t("closedShutdown"))];
        return [tag("tagError", t("closedError", { message }))];
      }
      return [];
    }
  }
}

/** The line telling the user why the connection was lost (needs host and port). */
export function renderLost(t: Translate, host: string, port: number): string {
  return `${t("tagError")} ${t("closedLost", { host, port })}`;
}

/** Explains a {@link ConnectError} in one line, with what to do about it. */
export function describeConnectError(e: ConnectError, t: Translate, name: string): string {
  const p = { host: e.host, port: e.port, detail: sanitize(e.detail), name: sanitize(name) };
  let text: string;
  switch (e.code) {
    case "refused":
      text = t("connRefused", p);
      break;
    case "unresolved":
      text = t("connUnresolved", p);
      break;
    case "timeout":
      text = t("connTimeout", { ...p, seconds: 5 });
      break;
    case "name_taken":
      text = t("nameTaken", p);
      break;
    case "name_invalid":
      text = t("nameInvalid", { ...p, message: sanitize(e.detail) });
      break;
    case "refused_by_server":
      text = t("helloRefused", { ...p, message: sanitize(e.detail) });
      break;
    case "hello_closed":
      text = t("helloClosed", p);
      break;
    case "hello_timeout":
      text = t("helloTimeout", { ...p, seconds: e.detail });
      break;
    case "bad_reply":
      text = t("badReply", p);
      break;
    default:
      text = t("connFailed", p);
  }
  return `${t("tagError")} ${text}`;
}

/**
 * One progress line: arrow, name, bar, percent, bytes, speed, time left.
 * Speed is the average since the start. Cut to `columns - 1` columns.
 */
export function renderProgress(
  info: TransferInfo,
  options: { t: Translate; now: number; columns: number; color: boolean },
): string {
  const elapsed = Math.max(0.001, (options.now - info.started) / 1000);
  const speed = info.done / elapsed;
  const total = info.total;
  const fraction = total > 0 ? Math.min(1, info.done / total) : 0;
  const width = 20;
  const filled = Math.round(fraction * width);
  const bar = "[" + "█".repeat(filled) + "░".repeat(width - filled) + "]";
  const eta = total > 0 && speed > 0 ? (total - info.done) / speed : Infinity;
  const name = truncate(sanitize(info.label), 28);
  const text = options.t("progress", {
    arrow: info.kind === "upload" ? "↑" : "↓",
    filename: name,
    bar,
    percent: total > 0 ? Math.floor(fraction * 100) : 0,
    done: formatSize(info.done),
    total: total > 0 ? formatSize(total) : "?",
    speed: formatSize(speed),
    eta: formatDuration(eta),
  });
  const line = truncate(text, Math.max(1, options.columns - 1));
  return options.color ? `${CSI}36m${line}${CSI}0m` : line;
}

// ---------------------------------------------------------------------------
// Line editor

/** What a key press asks the terminal to do. */
export type EditorAction =
  | { type: "submit"; line: string }
  | { type: "interrupt" }
  | { type: "eof" }
  | { type: "clear" };

/**
 * A single-line editor fed with decoded terminal input. Pure: it keeps the
 * text, the cursor (in graphemes) and the history, and tells the caller what
 * happened; the caller redraws with {@link view}.
 *
 * Keys: printable text (UTF-8, wide characters, pastes), Enter, Backspace,
 * Delete, Left/Right, Ctrl+Left/Right (word), Home/End (and Ctrl+A/E),
 * Up/Down (history), Ctrl+U/K/W (delete to start/end/word), Ctrl+L (clear),
 * Ctrl+C (interrupt), Ctrl+D (end on an empty line, else delete).
 */
export class LineEditor {
  #text = "";
  #cursor = 0;
  #viewStart = 0;
  #history: string[] = [];
  #historyIndex = 0;
  #draft = "";
  #pending = "";
  #afterCR = false;
  #maxHistory: number;

  constructor(options: { maxHistory?: number } = {}) {
    this.#maxHistory = options.maxHistory ?? 500;
  }

  /** The current text. */
  get text(): string {
    return this.#text;
  }

  /** Cursor position in graphemes. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Replaces the text and puts the cursor at its end. */
  set(text: string): void {
    this.#text = text;
    this.#cursor = graphemes(text).length;
  }

  /** Feeds decoded input (any chunking; escape sequences may be split). */
  feed(input: string): EditorAction[] {
    const actions: EditorAction[] = [];
    const s = this.#pending + input;
    this.#pending = "";
    let i = 0;
    let plain = "";
    const flush = () => {
      if (plain !== "") this.#insert(plain);
      plain = "";
    };
    while (i < s.length) {
      const ch = s[i];
      const code = ch.charCodeAt(0);
      if (ch === "\n" && this.#afterCR) {
        this.#afterCR = false;
        i++;
        continue;
      }
      this.#afterCR = false;
      if (ch === ESC) {
        flush();
        const consumed = this.#escape(s, i);
        if (consumed === 0) {
          this.#pending = s.slice(i);
          break;
        }
        i += consumed;
        continue;
      }
      if (code < 0x20 || code === 0x7f) {
        flush();
        i++;
        switch (code) {
          case 0x0d:
            this.#afterCR = true;
            actions.push(this.#submit());
            break;
          case 0x0a:
            actions.push(this.#submit());
            break;
          case 0x7f:
          case 0x08:
            this.#backspace();
            break;
          case 0x03:
            actions.push({ type: "interrupt" });
            break;
          case 0x04:
            if (this.#text === "") actions.push({ type: "eof" });
            else this.#delete();
            break;
          case 0x01:
            this.#cursor = 0;
            break;
          case 0x05:
            this.#cursor = graphemes(this.#text).length;
            break;
          case 0x02:
            this.#move(-1);
            break;
          case 0x06:
            this.#move(1);
            break;
          case 0x0b:
            this.#text = graphemes(this.#text).slice(0, this.#cursor).join("");
            break;
          case 0x15: {
            this.#text = graphemes(this.#text).slice(this.#cursor).join("");
            this.#cursor = 0;
            break;
          }
          case 0x17:
            this.#deleteWordBack();
            break;
          case 0x0c:
            actions.push({ type: "clear" });
            break;
          case 0x10:
            this.#historyMove(-1);
            break;
          case 0x0e:
            this.#historyMove(1);
            break;
          case 0x09:
            plain += " ";
            break;
          default:
            break; // Other control keys do nothing.
        }
        continue;
      }
      plain += ch;
      i++;
    }
    flush();
    return actions;
  }

  /** Parses an escape sequence at `s[i]`; returns characters consumed, 0 if incomplete. */
  #escape(s: string, i: number): number {
    if (i + 1 >= s.length) return 0;
    const next = s[i + 1];
    if (next === "[") {
      let j = i + 2;
      while (j < s.length && /[0-9;?<>=]/.test(s[j])) j++;
      if (j >= s.length) return 0;
      const params = s.slice(i + 2, j);
      const final = s[j];
      this.#csi(params, final);
      return j - i + 1;
    }
    if (next === "O") {
      if (i + 2 >= s.length) return 0;
      this.#csi("", s[i + 2]);
      return 3;
    }
    if (next === "b") {
      this.#wordMove(-1);
      return 2;
    }
    if (next === "f") {
      this.#wordMove(1);
      return 2;
    }
    if (next === "\x7f" || next === "\b") {
      this.#deleteWordBack();
      return 2;
    }
    // A lone Esc press (or Alt+key we do not use): drop the ESC.
    return 1;
  }

  #csi(params: string, final: string): void {
    const parts = params.split(";");
    const word = parts.length > 1 && ["5", "3", "2"].includes(parts[1]);
    switch (final) {
      case "A":
        this.#historyMove(-1);
        return;
      case "B":
        this.#historyMove(1);
        return;
      case "C":
        if (word) this.#wordMove(1);
        else this.#move(1);
        return;
      case "D":
        if (word) this.#wordMove(-1);
        else this.#move(-1);
        return;
      case "H":
        this.#cursor = 0;
        return;
      case "F":
        this.#cursor = graphemes(this.#text).length;
        return;
      case "~":
        switch (parts[0]) {
          case "1":
          case "7":
            this.#cursor = 0;
            return;
          case "4":
          case "8":
            this.#cursor = graphemes(this.#text).length;
            return;
          case "3":
            this.#delete();
            return;
          default:
            return; // 200~/201~ bracketed paste markers, F-keys: ignored.
        }
        return;
      default:
        return;
    }
  }

  #insert(text: string): void {
    const g = graphemes(this.#text);
    const before = g.slice(0, this.#cursor).join("") + text;
    this.#text = before + g.slice(this.#cursor).join("");
    // Re-segment: the typed text may join a grapheme (a combining accent).
    this.#cursor = graphemes(before).length;
  }

  #move(delta: number): void {
    const n = graphemes(this.#text).length;
    this.#cursor = Math.max(0, Math.min(n, this.#cursor + delta));
  }

  #wordMove(delta: number): void {
    const g = graphemes(this.#text);
    let c = this.#cursor;
    if (delta < 0) {
      while (c > 0 && /\s/.test(g[c - 1])) c--;
      while (c > 0 && !/\s/.test(g[c - 1])) c--;
    } else {
      while (c < g.length && /\s/.test(g[c])) c++;
      while (c < g.length && !/\s/.test(g[c])) c++;
    }
    this.#cursor = c;
  }

  #backspace(): void {
    if (this.#cursor === 0) return;
    const g = graphemes(this.#text);
    g.splice(this.#cursor - 1, 1);
    this.#text = g.join("");
    this.#cursor--;
  }

  #delete(): void {
    const g = graphemes(this.#text);
    if (this.#cursor >= g.length) return;
    g.splice(this.#cursor, 1);
    this.#text = g.join("");
  }

  #deleteWordBack(): void {
    const end = this.#cursor;
    this.#wordMove(-1);
    const g = graphemes(this.#text);
    g.splice(this.#cursor, end - this.#cursor);
    this.#text = g.join("");
  }

  #historyMove(delta: number): void {
    if (this.#history.length === 0) return;
    if (this.#historyIndex === this.#history.length) this.#draft = this.#text;
    const index = Math.max(0, Math.min(this.#history.length, this.#historyIndex + delta));
    if (index === this.#historyIndex) return;
    this.#historyIndex = index;
    this.set(index === this.#history.length ? this.#draft : this.#history[index]);
  }

  #submit(): EditorAction {
    const line = this.#text;
    if (line.trim() !== "" && this.#history[this.#history.length - 1] !== line) {
      this.#history.push(line);
      if (this.#history.length > this.#maxHistory) this.#history.shift();
    }
    this.#historyIndex = this.#history.length;
    this.#draft = "";
    this.#text = "";
    this.#cursor = 0;
    this.#viewStart = 0;
    return { type: "submit", line };
  }

  /**
   * The visible part of the text in `columns` columns (scrolled horizontally
   * so the cursor is always visible) and the cursor's column within it.
   */
  view(columns: number): { text: string; cursorColumn: number } {
    const g = graphemes(this.#text);
    const widths = g.map(graphemeWidth);
    const room = Math.max(1, columns - 1);
    if (this.#cursor < this.#viewStart) this.#viewStart = this.#cursor;
    const widthBetween = (a: number, b: number) => {
      let w = 0;
      for (let k = a; k < b; k++) w += widths[k];
      return w;
    };
    while (this.#viewStart < this.#cursor && widthBetween(this.#viewStart, this.#cursor) > room) {
      this.#viewStart++;
    }
    // Keep as much text as fits when the line got shorter.
    while (this.#viewStart > 0 && widthBetween(this.#viewStart - 1, g.length) <= room) {
      this.#viewStart--;
    }
    let text = "";
    let w = 0;
    for (let k = this.#viewStart; k < g.length; k++) {
      if (w + widths[k] > room) break;
      w += widths[k];
      text += g[k];
    }
    return { text, cursorColumn: widthBetween(this.#viewStart, this.#cursor) };
  }
}

// ---------------------------------------------------------------------------
// Output

/**
 * An output queue that never blocks its caller: text is queued and written
 * with one write in flight. When the output stops taking bytes the queue is
 * capped (default 8 MiB); what does not fit is dropped, never the caller.
 */
export class OutputQueue {
  #writer: Writer;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #max: number;
  #writing: Promise<void> | null = null;
  #dead = false;
  #encoder = new TextEncoder();

  constructor(writer: Writer, options: { maxQueued?: number } = {}) {
    this.#writer = writer;
    this.#max = options.maxQueued ?? 8 * 1024 * 1024;
  }

  /** Queues text. Never waits. */
  write(text: string): void {
    if (this.#dead || text === "") return;
    const bytes = this.#encoder.encode(text);
    if (this.#queued + bytes.length > this.#max) return;
    this.#queue.push(bytes);
    this.#queued += bytes.length;
    if (this.#writing === null) this.#writing = this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const parts = this.#queue.splice(0);
        let total = 0;
        for (const p of parts) total += p.length;
        const chunk = parts.length === 1 ? parts[0] : new Uint8Array(total);
        if (parts.length > 1) {
          let at = 0;
          for (const p of parts) {
            chunk.set(p, at);
            at += p.length;
          }
        }
        let written = 0;
        while (written < chunk.length) {
          written += await this.#writer.write(chunk.subarray(written));
        }
        this.#queued -= total;
      }
    } catch {
      // The reader went away (closed pipe): stop writing, keep the program alive.
      this.#dead = true;
      this.#queue = [];
      this.#queued = 0;
    } finally {
      this.#writing = null;
    }
  }

  /** Resolves when everything queued so far is written. */
  async flush(): Promise<void> {
    while (this.#writing !== null) await this.#writing;
  }
}

// ---------------------------------------------------------------------------
// Input

/** One item of user input. */
export type InputItem =
  | { type: "line"; line: string }
  | { type: "interrupt" }
  | { type: "eof" };

function abortable(own: AbortSignal, outer?: AbortSignal): AbortSignal {
  return outer === undefined ? own : AbortSignal.any([own, outer]);
}

/** Reads decoded text chunks from a byte stream until EOF or abort. */
async function* textChunks(
  input: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  const reader = input.getReader();
  const decoder = new TextDecoder();
  const onAbort = () => reader.cancel().catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    while (!signal?.aborted) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch {
        break;
      }
      if (r.done) break;
      const text = decoder.decode(r.value, { stream: true });
      if (text !== "") yield text;
    }
    const tail = decoder.decode();
    if (tail !== "") yield tail;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
}

/** What client.ts needs from either terminal. */
export interface TerminalUi {
  /** Renders one client event. Never waits. */
  show(event: ClientEvent): void;
  /** Prints lines as they are (already translated). */
  print(lines: string[]): void;
  /** Input items until EOF (then one `eof`). */
  input(): AsyncGenerator<InputItem>;
  /** Asks for one line (the name); `null` on Ctrl+C or end of input. */
  ask(prompt: string): Promise<string | null>;
  /** Sets the user's name (prompt and own-name colour). */
  setName(name: string): void;
  /** Restores the terminal and writes everything queued. Safe twice. */
  close(): Promise<void>;
}

/** Options shared by both terminals. */
export interface TerminalOptions {
  input: ReadableStream<Uint8Array>;
  output: Writer;
  lang: Lang;
  signal?: AbortSignal;
}

/**
 * Pipe mode: one command per input line, one plain line per event. See the
 * module documentation for the line formats.
 */
export class PipeTerminal implements TerminalUi {
  #out: OutputQueue;
  #ctx: RenderContext;
  #options: TerminalOptions;
  #chunks: AsyncGenerator<string>;
  #buffer = "";
  #eof = false;
  #stop = new AbortController();

  constructor(options: TerminalOptions) {
    this.#options = options;
    this.#out = new OutputQueue(options.output);
    this.#ctx = { t: translator(clientText, options.lang), color: false, me: null };
    this.#chunks = textChunks(options.input, abortable(this.#stop.signal, options.signal));
  }

  setName(name: string): void {
    this.#ctx.me = name;
  }

  show(event: ClientEvent): void {
    if (event.type === "welcome") this.#ctx.me = event.welcome.name;
    this.print(renderEvent(event, this.#ctx));
  }

  print(lines: string[]): void {
    if (lines.length > 0) this.#out.write(lines.join("\n") + "\n");
  }

  async #nextLine(): Promise<string | null> {
    while (true) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl).replace(/\r$/, "");
        this.#buffer = this.#buffer.slice(nl + 1);
        return line;
      }
      if (this.#eof) {
        if (this.#buffer === "") return null;
        const line = this.#buffer.replace(/\r$/, "");
        this.#buffer = "";
        return line;
      }
      const r = await this.#chunks.next();
      if (r.done) this.#eof = true;
      else this.#buffer += r.value;
    }
  }

  async *input(): AsyncGenerator<InputItem> {
    while (true) {
      const line = await this.#nextLine();
      if (line === null) break;
      yield { type: "line", line };
    }
    yield { type: "eof" };
  }

  async ask(_prompt: string): Promise<string | null> {
    return await this.#nextLine();
  }

  async close(): Promise<void> {
    this.#stop.abort();
    this.#stop.abort();
    await this.#chunks.return(undefined);
    await this.#out.flush();
  }
}

/** Options of {@link InteractiveTerminal}. */
export interface InteractiveOptions extends TerminalOptions {
  /** Terminal size (default 80x24). */
  size?: () => { columns: number; rows: number };
  /** Switches raw mode (Deno.stdin.setRaw); not called when absent. */
  setRaw?: (on: boolean) => void;
  /** Clock for speeds (default Date.now). */
  now?: () => number;
  /** Minimum ms between progress redraws (default 100: ten a second). */
  redrawMs?: number;
}

/**
 * Interactive mode. The screen's bottom holds a "block": one row per running
 * transfer and the prompt row, with the cursor on the prompt row. Printing
 * erases the block (CR, cursor up, erase below), writes the lines, which
 * scroll up as usual, and draws the block again: what is being typed is
 * never garbled. The prompt row scrolls horizontally, so the block's height
 * is always known.
 */
export class InteractiveTerminal implements TerminalUi {
  #out: OutputQueue;
  #ctx: RenderContext;
  #t: Translate;
  #options: InteractiveOptions;
  #editor = new LineEditor();
  #chunks: AsyncGenerator<string>;
  #items: InputItem[] = [];
  #prompt = "> ";
  #promptWidth = 2;
  #blockRows = 1;
  #bars = new Map<number, TransferInfo>();
  #redrawTimer: ReturnType<typeof setTimeout> | undefined;
  #lastBlock = 0;
  #pane: { rows: number; screenRows: number; columns: number } | null = null;
  #raw = false;
  #closed = false;
  #stop = new AbortController();

  constructor(options: InteractiveOptions) {
    this.#options = options;
    this.#out = new OutputQueue(options.output);
    this.#t = translator(clientText, options.lang);
    this.#ctx = { t: this.#t, color: true, me: null };
    this.#chunks = textChunks(options.input, abortable(this.#stop.signal, options.signal));
    if (options.setRaw !== undefined) {
      options.setRaw(true);
      this.#raw = true;
    }
    this.#out.write(this.#renderBlock());
  }

  #size(): { columns: number; rows: number } {
    try {
      const s = this.#options.size?.() ?? { columns: 80, rows: 24 };
      return { columns: Math.max(10, s.columns), rows: Math.max(3, s.rows) };
    } catch {
      return { columns: 80, rows: 24 };
    }
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  setName(name: string): void {
    this.#ctx.me = name;
    this.#setPrompt(`${name}> `, `${CSI}1;97m${sanitize(name)}${CSI}0m> `);
  }

  #setPrompt(plain: string, styled: string): void {
    this.#out.write(this.#eraseBlock());
    this.#prompt = styled;
    this.#promptWidth = displayWidth(sanitize(plain));
    this.#out.write(this.#renderBlock());
  }

  /** CR, up to the block's first row, erase to the end of the screen. */
  #eraseBlock(): string {
    const up = this.#blockRows - 1;
    return `\r${up > 0 ? `${CSI}${up}A` : ""}${CSI}J`;
  }

  /** The block: progress rows, then the prompt row with the cursor placed. */
  #renderBlock(): string {
    const { columns } = this.#size();
    const now = this.#now();
    let s = "";
    for (const info of this.#bars.values()) {
      s += renderProgress(info, { t: this.#t, now, columns, color: true }) + "\r\n";
    }
    const room = Math.max(1, columns - this.#promptWidth);
    const view = this.#editor.view(room);
    s += this.#prompt + view.text + "\r";
    const col = this.#promptWidth + view.cursorColumn;
    if (col > 0) s += `${CSI}${col}C`;
    this.#blockRows = this.#bars.size + 1;
    this.#lastBlock = now;
    return s;
  }

  #redrawBlock(): void {
    if (this.#closed) return;
    this.#out.write(`${CSI}?25l${this.#eraseBlock()}${this.#renderBlock()}${CSI}?25h`);
  }

  print(lines: string[]): void {
    if (this.#closed) {
      if (lines.length > 0) this.#out.write(lines.join("\r\n") + "\r\n");
      return;
    }
    if (lines.length === 0) return;
    this.#out.write(
      `${CSI}?25l${this.#eraseBlock()}${lines.join("\r\n")}\r\n${this.#renderBlock()}${CSI}?25h`,
    );
  }

  show(event: ClientEvent): void {
    switch (event.type) {
      case "welcome":
        this.setName(event.welcome.name);
        break;
      case "transfer_start":
        this.#bars.set(event.transfer.id, event.transfer);
        break;
      case "transfer_progress":
        this.#bars.set(event.transfer.id, event.transfer);
        this.#scheduleRedraw();
        return;
      case "transfer_done":
      case "transfer_failed":
        this.#bars.delete(event.transfer.id);
        break;
    }
    this.print(renderEvent(event, this.#ctx));
  }

  #scheduleRedraw(): void {
    if (this.#redrawTimer !== undefined || this.#closed) return;
    const redrawMs = this.#options.redrawMs ?? 100;
    const wait = Math.max(0, this.#lastBlock + redrawMs - this.#now());
    this.#redrawTimer = setTimeout(() => {
      this.#redrawTimer = undefined;
      this.#redrawBlock();
    }, wait);
  }

  /** Rows and columns the video pane may use. */
  paneSize(): { columns: number; rows: number } {
    const { columns, rows } = this.#size();
    const chatRows = Math.max(6, Math.floor(rows * 0.35));
    return { columns, rows: Math.max(0, rows - chatRows) };
  }

  /**
   * Draws `lines` in a pane at the top of the screen, above the chat (which
   * scrolls below it, in a scroll region). `null` removes the pane and gives
   * the whole screen back to the chat. Lines may carry SGR colours; each
   * should fit {@link paneSize}'s columns.
   */
  paint(lines: string[] | null): void {
    if (this.#closed) return;
    const { columns, rows } = this.#size();
    if (lines === null) {
      if (this.#pane === null) return;
      const paneRows = this.#pane.rows;
      this.#pane = null;
      let s = `${CSI}?25l${this.#eraseBlock()}${CSI}r`;
      for (let r = 1; r <= paneRows; r++) s += `${CSI}${r};1H${CSI}2K`;
      s += `${CSI}${rows};1H`;
      this.#out.write(s + this.#renderBlock() + `${CSI}?25h`);
      return;
    }
    const max = this.paneSize().rows;
    const shown = lines.slice(0, max);
    let s = `${CSI}?25l`;
    const pane = this.#pane;
    if (
      pane === null || pane.rows !== shown.length || pane.screenRows !== rows ||
      pane.columns !== columns
    ) {
      // (Re)establish the scroll region below the pane, then redraw the block at the bottom.
      const old = pane?.rows ?? 0;
      this.#pane = { rows: shown.length, screenRows: rows, columns };
      s += this.#eraseBlock();
      for (let r = shown.length + 1; r <= old; r++) s += `${CSI}${r};1H${CSI}2K`;
      s += shown.length > 0 ? `${CSI}${shown.length + 1};${rows}r` : `${CSI}r`;
      s += `${CSI}${rows};1H`;
      s += this.#renderBlock();
    }
    s += `${ESC}7`;
    for (let r = 0; r < shown.length; r++) s += `${CSI}${r + 1};1H${CSI}2K${shown[r]}${CSI}0m`;
    s += `${ESC}8${CSI}?25h`;
    this.#out.write(s);
  }

  async #nextItem(): Promise<InputItem> {
    while (this.#items.length === 0) {
      const r = await this.#chunks.next();
      if (r.done) return { type: "eof" };
      const actions = this.#editor.feed(r.value);
      for (const a of actions) {
        if (a.type === "submit") this.#items.push({ type: "line", line: a.line });
        else if (a.type === "interrupt") this.#items.push({ type: "interrupt" });
        else if (a.type === "eof") this.#items.push({ type: "eof" });
        else this.#out.write(`${CSI}2J${CSI}H`);
      }
      this.#redrawBlock();
    }
    return this.#items.shift()!;
  }

  async *input(): AsyncGenerator<InputItem> {
    while (true) {
      const item = await this.#nextItem();
      // Commands are echoed above the prompt (messages come back from the server).
      if (item.type === "line" && item.line.startsWith("/") && !item.line.startsWith("//")) {
        this.print([`${CSI}2m${this.#ctx.me ?? ""}> ${sanitize(item.line)}${CSI}0m`]);
      }
      yield item;
      if (item.type === "eof") return;
    }
  }

  async ask(prompt: string): Promise<string | null> {
    const before = [this.#prompt, this.#promptWidth] as const;
    this.#setPrompt(prompt, prompt);
    try {
      while (true) {
        const item = await this.#nextItem();
        if (item.type !== "line") return null;
        if (item.line.trim() !== "") {
          this.print([`${prompt}${sanitize(item.line)}`]);
          return item.line.trim();
        }
      }
    } finally {
      this.#prompt = before[0];
      this.#promptWidth = before[1];
      this.#redrawBlock();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    clearTimeout(this.#redrawTimer);
    this.#redrawTimer = undefined;
    let s = this.#eraseBlock();
    if (this.#pane !== null) {
      const { rows } = this.#size();
      s += `${CSI}r${CSI}${rows};1H`;
      this.#pane = null;
    }
    this.#closed = true;
    this.#out.write(s + `${CSI}0m${CSI}?25h`);
    if (this.#raw) {
      try {
        this.#options.setRaw?.(false);
      } catch {
        // stdin already closed.
      }
      this.#raw = false;
    }
    this.#stop.abort();
    await this.#chunks.return(undefined);
    await this.#out.flush();
  }
}
