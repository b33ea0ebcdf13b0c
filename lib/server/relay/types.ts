/**
 * The media relay's vocabulary: the room hooks it needs, its options, the
 * datagrams it returns, its drop reasons and counters. Types and constants only.
 *
 * @module
 */

import type { CallMemberRef } from "../room/types.ts";

export type { CallMemberRef } from "../room/types.ts";

/** An IP address and UDP port. */
export interface RelayAddress {
  hostname: string;
  port: number;
}

/** The hooks the relay needs from the room (implemented by lib/server/room/room.ts). */
export interface CallRoom {
  /**
   * Media token (32 hex) -> the call member it was issued to. When the room
   * also gives `ip` (the member's chat connection address), a register must
   * come from that IP address, so a member cannot point the call's video at
   * someone else's address by spoofing the source of its register.
   */
  callByToken(
    mediaToken: string,
  ): (CallMemberRef & { clientId: number; ip?: string }) | undefined;
  /** A v1 member of the call connected from that IP address. */
  callV1At(ip: string): CallMemberRef | undefined;
  /** Records a v1 member's media client id (the room announces it). */
  setV1ClientId(name: string, clientId: number): void;
  /** Removes a member from the call because its media went silent. */
  leaveCall(name: string, reason: "media_timeout"): void;
  /** Everyone in the call. */
  callMembers(): CallMemberRef[];
  /**
   * Registers the room's one call listener, called whenever the call's
   * membership changes, and returns the function that unregisters it. The
   * relay registers in its constructor and unregisters in `close()`. A room
   * without it is still served: the relay then notices leaves at its tick.
   */
  watchCall?(listener: () => void): () => void;
}

/** Options of {@link Relay}. */
export interface RelayOptions {
  /** Whether v1 datagrams are accepted (server flag `--v1-media`). */
  acceptV1: boolean;
  /** Largest datagram accepted, in bytes (default and ceiling 60,000). */
  maxDatagram?: number;
  /** Video frames per second accepted from one sender (default 60). */
  maxFps?: number;
  /** Audio packets per second accepted from one sender (default 100, bursts of 100). */
  maxAudioRate?: number;
  /** A binding silent this long is forgotten, in ms (default 10,000). */
  silenceMs?: number;
}

/** Datagrams to send: the same bytes to every address in `to`. */
export interface Outgoing {
  bytes: Uint8Array;
  to: RelayAddress[];
}

/** Why the relay dropped a datagram (keys of {@link RelayStats.dropped}). */
export type RelayDropReason =
  | "too_large"
  | "malformed"
  | "unregistered"
  | "bad_token"
  | "spoofed"
  | "not_in_call"
  | "rate_limited"
  | "v1_refused"
  | "v1_not_in_call"
  | "unexpected_kind"
  | "replayed"
  | "v1_budget"
  | "muted";

/** Every drop reason, in the order stats print them. */
export const DROP_REASONS: readonly RelayDropReason[] = [
  "too_large",
  "malformed",
  "unregistered",
  "bad_token",
  "spoofed",
  "not_in_call",
  "rate_limited",
  "v1_refused",
  "v1_not_in_call",
  "unexpected_kind",
  "replayed",
  "v1_budget",
  "muted",
];

/** Per-member counters. */
export interface RelayMemberStats {
  name: string;
  clientId: number;
  protocol: 1 | 2;
  address: string;
  /** Video frames accepted from this member. */
  framesIn: number;
  /** Video frames sent to this member. */
  framesOut: number;
}

/** A snapshot of the relay's counters. */
export interface RelayStats {
  /** Datagrams received. */
  received: number;
  /** Datagrams sent (every copy counted, acks included). */
  sent: number;
  /** Video frames accepted for forwarding. */
  frames: number;
  /** Audio packets accepted for forwarding. */
  audio: number;
  /** Bindings forgotten after silence. */
  expired: number;
  /** Dropped datagrams per reason (every reason present, zero included). */
  dropped: Record<RelayDropReason, number>;
  /** Sum of `dropped`. */
  droppedTotal: number;
  /** Bound members, oldest binding first. */
  members: RelayMemberStats[];
}

/** Default per-sender video rate limit. */
export const DEFAULT_MAX_FPS = 60;
/** Default per-sender audio rate limit (Opus at 20 ms is 50 packets/s). */
export const DEFAULT_MAX_AUDIO_RATE = 100;
/** Default silence after which a binding is forgotten. */
export const DEFAULT_SILENCE_MS = 10_000;
