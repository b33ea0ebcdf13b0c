/**
 * What the room's handlers (hello, requests) share: the settings, the texts,
 * the state modules and the coordinator's send, emit and leave. The
 * coordinator (room.ts) builds one {@link RoomCore} and hands it to them.
 *
 * @module
 */

import type { Params } from "../../protocol/i18n.ts";
import type { serverText } from "../text.ts";
import type { RoomAuth } from "./auth.ts";
import type { Moderation } from "./moderation.ts";
import type { Call } from "./call.ts";
import type { Churn } from "./churn.ts";
import type { AddressGuard } from "./flood.ts";
import type { History } from "./history.ts";
import type { Resume } from "./resume.ts";
import type { TeacherHost } from "./teacher_host.ts";

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

/**
 * The room as its handlers see it: what auth.ts and moderation.ts use
 * (teacher_host.ts), and the rest.
 */
export interface RoomCore extends TeacherHost {
  /** Limits and ports. */
  readonly settings: RoomSettings;
  /** Texts in the room's language. */
  readonly t: RoomText;
  /** The video call. */
  readonly call: Call;
  /** Sequence numbers and the kept messages. */
  readonly history: History;
  /** Whether the room has been shut down. */
  isClosed(): boolean;
  /** Frame, text and join budgets per address (flood.ts). */
  readonly guard: AddressGuard;
  /** Join and leave announcements, batched under churn (churn.ts). */
  readonly churn: Churn;
  /** The room password and the attempt limit per address (auth.ts). */
  readonly auth: RoomAuth;
  /** The teacher's controls and their state (moderation.ts). */
  readonly moderation: Moderation;
  /** Reconnect tokens, grace period and catch-up (resume.ts). */
  readonly resume: Resume;
}
