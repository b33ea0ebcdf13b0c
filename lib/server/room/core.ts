/**
 * What the room's handlers (hello, requests) share: the settings, the texts,
 * the state modules and the coordinator's send, emit and leave. The
 * coordinator (room.ts) builds one {@link RoomCore} and hands it to them.
 *
 * @module
 */

import type { Message } from "../../protocol/frame.ts";
import type { Params } from "../../protocol/i18n.ts";
import type { serverText } from "../text.ts";
import type { LogSink } from "../log_event.ts";
import type { RoomAuth } from "./auth.ts";
import type { Moderation } from "./moderation.ts";
import type { Call } from "./call.ts";
import type { Churn } from "./churn.ts";
import type { Member } from "./connection.ts";
import type { ErrorPolicy } from "./errors.ts";
import type { AddressGuard } from "./flood.ts";
import type { History } from "./history.ts";
import type { Members } from "./members.ts";
import type { Resume } from "./resume.ts";
import type { LeaveReason, RoomFiles } from "./types.ts";

/** The server catalogue bound to the room's language. */
export type RoomText = (key: keyof typeof serverText & string, params?: Params) => string;

/** The room's fixed limits and announced ports. */
export interface RoomSettings {
  /** Largest message text in UTF-8 bytes. */
  readonly maxMessage: number;
  /** Largest frame, reported in `welcome.limits`. */
  readonly maxFrame: number;
  /** Largest upload, reported in `welcome.limits`. */
  readonly maxUpload: number;
  /** File port announced in `welcome`. */
  readonly filePort: number;
  /** Media port announced in `welcome` and `call_joined`. */
  readonly mediaPort: number;
}

/** The room as its handlers see it. */
export interface RoomCore {
  /** Limits and ports. */
  readonly settings: RoomSettings;
  /** Texts in the room's language. */
  readonly t: RoomText;
  /** Members after hello. */
  readonly members: Members;
  /** The video call. */
  readonly call: Call;
  /** Sequence numbers and the kept messages. */
  readonly history: History;
  /** Error replies and the close rules. */
  readonly errors: ErrorPolicy;
  /** Whether the room has been shut down. */
  isClosed(): boolean;
  /** The room's clock (Unix ms). */
  now(): number;
  /** Random hex source (session tokens). */
  randomHex(bytes: number): string;
  /** The file store's view, if any. */
  files(): RoomFiles | undefined;
  /** Queues bytes for one member; an overflow makes it leave as a slow consumer. */
  send(member: Member, bytes: Uint8Array): void;
  /** Stamps an event, broadcasts the same bytes to all, keeps it in history if `remember`. */
  emit(event: Message, remember?: boolean): void;
  /** Makes a member leave once the current entry point is done. */
  leave(member: Member, reason: LeaveReason): void;
  /** Frame, text and join budgets per address (flood.ts). */
  readonly guard: AddressGuard;
  /** Join and leave announcements, batched under churn (churn.ts). */
  readonly churn: Churn;
  /** The teacher's log (a no-op when nobody listens). */
  log: LogSink;
  /** The room password and the attempt limit per address (auth.ts). */
  readonly auth: RoomAuth;
  /** The teacher's controls and their state (moderation.ts). */
  readonly moderation: Moderation;
  /** Reconnect tokens, grace period and catch-up (resume.ts). */
  readonly resume: Resume;
}
