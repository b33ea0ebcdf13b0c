/**
 * One connection as the room sees it: the mutable {@link Member} record the
 * room's modules work on, and the {@link RoomConnection} facade the chat
 * server drives (frames in, socket events in, read-only state out).
 *
 * @module
 */

import type { TokenBucket } from "../../protocol/token_bucket.ts";
import type { LeaveReason, MemberHandle } from "./types.ts";

/**
 * Which timer fired: no hello in time, a v2 connection silent too long, or a
 * frame started and not finished in time (its `seconds`).
 */
export type TimeoutKind = "hello" | "idle" | "frame";

/** Where a {@link RoomConnection} sends what its socket reports (the room). */
export interface ConnectionEvents {
  /** One frame payload arrived. */
  payload(member: Member, bytes: Uint8Array): void;
  /** The socket ended or failed. */
  disconnect(member: Member, reason: "disconnect" | "slow_consumer"): void;
  /** No hello in time, a v2 connection silent too long, or a frame left unfinished. */
  timeout(member: Member, kind: TimeoutKind, seconds?: number): void;
  /** The peer declared a frame longer than the limit. */
  frameTooLarge(member: Member, size: number, limit: number): void;
}

/**
 * The room's record of one connection, from accept to close. Internal to the
 * room: its fields are written by the hello, request and leave logic only.
 */
export class Member {
  /** The chat server's callbacks for this connection. */
  readonly handle: MemberHandle;
  /** Frames allowed per second (the room's rate limit). */
  readonly bucket: TokenBucket;
  /** Final name after a successful hello. */
  name: string | null = null;
  /** 1 or 2 after the hello, null before. */
  protocol: 1 | 2 | null = null;
  /** Session token (v2 only). */
  token: string | null = null;
  /** When the hello succeeded (Unix ms). */
  since = 0;
  /** Set once the connection is closing; nothing is sent or handled after it. */
  closing: LeaveReason | null = null;
  /** Bad frames so far (too_many_errors past the limit). */
  errors = 0;
  /** Frames refused by the rate limit so far (flood past the limit). */
  refused = 0;
  /** Whether this connection's hello was charged to its address's join budget (flood.ts). */
  joinCharged = false;
  /** This member's `members` list entry out of the call, encoded once by `Members`. */
  listEntry: Uint8Array | null = null;
  /** The same entry with `in_call: true`, encoded the first time it is needed. */
  listEntryInCall: Uint8Array | null = null;

  /** A record for `handle`, rate-limited by `bucket`. */
  constructor(handle: MemberHandle, bucket: TokenBucket) {
    this.handle = handle;
    this.bucket = bucket;
  }

  /** Whether the hello succeeded and the connection is still a member. */
  get ready(): boolean {
    return this.name !== null && this.closing === null;
  }
}

/**
 * One connection as the chat server holds it. Created by `Room.connect()`;
 * the server feeds it frames and socket events and reads its state.
 */
export class RoomConnection {
  readonly #member: Member;
  readonly #events: ConnectionEvents;

  /** Wraps `member`; every event goes to `events` (the room). */
  constructor(member: Member, events: ConnectionEvents) {
    this.#member = member;
    this.#events = events;
  }

  /** The chat server's callbacks for this connection. */
  get handle(): MemberHandle {
    return this.#member.handle;
  }

  /** Final name after a successful hello, null before. */
  get name(): string | null {
    return this.#member.name;
  }

  /** 1 or 2 after the hello, null before. */
  get protocol(): 1 | 2 | null {
    return this.#member.protocol;
  }

  /** Session token (v2 only). */
  get token(): string | null {
    return this.#member.token;
  }

  /** When the hello succeeded (Unix ms). */
  get since(): number {
    return this.#member.since;
  }

  /** Why the connection is closing, or null while it is open. */
  get closing(): string | null {
    return this.#member.closing;
  }

  /** Whether the hello succeeded and the connection is still a member. */
  get ready(): boolean {
    return this.#member.ready;
  }

  /** Handles one frame payload from the peer. */
  receive(payload: Uint8Array): void {
    this.#events.payload(this.#member, payload);
  }

  /** The socket ended or failed (EOF, reset, queue overflow). */
  disconnect(reason: "disconnect" | "slow_consumer" = "disconnect"): void {
    this.#events.disconnect(this.#member, reason);
  }

  /**
   * A timer fired: no hello in time, a v2 connection silent too long, or a
   * frame started more than `seconds` ago and still incomplete.
   */
  timeout(kind: TimeoutKind, seconds?: number): void {
    this.#events.timeout(this.#member, kind, seconds);
  }

  /** The peer declared a frame longer than the limit: error and close. */
  frameTooLarge(size: number, limit: number): void {
    this.#events.frameTooLarge(this.#member, size, limit);
  }
}
