/**
 * What each typed command does in a chat session: a request to the server,
 * a transfer, a call action, or a local notice. While the session is
 * reconnecting, commands that need the server get "not connected".
 *
 * @module
 */

import type { Message } from "../protocol/frame.ts";
import { utf8Length } from "../protocol/utf8.ts";
import type { CallFlow } from "./call_flow.ts";
import type { Command } from "./commands.ts";
import type { EmitEvent } from "./events.ts";
import type { TransferJobs } from "./transfer_jobs.ts";

/** The parts of a chat session a command uses. */
export interface CommandTarget {
  readonly emit: EmitEvent;
  /** Sends one request frame to the server. */
  send(message: Message): void;
  readonly transfers: TransferJobs;
  readonly call: CallFlow;
  /** The welcome's largest message text, in UTF-8 bytes. */
  readonly maxMessage: number;
  /** False while the session is reconnecting. */
  readonly connected: boolean;
}

/**
 * Runs one parsed command. `quit` is not handled here (the caller decides
 * between a graceful finish and an immediate close).
 */
export function runCommand(cmd: Command, t: CommandTarget): void {
  if (!t.connected && NEEDS_SERVER.has(cmd.kind)) {
    t.emit({ type: "notice", key: "notConnected" });
    return;
  }
  switch (cmd.kind) {
    case "empty":
    case "quit":
      return;
    case "message":
      sendText(cmd.text, t);
      return;
    case "who":
      t.send({ type: cmd.kind });
      return;
    case "files":
      t.send(filesRequest(cmd));
      return;
    case "help":
      t.emit({ type: "notice", key: "help" });
      return;
    case "usage":
      t.emit({ type: "notice", key: USAGE_KEYS[cmd.command] });
      return;
    case "unknown":
      t.emit({ type: "notice", key: "unknownCommand", params: { command: cmd.command } });
      return;
    case "upload":
      t.transfers.upload(cmd.path);
      return;
    case "download":
      t.transfers.download(cmd.id);
      return;
    case "call":
      t.call.command(cmd.action);
      return;
    case "mute":
      t.call.mute(cmd.muted);
      return;
  }
}

/** The `files` request of `/files [page|text]` (PROTOCOL.md 2.4: pages of {@link FILES_PAGE}). */
function filesRequest(cmd: Extract<Command, { kind: "files" }>): Message {
  const request: Message = { type: "files" };
  if (cmd.page !== undefined) {
    request.offset = (cmd.page - 1) * FILES_PAGE;
    request.limit = FILES_PAGE;
  }
  if (cmd.query !== undefined) request.query = cmd.query;
  return request;
}

/** Files per `/files` page (the server's default page). */
export const FILES_PAGE = 50;

/** Sends a chat message, or says locally that it is over the server's limit (never cut). */
function sendText(text: string, t: CommandTarget): void {
  const bytes = utf8Length(text);
  const max = t.maxMessage;
  if (bytes > max) {
    t.emit({ type: "notice", key: "messageTooLong", params: { bytes, max } });
    return;
  }
  t.send({ type: "message", text });
}

/** Commands that need the server: answered "not connected" while reconnecting. */
const NEEDS_SERVER: ReadonlySet<Command["kind"]> = new Set<Command["kind"]>([
  "message",
  "who",
  "files",
  "upload",
  "download",
  "call",
  "mute",
]);

const USAGE_KEYS = {
  upload: "uploadUsage",
  download: "downloadUsage",
  call: "callUsage",
} as const;
