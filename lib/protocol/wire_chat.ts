/**
 * The frames the chat server sends after the `welcome`, decoded into one typed
 * union ({@link ChatServerMessage}), so a client switches on typed values and
 * never reads a snake_case field itself (the records inside come from
 * lib/protocol/wire.ts).
 *
 * Unknown types and frames a client must ignore decode to `null`
 * (PROTOCOL.md section 1: unknown types are ignored).
 *
 * @example
 * ```ts
 * import { decodeChatServerMessage } from "./wire_chat.ts";
 * const m = decodeChatServerMessage({ type: "call", action: "media", from: "Eva", client_id: 7 });
 * if (m?.type === "call") m.clientId; // 7
 * ```
 *
 * @module
 */

import { isVideoCodec, type VideoCodec } from "./call_codecs.ts";
import type { Message } from "./frame.ts";
import {
  type CallPeer,
  decodeCallPeer,
  decodeMember,
  decodeSharedFile,
  decodeSharedFiles,
  type Member,
  readCount,
  readNumber,
  readObjects,
  readPort,
  readString,
  type SharedFile,
} from "./wire.ts";

/** An `error` frame: a stable `code` and the server's text. */
export interface ErrorReply {
  type: "error";
  code: string;
  message: string;
}

/** A `call_joined` frame: our media credentials and the call's members. */
export interface CallJoinedReply {
  type: "call_joined";
  token: string;
  /** Our media id; `null` when missing or negative. */
  clientId: number | null;
  mediaPort: number | null;
  members: CallPeer[];
  /** The codecs senders must send (`send`; absent from older servers: `["mjpeg"]`). */
  send: VideoCodec[];
}

/**
 * A `call` event: a member started, stopped, muted or unmuted (`mute`), or
 * its media id became known.
 */
export interface CallNotice {
  type: "call";
  action: "start" | "stop" | "media" | "mute";
  from: string;
  first: boolean;
  ended: boolean;
  reason: string;
  /** The media id the frame names, when it carries a number. */
  clientId: number | null;
  /** The call's members, or `null` when the frame carries no list. */
  members: CallPeer[] | null;
  /** The codecs senders must send now, or `null` when the frame does not say. */
  send: VideoCodec[] | null;
  /** `mute` events: whether `from` is now muted. */
  muted: boolean;
}

/** A member asks us (a sender) for a keyframe: `{"type":"call","action":"keyframe","from"}`. */
export interface KeyframeRequest {
  type: "keyframe_request";
  from: string;
}

/** A frame the chat server sends after the welcome, decoded. */
export type ChatServerMessage =
  | { type: "message"; from: string; text: string; history: boolean }
  | { type: "join"; name: string }
  | { type: "leave"; name: string; reason: string }
  | { type: "shutdown" }
  | { type: "system"; text: string }
  | { type: "file_available"; file: SharedFile; history: boolean }
  | { type: "who"; members: Member[] }
  | FilesPage
  | { type: "pong" }
  | ErrorReply
  | CallJoinedReply
  | CallNotice
  | KeyframeRequest;

/** Reads an `error` frame's code and text (the code stands in for a missing text). */
export function decodeErrorReply(m: Message): ErrorReply {
  const code = readString(m.code, "error");
  return { type: "error", code, message: readString(m.message, code) };
}

function decodeSystem(m: Message): ChatServerMessage | null {
  const event = m.event;
  if (event === "join" && typeof m.name === "string") return { type: "join", name: m.name };
  if (event === "leave" && typeof m.name === "string") {
    return { type: "leave", name: m.name, reason: readString(m.reason) };
  }
  if (event === "shutdown") return { type: "shutdown" };
  if (typeof m.text === "string") return { type: "system", text: m.text };
  return null;
}

function decodeCallJoined(m: Message): CallJoinedReply {
  const id = readNumber(m.client_id, -1);
  return {
    type: "call_joined",
    token: readString(m.token),
    clientId: id < 0 ? null : id,
    mediaPort: readPort(m.media_port),
    members: readObjects(m.members).map(decodeCallPeer),
    send: readCodecs(m.send) ?? ["mjpeg"],
  };
}

/** The known codecs of a `send` list, or `null` when the field is absent or not a list. */
function readCodecs(value: unknown): VideoCodec[] | null {
  if (!Array.isArray(value)) return null;
  return value.filter(isVideoCodec);
}

function decodeCallNotice(m: Message): CallNotice | KeyframeRequest | null {
  const action = m.action;
  if (action === "keyframe") return { type: "keyframe_request", from: readString(m.from, "?") };
  if (action !== "start" && action !== "stop" && action !== "media" && action !== "mute") {
    return null;
  }
  return {
    type: "call",
    action,
    from: readString(m.from, "?"),
    first: m.first === true,
    ended: m.ended === true,
    reason: readString(m.reason),
    clientId: typeof m.client_id === "number" ? m.client_id : null,
    members: Array.isArray(m.members) ? readObjects(m.members).map(decodeCallPeer) : null,
    send: readCodecs(m.send),
    muted: m.muted === true,
  };
}

/**
 * A `files` reply: one page of the list, newest last (PROTOCOL.md 2.4).
 * `total`, `offset` and `more` are absent from servers that send every file.
 */
export interface FilesPage {
  type: "files";
  files: SharedFile[];
  /** Files matching (all without a query). */
  total?: number;
  /** Newer matching files skipped before this page. */
  offset?: number;
  /** Older matching files after this page. */
  more?: number;
  /** The search text the page answers, if any. */
  query?: string;
}

function decodeFilesPage(m: Message): FilesPage {
  const page: FilesPage = { type: "files", files: decodeSharedFiles(m.files) };
  const total = readCount(m.total);
  const offset = readCount(m.offset);
  const more = readCount(m.more);
  if (total !== undefined) page.total = total;
  if (offset !== undefined) page.offset = offset;
  if (more !== undefined) page.more = more;
  if (typeof m.query === "string") page.query = m.query;
  return page;
}

/** Decodes one frame from the chat server; `null` for what a client ignores. */
export function decodeChatServerMessage(m: Message): ChatServerMessage | null {
  switch (m.type) {
    case "message":
      return {
        type: "message",
        from: readString(m.from, "?"),
        text: readString(m.text),
        history: m.history === true,
      };
    case "system":
      return decodeSystem(m);
    case "file_available": {
      const file = decodeSharedFile(m);
      return file.fileId === ""
        ? null
        : { type: "file_available", file, history: m.history === true };
    }
    case "who":
      return { type: "who", members: readObjects(m.members).map(decodeMember) };
    case "files":
      return decodeFilesPage(m);
    case "pong":
      return { type: "pong" };
    case "error":
      return decodeErrorReply(m);
    case "call_joined":
      return decodeCallJoined(m);
    case "call":
      return decodeCallNotice(m);
    default:
      return null;
  }
}

// PROTOCOL.md section 6: the codes after which the chat connection stays open.
const CHAT_ERRORS_KEEPING_CONNECTION: ReadonlySet<string> = new Set([
  "bad_utf8",
  "bad_json",
  "bad_message",
  "unknown_type",
  "message_too_long",
  "rate_limited",
  "bad_request",
  "not_found",
  "not_in_call",
  // The teacher's controls (PROTOCOL.md 2.8): refusals after the welcome keep the chat open.
  "muted",
  "read_only",
  "not_admin",
  "auth_failed",
  "auth_wait",
]);

/**
 * Whether the chat server closes the connection after an `error` with this
 * code (PROTOCOL.md section 6). Unknown codes count as closing, so a client
 * explains a close that follows one by the server's text.
 *
 * @example
 * ```ts
 * import { chatErrorCloses } from "./wire_chat.ts";
 * chatErrorCloses("rate_limited"); // false
 * chatErrorCloses("idle_timeout"); // true
 * ```
 */
export function chatErrorCloses(code: string): boolean {
  return !CHAT_ERRORS_KEEPING_CONNECTION.has(code);
}
