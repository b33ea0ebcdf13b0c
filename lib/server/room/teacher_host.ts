/**
 * What the room password (auth.ts) and the teacher's controls
 * (moderation.ts) use of the room: a part of `RoomCore` (core.ts), declared
 * here so that core.ts can hold those two modules without an import cycle.
 * `RoomCore` extends it.
 *
 * @module
 */

import type { Message } from "../../protocol/frame.ts";
import type { Params } from "../../protocol/i18n.ts";
import type { LogSink } from "../log_event.ts";
import type { serverText } from "../text.ts";
import type { Member } from "./connection.ts";
import type { ErrorPolicy } from "./errors.ts";
import type { Members } from "./members.ts";
import type { LeaveReason, RoomFiles } from "./types.ts";

/** The room as auth.ts and moderation.ts see it. */
export interface TeacherHost {
  /** Texts in the room's language. */
  readonly t: (key: keyof typeof serverText & string, params?: Params) => string;
  /** Members after hello. */
  readonly members: Members;
  /** Error replies and the close rules. */
  readonly errors: ErrorPolicy;
  /** The room's clock (Unix ms). */
  now(): number;
  /** Random hex source (nonces). */
  randomHex(bytes: number): string;
  /** The file store's view, if any. */
  files(): RoomFiles | undefined;
  /** Queues bytes for one member. */
  send(member: Member, bytes: Uint8Array): void;
  /** Stamps and broadcasts an event (kept in history if `remember`). */
  emit(event: Message, remember?: boolean): void;
  /** Makes a member leave once the current entry point is done. */
  leave(member: Member, reason: LeaveReason): void;
  /** The teacher's log. */
  log: LogSink;
  /** The call: a member muted by the teacher has its microphone muted there too. */
  readonly call: { setMuted(member: Member, muted: boolean): boolean };
}
