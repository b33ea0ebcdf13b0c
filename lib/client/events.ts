/**
 * What the chat client tells its user interface: one typed
 * {@link ClientEvent} per thing that happened. The client never prints; the
 * terminal (lib/terminal/) renders these events, in colour or as plain lines.
 *
 * @module
 */

import type { CallPeer, Member, SharedFile, Welcome } from "../protocol/wire.ts";
import type { CallNotice, FilesPage } from "../protocol/wire_chat.ts";
import type { ClientTextKey } from "./text.ts";

/** A running or finished transfer, as the UI shows it. */
export interface TransferInfo {
  /** Local number, unique within the client. */
  id: number;
  kind: "upload" | "download";
  /** File name (upload: base name of the path; download: the server's name or the id). */
  label: string;
  done: number;
  /** 0 until known. */
  total: number;
  /** `Date.now()` when it started. */
  started: number;
}

/** Why the chat connection ended. */
export interface CloseInfo {
  /** `quit`: we asked; `shutdown`: the server stopped; `server_error`: closed after an error frame; `lost`: anything else. */
  reason: "quit" | "shutdown" | "server_error" | "lost";
  code?: string;
  message?: string;
}

/** Why we left a call: `/call stop` or the window closed, the server's media timeout, or the media failed to start. */
export type CallLeftReason = "left" | "media_timeout" | "media_failed";

/** A transfer that finished: what the server stored or what was written locally. */
export interface TransferResult {
  filename: string;
  size: number;
  sha256: string;
  fileId?: string;
  /** Where a download was written. */
  path?: string;
  /** False when the server gave no SHA-256 to check a download against. */
  verified?: boolean;
}

/** Everything the UI renders. */
export type ClientEvent =
  | { type: "welcome"; welcome: Welcome; host: string; port: number }
  | { type: "message"; from: string; text: string; own: boolean; history: boolean }
  | { type: "join"; name: string }
  | { type: "leave"; name: string; reason: string }
  | { type: "file"; file: SharedFile; history: boolean }
  | { type: "who"; members: Member[] }
  | FilesPage
  | { type: "shutdown" }
  | { type: "system"; text: string }
  | { type: "server_error"; code: string; message: string }
  | (Omit<CallNotice, "clientId" | "members" | "send" | "muted" | "action"> & {
    action: "start" | "stop" | "media";
    members: CallPeer[];
  })
  | { type: "call_joined"; members: CallPeer[] }
  | { type: "call_left"; reason: CallLeftReason }
  | { type: "call_log"; line: string }
  | { type: "call_stats"; lines: string[] }
  | { type: "transfer_start"; transfer: TransferInfo }
  | { type: "transfer_progress"; transfer: TransferInfo }
  | ({ type: "transfer_done"; transfer: TransferInfo } & TransferResult)
  | { type: "transfer_failed"; transfer: TransferInfo; code: string; message: string }
  | { type: "notice"; key: ClientTextKey; params?: Record<string, string | number> }
  | { type: "closed"; info: CloseInfo }
  /** The connection was lost (or the server stopped); the client is trying to come back. */
  | { type: "connection_lost"; reason: "lost" | "shutdown" }
  /**
   * Back in the room after a lost connection, with the same name; the missed
   * messages follow as history events. `missed`: those the server no longer had.
   */
  | {
    type: "reconnected";
    welcome: Welcome;
    missed: number;
    /** There may be more missed messages than `missed` (the server cannot count them all). */
    missedMore?: boolean;
    host: string;
    port: number;
  };

/** Receives every event, synchronously; must not throw or block. */
export type EmitEvent = (event: ClientEvent) => void;
