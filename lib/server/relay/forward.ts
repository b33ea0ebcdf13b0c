/**
 * Who gets a copy of an accepted media datagram (PROTOCOL.md 5.5), free of
 * sockets and of the relay's bookkeeping: the bindings as the relay keeps
 * them, the per-kind rules, the v1 byte budget and the translation between
 * v1 and v2 datagrams (each built once per frame).
 *
 * @module
 */

import type { VideoCodec } from "../../protocol/call_codecs.ts";
import {
  encodeMediaPacket,
  encodeV1Packet,
  MediaKind,
  V1_HEADER_SIZE,
} from "../../protocol/media_packet.ts";
import type { TokenBucket } from "../../protocol/token_bucket.ts";
import type { Outgoing, RelayAddress } from "./types.ts";

/**
 * A v1 address receives at most this many times the bytes it sent (it cannot
 * authenticate, so this bounds what a spoofed source can draw to a victim).
 */
export const V1_AMPLIFICATION = 20;
/** Most bytes a v1 binding may have banked, whatever it sent. */
export const V1_BUDGET_CAP = 4 * 1024 * 1024;

/** A bound member of the call: where it is, who it is, what it receives, its counters. */
export interface Binding {
  key: string;
  address: RelayAddress;
  name: string;
  clientId: number;
  protocol: 1 | 2;
  /** v2 only: the media token, re-checked on every datagram. */
  token: string;
  lastSeen: number;
  /** Video frames allowed: `maxFps` per second, bursts of one second's worth. */
  bucket: TokenBucket;
  /** H.264 frames allowed, counted apart from MJPEG (a sender may send both). */
  h264Bucket: TokenBucket;
  /** Audio packets allowed: `maxAudioRate` per second, bursts of one second's worth. */
  audioBucket: TokenBucket;
  /** The video codec this member receives. */
  receives: VideoCodec;
  /** Whether this member sends H.264 (else its MJPEG also goes to H.264 receivers). */
  sendsH264: boolean;
  /** Whether the room has this member's microphone muted: its audio is dropped. */
  muted: boolean;
  /** v1 only: bytes the relay may still send to this address (refilled by what it sends). */
  budget: number;
  framesIn: number;
  framesOut: number;
  /** v1 only: sequence counter of the v2 datagrams translated from this sender. */
  seqOut: number;
}

/**
 * A fresh binding of `who` at `now`, with its rate limits; it receives MJPEG
 * and has no v1 budget until told otherwise.
 */
export function newBinding(
  who: Pick<Binding, "key" | "address" | "name" | "clientId" | "protocol" | "token">,
  now: number,
  buckets: { video: TokenBucket; h264: TokenBucket; audio: TokenBucket },
): Binding {
  return {
    ...who,
    address: { hostname: who.address.hostname, port: who.address.port },
    lastSeen: now,
    bucket: buckets.video,
    h264Bucket: buckets.h264,
    audioBucket: buckets.audio,
    receives: "mjpeg",
    sendsH264: false,
    muted: false,
    budget: 0,
    framesIn: 0,
    framesOut: 0,
    seqOut: 0,
  };
}

/** What one forwarding produced: the datagrams and the counts the relay keeps. */
export interface Forwarded {
  out: Outgoing[];
  /** Copies sent (one per destination). */
  copies: number;
  /** Copies not sent to v1 addresses over their byte budget. */
  budgetDrops: number;
  /** Whether this was a video frame (counted in the relay's `frames`). */
  frame: boolean;
}

/** Whether a frame of `kind` from `sender` goes to the v2 member `b`. */
export function wants(b: Binding, sender: Binding, kind: MediaKind): boolean {
  if (kind === MediaKind.H264) return b.receives === "h264";
  return b.receives === "mjpeg" || !sender.sendsH264;
}

/**
 * A video frame (`video` or `h264`) from `sender` to every other binding that
 * takes it. `v2Bytes`/`v1Bytes` are the received datagram when it can go out
 * unchanged; otherwise the translation is built once from `frame`.
 */
export function forwardFrame(
  sender: Binding,
  kind: MediaKind,
  bindings: Iterable<Binding>,
  v2Bytes: Uint8Array | null,
  v1Bytes: Uint8Array | null,
  frame: Uint8Array,
): Forwarded {
  sender.framesIn++;
  const v2To: RelayAddress[] = [];
  const v1To: RelayAddress[] = [];
  const v1Size = V1_HEADER_SIZE + frame.length;
  let budgetDrops = 0;
  for (const b of bindings) {
    if (b === sender) continue;
    if (b.protocol === 2) {
      if (!wants(b, sender, kind)) continue;
      v2To.push(b.address);
    } else {
      if (kind !== MediaKind.Video) continue;
      if (b.budget < v1Size) {
        budgetDrops++;
        continue;
      }
      b.budget -= v1Size;
      v1To.push(b.address);
    }
    b.framesOut++;
  }
  const out: Outgoing[] = [];
  if (v2To.length > 0) {
    v2Bytes ??= encodeMediaPacket({
      kind: MediaKind.Video,
      clientId: sender.clientId,
      seq: sender.seqOut++,
      ts: sender.lastSeen,
      payload: frame,
    });
    out.push({ bytes: v2Bytes, to: v2To });
  }
  if (v1To.length > 0) {
    v1Bytes ??= encodeV1Packet(sender.clientId, frame);
    out.push({ bytes: v1Bytes, to: v1To });
  }
  return { out, copies: v2To.length + v1To.length, budgetDrops, frame: true };
}

/** An audio packet, unchanged, to every other bound v2 member (v1 has no audio). */
export function forwardAudio(
  sender: Binding,
  bindings: Iterable<Binding>,
  bytes: Uint8Array,
): Forwarded {
  const to: RelayAddress[] = [];
  for (const b of bindings) {
    if (b !== sender && b.protocol === 2) to.push(b.address);
  }
  const out = to.length === 0 ? [] : [{ bytes, to }];
  return { out, copies: to.length, budgetDrops: 0, frame: false };
}
