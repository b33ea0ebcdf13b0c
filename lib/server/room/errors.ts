/**
 * The room's error policy (PROTOCOL.md section 6): which codes it replies
 * with, how a reply looks to a v1 or a v2 client, which errors count toward
 * `too_many_errors`, and which close the connection. Codes are stable and
 * typed; nothing ever reads a message text back.
 *
 * @module
 */

import { encodeFrame, type Message } from "../../protocol/frame.ts";
import type { Member } from "./connection.ts";
import type { LeaveReason } from "./types.ts";

/** Every error code the chat room sends (a subset of PROTOCOL.md section 6, plus `not_in_call`). */
export type RoomErrorCode =
  | "bad_utf8"
  | "bad_json"
  | "bad_message"
  | "unknown_type"
  | "frame_too_large"
  | "too_many_errors"
  | "hello_required"
  | "hello_timeout"
  | "unsupported_version"
  | "name_invalid"
  | "name_taken"
  | "message_too_long"
  | "rate_limited"
  | "idle_timeout"
  | "frame_timeout"
  | "server_shutdown"
  | "bad_request"
  | "not_found"
  | "not_in_call"
  | "auth_required"
  | "auth_failed"
  | "auth_wait"
  | "room_locked"
  | "banned"
  | "kicked"
  | "muted"
  | "read_only"
  | "not_admin";

/** The codes a frame that fails to decode may carry (lib/protocol/frame.ts `decodeMessage`). */
export type DecodeErrorCode = "bad_utf8" | "bad_json" | "bad_message";

/**
 * The room error code for a `ProtocolError` code from `decodeMessage`; an
 * unexpected code is reported as `bad_message`.
 */
export function decodeErrorCode(code: string): DecodeErrorCode {
  return code === "bad_utf8" || code === "bad_json" ? code : "bad_message";
}

/** What {@link ErrorPolicy} needs from the room. */
export interface ErrorPolicyOptions {
  /** Queues bytes for one member (the room's send, which handles overflow). */
  send(member: Member, bytes: Uint8Array): void;
  /** Makes a member leave once the current entry point is done. */
  leave(member: Member, reason: LeaveReason): void;
  /** The v1 form of an error: a `system` line built around `message`. */
  v1Line(message: string): string;
  /** The text of `too_many_errors`. */
  tooManyErrors(): string;
  /** Bad frames tolerated before the connection is closed. */
  maxErrors: number;
}

/** Sends error replies and applies the bad-frame and close rules. */
export class ErrorPolicy {
  readonly #options: ErrorPolicyOptions;

  /** A policy sending through `options.send` and closing through `options.leave`. */
  constructor(options: ErrorPolicyOptions) {
    this.#options = options;
  }

  /** A reply to one member: an `error` frame for v2, a `system` line for v1. */
  reply(member: Member, code: RoomErrorCode, message: string, ref?: string): void {
    if (member.protocol === 1) {
      this.#options.send(
        member,
        encodeFrame({ type: "system", text: this.#options.v1Line(message) }),
      );
      return;
    }
    const frame: Message = { type: "error", code, message };
    if (ref !== undefined) frame.ref = ref;
    this.#options.send(member, encodeFrame(frame));
  }

  /**
   * A bad frame: it counts toward `too_many_errors` (which closes), and
   * before the hello it closes at once.
   */
  badFrame(member: Member, code: RoomErrorCode, message: string, ref?: string): void {
    if (member.name === null) {
      this.fail(member, code, message, "disconnect", ref);
      return;
    }
    member.errors++;
    if (member.errors > this.#options.maxErrors) {
      this.fail(member, "too_many_errors", this.#options.tooManyErrors(), "disconnect", ref);
      return;
    }
    this.reply(member, code, message, ref);
  }

  /** Replies with an error, then the member leaves and its connection closes. */
  fail(
    member: Member,
    code: RoomErrorCode,
    message: string,
    reason: LeaveReason,
    ref?: string,
  ): void {
    this.reply(member, code, message, ref);
    this.#options.leave(member, reason);
  }
}
