/**
 * Renders a {@link ClientEvent} as lines of text. Pure: the same event and
 * context always give the same lines. Each event kind has its own renderer in
 * {@link RENDERERS}, grouped by family (session, chat, files, call, transfers).
 * Renderers return {@link SafeText}: every string from the network passes
 * `safe()` (lib/protocol/safe_text.ts) on its way to a line.
 *
 * Pipe-mode output format (stable; tests and scripts parse it), Spanish tags
 * shown, English tags in brackets:
 * ```text
 * [Ana]: hola                                     chat message (history too)
 *     second line                                 further lines of a multi-line message, indented
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
 * @example
 * ```ts
 * import { clientText } from "../client/text.ts";
 * import { translator } from "../protocol/i18n.ts";
 * import { renderEvent } from "./render_event.ts";
 * const t = translator(clientText, "en");
 * renderEvent({ type: "join", name: "Eva" }, { t, color: false, me: "Ana" });
 * // ["[SYSTEM] Eva joined the chat"]
 * ```
 *
 * @module
 */

import type { ClientEvent } from "../client/events.ts";
import type { SharedFile } from "../protocol/wire.ts";
import { type ClientTextKey, formatSize, formatWhen } from "../client/text.ts";
import { FILES_PAGE } from "../client/run_command.ts";
import { joinSafe, safe, type SafeText, safeText, trusted } from "../protocol/safe_text.ts";
import {
  safeParams,
  type SafeTranslate,
  safeTranslator,
  type Translate,
} from "./safe_translate.ts";
import { CSI, nameStyle, sgr } from "./style.ts";

// TODO(integration): re-export (Translate now lives in safe_translate.ts)
export type { Translate };

/** What {@link renderEvent} needs besides the event. */
export interface RenderContext {
  /** The texts, in the user's language. */
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

/** Transfer failure codes with their own text in the catalogue. */
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
  "no_reply",
  "already_running",
  "is_directory",
  "unreadable",
  "os_exists",
  "os_not_found",
  "os_permission",
  "os_no_space",
  "os_is_directory",
  "os_not_directory",
  "os_busy",
  "os_name_too_long",
  "os_invalid_name",
]);

/** Files listed in the welcome (the newest); `/files` shows every one. */
const WELCOME_FILES = 10;

/** Columns continuation lines of a multi-line message are indented by. */
const CONTINUATION_INDENT = trusted("    ");

/**
 * The pieces every renderer builds lines from, bound to one context. Every
 * piece takes or returns {@link SafeText}: a renderer cannot put a network
 * string on screen without passing it through `safe()`.
 */
interface Pen {
  /** Texts of the catalogue; parameters must be safe. */
  t: SafeTranslate;
  ctx: RenderContext;
  /** A tagged line: the coloured tag, a space, the text. */
  tag(key: ClientTextKey, text: SafeText): SafeText;
  /** A name, sanitised and coloured. */
  who(name: string): SafeText;
  /** One shared file; listings (/files, welcome) also say when. */
  fileLine(f: SharedFile, listed?: boolean): SafeText;
}

function pen(ctx: RenderContext): Pen {
  const { color } = ctx;
  const t = safeTranslator(ctx.t);
  const tag = (key: ClientTextKey, text: SafeText) =>
    safeText`${sgr(TAG_STYLE[key] ?? "0", t(key), color)} ${text}`;
  const who = (name: string) => sgr(nameStyle(name, ctx.me), safe(name), color);
  const fileLine = (f: SharedFile, listed = false) =>
    tag(
      "tagFile",
      t(listed ? "fileListed" : "fileShared", {
        from: who(f.from),
        filename: safe(f.filename),
        size: safe(formatSize(f.size)),
        id: safe(f.fileId),
        when: safe(formatWhen(f.ts)),
      }),
    );
  return { t, ctx, tag, who, fileLine };
}

type EventOf<K extends ClientEvent["type"]> = Extract<ClientEvent, { type: K }>;
type Renderer<K extends ClientEvent["type"]> = (ev: EventOf<K>, p: Pen) => SafeText[];

// --- Session -------------------------------------------------------------

function online(p: Pen, members: { name: string; reconnecting?: boolean }[]): SafeText {
  const reconnecting = p.t("memberReconnecting");
  const who = (m: { name: string; reconnecting?: boolean }) =>
    m.reconnecting ? safeText`${p.who(m.name)} (${reconnecting})` : p.who(m.name);
  const names = joinSafe(members.map(who), ", ");
  return p.tag("tagSystem", p.t("online", { count: members.length, names }));
}

const renderWelcome: Renderer<"welcome"> = (ev, p) => {
  const w = ev.welcome;
  const lines = [
    p.tag("tagSystem", p.t("welcome", { host: safe(ev.host), port: ev.port, name: p.who(w.name) })),
    online(p, w.members),
  ];
  if (w.files.length > 0) {
    // The newest few, so a newcomer sees what was shared; /files pages through them all.
    const shown = w.files.slice(-WELCOME_FILES);
    const total = Math.max(w.filesTotal ?? 0, w.files.length);
    lines.push(p.tag("tagFiles", p.t("filesHeader", { count: total })));
    lines.push(...shown.map((f) => p.fileLine(f, true)));
    if (total > shown.length) {
      lines.push(p.tag("tagFiles", p.t("filesMorePaged", { count: total - shown.length })));
    }
  }
  if (w.call.length > 0) {
    const names = joinSafe(w.call.map((c) => p.who(c.name)), ", ");
    lines.push(p.tag("tagCall", p.t("callRunning", { names })));
  }
  return lines;
};

const renderLeave: Renderer<"leave"> = (ev, p) => {
  const key: ClientTextKey = ev.reason === "timeout"
    ? "leftTimeout"
    : ev.reason === "slow_consumer" || ev.reason === "flood"
    ? "leftDropped"
    : "left";
  return [p.tag("tagSystem", p.t(key, { name: p.who(ev.name) }))];
};

const renderNotice: Renderer<"notice"> = (ev, p) => {
  // Notice parameters may carry anything (a file name from the server, a typed command).
  const params = safeParams(ev.params);
  if (
    (ev.key === "uploadFailed" || ev.key === "downloadFailed") && params.reason === "unavailable"
  ) {
    params.reason = p.t("unavailable");
  }
  const text = p.t(ev.key, params);
  if (ev.key === "help") return text.split("\n") as SafeText[];
  if (ERROR_NOTICES.has(ev.key)) return [p.tag("tagError", text)];
  if (CALL_NOTICES.has(ev.key)) return [p.tag("tagCall", text)];
  return [p.tag("tagSystem", text)];
};

const renderClosed: Renderer<"closed"> = (ev, p) => {
  const info = ev.info;
  if (info.reason === "shutdown") return [p.tag("tagError", p.t("closedShutdown"))];
  // A quit says nothing; a lost connection is told by renderLost (it needs host and port).
  if (info.reason !== "server_error") return [];
  const message = safe(info.message ?? info.code ?? "");
  switch (info.code) {
    case "idle_timeout":
      return [p.tag("tagError", p.t("closedIdle", { message }))];
    case "slow_consumer":
      return [p.tag("tagError", p.t("closedSlow"))];
    case "server_shutdown":
      return [p.tag("tagError", p.t("closedShutdown"))];
    default:
      return [p.tag("tagError", p.t("closedError", { message }))];
  }
};

// --- Chat and files ------------------------------------------------------

/**
 * A message: `[Ana]: text`; a multi-line message (a paste) puts its further
 * lines below, indented, so they read as the same author's.
 */
const renderMessage: Renderer<"message"> = (ev, p) => {
  const [first, ...rest] = ev.text.replace(/\r\n?/g, "\n").split("\n");
  const lines = [
    safeText`[${p.who(ev.from)}]: ${safe(first)}`,
    ...rest.map((l) => safeText`${CONTINUATION_INDENT}${safe(l)}`),
  ];
  if (!ev.history || !p.ctx.color) return lines;
  // History is dimmed, names included: every reset inside the line re-dims.
  return lines.map((line) =>
    trusted(`${CSI}2m${line.replaceAll(`${CSI}0m`, `${CSI}0;2m`)}${CSI}0m`)
  );
};

/** One page of `/files` (or of a search), and where the next page is. */
const renderFiles: Renderer<"files"> = (ev, p) => {
  const query = ev.query === undefined ? undefined : safe(ev.query);
  if (ev.files.length === 0) {
    return [p.tag("tagFiles", query ? p.t("noFilesFound", { query }) : p.t("noFiles"))];
  }
  const offset = ev.offset ?? 0;
  const total = ev.total ?? offset + ev.files.length;
  const header = query !== undefined
    ? p.t("filesFound", { total, query })
    : ev.total === undefined
    ? p.t("filesHeader", { count: ev.files.length })
    : p.t("filesPage", { first: offset + 1, last: offset + ev.files.length, total });
  const lines = [p.tag("tagFiles", header), ...ev.files.map((f) => p.fileLine(f, true))];
  const more = ev.more ?? 0;
  if (more > 0 && query !== undefined) {
    lines.push(p.tag("tagFiles", p.t("filesNarrow", { more })));
  } else if (more > 0) {
    const page = Math.floor((offset + ev.files.length) / FILES_PAGE) + 1;
    lines.push(p.tag("tagFiles", p.t("filesNextPage", { more, page })));
  }
  return lines;
};

// --- Call ----------------------------------------------------------------

const renderCall: Renderer<"call"> = (ev, p) => {
  if (ev.action === "media") return [];
  if (ev.action === "start") {
    return [p.tag("tagCall", p.t(ev.first ? "callFirst" : "callJoin", { from: p.who(ev.from) }))];
  }
  const key = ev.reason === "media_timeout" ? "callLeaveTimeout" : "callLeave";
  let text = p.t(key, { from: p.who(ev.from) });
  if (ev.ended) text = safeText`${text} — ${p.t("callEnded")}`;
  return [p.tag("tagCall", text)];
};

const renderCallJoined: Renderer<"call_joined"> = (ev, p) => {
  const others = ev.members.filter((m) => m.name !== p.ctx.me).map((m) => p.who(m.name));
  const names = others.length > 0 ? joinSafe(others, ", ") : p.t("callNobody");
  return [p.tag("tagCall", p.t("callYouJoined", { names }))];
};

// --- Transfers -----------------------------------------------------------

const renderTransferStart: Renderer<"transfer_start"> = (ev, p) => {
  const key = ev.transfer.kind === "upload" ? "uploadStart" : "downloadStart";
  return [p.tag("tagTransfer", p.t(key, { filename: safe(ev.transfer.label) }))];
};

const renderTransferDone: Renderer<"transfer_done"> = (ev, p) => {
  const size = safe(formatSize(ev.size));
  if (ev.transfer.kind === "upload") {
    const filename = safe(ev.filename);
    return [p.tag("tagOk", p.t("uploadDone", { filename, size, id: safe(ev.fileId ?? "?") }))];
  }
  // Without a SHA-256 from the server nothing was checked: never claim it was.
  const done = ev.verified === false ? "downloadDoneUnverified" : "downloadDone";
  return [p.tag("tagOk", p.t(done, { path: safe(ev.path ?? ev.filename), size }))];
};

const renderTransferFailed: Renderer<"transfer_failed"> = (ev, p) => {
  const reason = TRANSFER_REASONS.has(ev.code) ? p.t(ev.code as ClientTextKey) : safe(ev.message);
  const key = ev.transfer.kind === "upload" ? "uploadFailed" : "downloadFailed";
  return [p.tag("tagError", p.t(key, { filename: safe(ev.transfer.label), reason }))];
};

// --- Reconnection (lib/client/reconnect.ts) ---------------------------------

const renderReconnected: Renderer<"reconnected"> = (ev, p) => {
  const back = p.t("reconnected", {
    host: safe(ev.host),
    port: ev.port,
    name: p.who(ev.welcome.name),
  });
  const lines = [p.tag("tagSystem", back)];
  const count = ev.missed;
  if (ev.missedMore) lines.push(p.tag("tagSystem", p.t("reconnectedMissedMore", { count })));
  else if (count > 0) lines.push(p.tag("tagSystem", p.t("reconnectedMissed", { count })));
  return lines;
};

/** One renderer per event kind; the compiler checks that none is missing. */
const RENDERERS: { [K in ClientEvent["type"]]: Renderer<K> } = {
  welcome: renderWelcome,
  // Our own join follows the welcome, which already said it.
  join: (ev, p) =>
    ev.name === p.ctx.me ? [] : [p.tag("tagSystem", p.t("joined", { name: p.who(ev.name) }))],
  leave: renderLeave,
  who: (ev, p) => [online(p, ev.members)],
  shutdown: (_ev, p) => [p.tag("tagSystem", p.t("shutdown"))],
  system: (ev, p) => [p.tag("tagSystem", safe(ev.text))],
  server_error: (ev, p) => [p.tag("tagError", safe(ev.message))],
  notice: renderNotice,
  closed: renderClosed,
  message: renderMessage,
  file: (ev, p) => [p.fileLine(ev.file)],
  files: renderFiles,
  call: renderCall,
  call_joined: renderCallJoined,
  call_left: (ev, p) => [
    p.tag("tagCall", p.t(ev.reason === "media_timeout" ? "callYouTimedOut" : "callYouLeft")),
  ],
  // Call lines are translated by the media layer with member names in them: sanitised here.
  call_log: (ev, p) => [p.tag("tagCall", safe(ev.line))],
  call_stats: (ev, p) => ev.lines.map((l) => p.tag("tagCall", safe(l))),
  transfer_start: renderTransferStart,
  // Bars are drawn by the interactive terminal, not printed as lines.
  transfer_progress: () => [],
  transfer_done: renderTransferDone,
  transfer_failed: renderTransferFailed,
  connection_lost: (ev, p) => [
    p.tag("tagSystem", p.t(ev.reason === "shutdown" ? "serverStoppedRetrying" : "connectionLost")),
  ],
  reconnected: renderReconnected,
};

/**
 * Renders one event as zero or more lines (no line breaks inside, no final
 * newline). Pure. Progress events render nothing: bars are drawn by the
 * interactive terminal.
 */
export function renderEvent(ev: ClientEvent, ctx: RenderContext): SafeText[] {
  const render = RENDERERS[ev.type] as (ev: ClientEvent, p: Pen) => SafeText[];
  return render(ev, pen(ctx));
}
