/**
 * The room's public vocabulary: what the chat server, the file store and the
 * media relay hand to the room or get back from it. Types only.
 *
 * @module
 */

import type { VideoCodec } from "../../protocol/call_codecs.ts";
import type { Clock } from "../../protocol/clock.ts";
import type { Message } from "../../protocol/frame.ts";
import type { Lang } from "../../protocol/i18n.ts";
import type { FileInfo } from "../file_store.ts";
import type { LogSink } from "../log_event.ts";
import type { AddressLimits } from "./flood.ts";
import type { KdfParams } from "../../protocol/auth_proof.ts";

/** A shared file as the room lists it: the file store's record (type only, no I/O). */
export type RoomFile = FileInfo;

/** What the room needs from the file store. */
export interface RoomFiles {
  /** Published and announced files, oldest first. */
  list(): RoomFile[];
  /** v1 announce: the file, now announced as `from`'s, or undefined (PROTOCOL.md 3.3). */
  claimV1(fileId: string, ip: string, from: string): RoomFile | undefined;
}

/** Persistent part of the room: the next `seq` and the last messages. */
export interface RoomHistory {
  /** The `seq` the next event gets. */
  nextSeq: number;
  /** The last chat messages as sent, oldest first. */
  messages: Message[];
}

/** Why a member left (the `reason` of a leave event). */
export type LeaveReason =
  | "quit"
  | "disconnect"
  | "timeout"
  | "slow_consumer"
  | "flood"
  | "kicked"
  | "shutdown";

/** Options of the room (`new Room(options)`). */
export interface RoomOptions {
  /** Server language for system texts and error messages (default "es"). */
  lang?: Lang;
  /** Clock in Unix ms (default Date.now). */
  now?: () => number;
  /** The file store's view (default: no files). */
  files?: RoomFiles;
  /** History and next seq restored from disk. */
  history?: RoomHistory;
  /**
   * Persists a `seq` high-water mark, synchronously, before any event gets a
   * `seq` at or past it (history_store.ts `reserveSeq`): `seq` never goes
   * backwards after a crash. Default none.
   */
  reserveSeq?: (upTo: number) => void;
  /** Called after every event with the state to persist (the caller debounces). */
  onHistory?: (history: RoomHistory) => void;
  /** Largest message text in UTF-8 bytes (default 4096). */
  maxMessage?: number;
  /** Largest frame, reported in `welcome.limits` (default 64 KiB). */
  maxFrame?: number;
  /** Largest upload, reported in `welcome.limits` (default 16 GiB). */
  maxUpload?: number;
  /** Frames per second per connection (default 20); bursts of twice that. */
  rate?: number;
  /** Refused frames after which a connection is closed as a flood (default 200). */
  floodLimit?: number;
  /** Bad frames after which a connection is closed (default 20). */
  maxErrors?: number;
  /** File port announced in `welcome` (default 9010). */
  filePort?: number;
  /** Media port announced in `welcome` and `call_joined` (default 9020). */
  mediaPort?: number;
  /** Messages kept in the history (default 50). */
  historySize?: number;
  /** Random hex source (default node:crypto); tests may make it predictable. */
  randomHex?: (bytes: number) => string;
  /** Per-address budgets of frames, message bytes and joins (default `DEFAULT_ADDRESS_LIMITS`, flood.ts). */
  addressLimits?: Partial<AddressLimits>;
  /** Joins/leaves announced one by one per second before they are batched (default 5, churn.ts). */
  churnPerSecond?: number;
  /** The teacher's log (joins, leaves, files, calls, moderation); default none. */
  log?: LogSink;
  /** Room password, teacher key and moderation mode (default: open room, no teacher key). */
  teacher?: RoomTeacherOptions;
  /** Grace period in ms before a vanished v2 member's leave is announced (default 0: at once; see resume.ts). */
  graceMs?: number;
  /** Timers of the grace period (default the system clock); tests inject a fake one. */
  clock?: Pick<Clock, "setTimeout" | "clearTimeout">;
}

/** The room password, the teacher's key and the moderation mode (auth.ts, moderation.ts). */
export interface RoomTeacherOptions {
  /** The room password as its scrypt key and parameters; absent: an open room. */
  password?: { key: Uint8Array; kdf: KdfParams };
  /** Let v1 clients in although the room has a password (`--allow-v1`). */
  allowV1?: boolean;
  /** Only teachers post and share (`--students-read-only`). */
  studentsReadOnly?: boolean;
  /** The teacher key that `admin` logins prove; absent: no teacher clients. */
  adminKey?: string;
  /** Removes a shared file by id for `/delete`; the removed record or undefined. */
  deleteFile?: (id: string) => RoomFile | undefined;
  /** Failed password or key attempts per address before a wait (default 5; one more per 10 s). */
  attempts?: number;
}

/** What the chat server gives the room for each connection. */
export interface MemberHandle {
  /** Peer IP address. */
  ip: string;
  /** Peer TCP port (names nameless v1 users). */
  port: number;
  /**
   * Queues encoded frame bytes, in order; one frame may arrive in several calls
   * (a welcome or a `who` list is sent as a header and cached pieces). Returns
   * false when the peer's queue overflowed.
   */
  send(bytes: Uint8Array): boolean;
  /** Flushes what is queued and closes the connection. Called once. */
  close(reason: string): void;
}

/** A member of the call as the relay sees it; `clientId` is null for a v1 member not yet seen. */
export interface CallMemberRef {
  /** The member's chat name. */
  name: string;
  /** Media client id, or null for a v1 member whose first datagram has not arrived. */
  clientId: number | null;
  /** The video codec it receives (default `mjpeg`): the relay forwards only that kind to it. */
  video?: VideoCodec;
  /** The codecs it can send (default `["mjpeg"]`). */
  offer?: readonly VideoCodec[];
  /** Whether it takes part in audio. */
  audio?: boolean;
  /** Whether its microphone is muted (by itself or by the teacher): the relay drops its audio. */
  muted?: boolean;
}

/**
 * The one listener told whenever the call's membership changes (the media
 * relay, so it unbinds members that left at once instead of at its next tick).
 */
export type CallListener = () => void;
