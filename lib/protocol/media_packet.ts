/**
 * Codec of the UDP media datagrams (PROTOCOL.md section 5).
 *
 * v2 datagram (ours), 16-byte header then payload:
 *
 * ```
 * off len field
 * 0   2   magic 0x50 0x33 ("P3")
 * 2   1   version = 2
 * 3   1   kind (see MediaKind)
 * 4   4   client_id u32 BE (the original sender's server-assigned id)
 * 8   4   seq u32 BE (per-sender counter)
 * 12  4   ts u32 BE (sender ms clock mod 2^32)
 * 16  ..  payload: register = 16 raw token bytes; video = one JPEG;
 *           audio = one Opus packet; h264 = flags byte + one Annex B access unit;
 *           others empty
 * ```
 *
 * v1 datagram (the original Python client): `room u32 BE | client_id u32 BE | JPEG`.
 *
 * Pure functions over bytes: no sockets, and decoding never throws on hostile
 * input; it returns a reason instead, which the relay counts.
 *
 * @module
 */

/** The two magic bytes opening every v2 datagram: "P3". */
export const MEDIA_MAGIC: Uint8Array = Uint8Array.of(0x50, 0x33);

/** Version byte of the datagrams this module writes. */
export const MEDIA_VERSION = 2;

/** Bytes of the v2 header. */
export const HEADER_SIZE = 16;

/** Bytes of the v1 header (room, client id). */
export const V1_HEADER_SIZE = 8;

/** Largest datagram accepted or produced, header included. */
export const MAX_DATAGRAM = 60_000;

/** Largest payload of a v2 datagram. */
export const MAX_PAYLOAD: number = MAX_DATAGRAM - HEADER_SIZE;

/** Raw bytes of a media token (32 hex characters on the chat port). */
export const TOKEN_BYTES = 16;

/** The room id v1 clients always use and the relay writes to v1 receivers. */
export const V1_ROOM = 1;

/** Datagram kinds of the v2 format. */
export const MediaKind = {
  /** Client -> relay: payload is the 16-byte media token. */
  Register: 1,
  /** Relay -> client: acknowledges a register; empty payload. */
  Registered: 2,
  /** One whole JPEG frame. */
  Video: 3,
  /** One Opus packet (48 kHz, mono, 20 ms), 1..{@link MAX_OPUS_PACKET} bytes. */
  Audio: 4,
  /** Client -> relay: keeps the binding alive; empty payload. */
  Keepalive: 5,
  /** Client -> relay: the client stops sending and receiving media; empty payload. */
  Bye: 6,
  /** One H.264 access unit: {@link H264_KEYFRAME} flags byte, then Annex B bytes. */
  H264: 7,
} as const;

/** Largest Opus packet (RFC 6716, 3.4): an audio payload over this is malformed. */
export const MAX_OPUS_PACKET = 1275;

/** Bit 0 of the flags byte opening an `h264` payload: the access unit is a keyframe. */
export const H264_KEYFRAME = 0x01;

/** One of the {@link MediaKind} values. */
export type MediaKind = typeof MediaKind[keyof typeof MediaKind];

/** A decoded v2 datagram. `payload` is a view into the input bytes. */
export interface MediaPacket {
  kind: MediaKind;
  clientId: number;
  seq: number;
  ts: number;
  payload: Uint8Array;
}

/** Fields given to {@link encodeMediaPacket}; `payload` defaults to empty. */
export interface MediaPacketInit {
  kind: MediaKind;
  clientId: number;
  seq: number;
  ts: number;
  payload?: Uint8Array;
}

/** A decoded v1 datagram. `payload` is a view into the input bytes (a JPEG). */
export interface V1Packet {
  room: number;
  clientId: number;
  payload: Uint8Array;
}

/**
 * Why a datagram was refused. The relay counts drops by these names.
 * - `too_large`: over {@link MAX_DATAGRAM}
 * - `too_short`: shorter than the header (or v1 with no image)
 * - `bad_magic`: does not start with "P3" (v2 decoder only)
 * - `bad_version`: version byte is not 2
 * - `bad_kind`: unknown kind
 * - `bad_payload`: payload does not suit the kind (register without 16 bytes,
 *   empty video, audio outside 1..1275 bytes, h264 without an access unit
 *   after its flags byte, bytes on an empty kind, v1 image that is not a JPEG)
 */
export type MediaDecodeError =
  | "too_large"
  | "too_short"
  | "bad_magic"
  | "bad_version"
  | "bad_kind"
  | "bad_payload";

/** Result of {@link decodeMediaPacket}. */
export type MediaDecodeResult =
  | { ok: true; packet: MediaPacket }
  | { ok: false; reason: MediaDecodeError };

/** Result of {@link decodeV1Packet}. */
export type V1DecodeResult =
  | { ok: true; packet: V1Packet }
  | { ok: false; reason: MediaDecodeError };

const KIND_MAX = MediaKind.H264;

function checkU32(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`${name} must be an unsigned 32-bit integer: ${value}`);
  }
}

/** Wraps any integer (such as `Date.now()`) to an unsigned 32-bit value. */
export function wrapU32(value: number): number {
  return Number.isFinite(value) ? Math.trunc(value) >>> 0 : 0;
}

/**
 * True when `bytes` look like a v2 datagram (they start with the magic).
 * v1 datagrams start with a room id of 1, so the two never collide.
 */
export function isV2Datagram(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === MEDIA_MAGIC[0] && bytes[1] === MEDIA_MAGIC[1];
}

/**
 * Encodes a v2 datagram. `seq` and `ts` are wrapped modulo 2^32, so
 * `ts: Date.now()` is fine. Throws a RangeError for a client id outside
 * u32, an unknown kind or a payload over {@link MAX_PAYLOAD}.
 *
 * @example
 * ```ts
 * import { encodeMediaPacket, MediaKind } from "./media_packet.ts";
 *
 * const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xd9);
 * const init = { kind: MediaKind.Video, clientId: 1000042, seq: 7, ts: Date.now(), payload: jpeg };
 * const bytes = encodeMediaPacket(init);
 * ```
 */
export function encodeMediaPacket(init: MediaPacketInit): Uint8Array {
  const payload = init.payload ?? new Uint8Array(0);
  if (!Number.isInteger(init.kind) || init.kind < 1 || init.kind > KIND_MAX) {
    throw new RangeError(`Unknown media kind: ${init.kind}`);
  }
  checkU32("Client id", init.clientId);
  if (payload.length > MAX_PAYLOAD) {
    throw new RangeError(`Media payload too large: ${payload.length} bytes (limit ${MAX_PAYLOAD})`);
  }
  const out = new Uint8Array(HEADER_SIZE + payload.length);
  const view = new DataView(out.buffer);
  out[0] = MEDIA_MAGIC[0];
  out[1] = MEDIA_MAGIC[1];
  out[2] = MEDIA_VERSION;
  out[3] = init.kind;
  view.setUint32(4, init.clientId);
  view.setUint32(8, wrapU32(init.seq));
  view.setUint32(12, wrapU32(init.ts));
  out.set(payload, HEADER_SIZE);
  return out;
}

/**
 * Decodes a v2 datagram. Never throws: hostile bytes give `{ ok: false, reason }`.
 * The payload is a view into `bytes` (no copy).
 */
export function decodeMediaPacket(bytes: Uint8Array): MediaDecodeResult {
  if (bytes.length > MAX_DATAGRAM) return { ok: false, reason: "too_large" };
  if (bytes.length < HEADER_SIZE) {
    return {
      ok: false,
      reason: isV2Datagram(bytes) || bytes.length < 2 ? "too_short" : "bad_magic",
    };
  }
  if (!isV2Datagram(bytes)) return { ok: false, reason: "bad_magic" };
  if (bytes[2] !== MEDIA_VERSION) return { ok: false, reason: "bad_version" };
  const kind = bytes[3];
  if (kind < 1 || kind > KIND_MAX) return { ok: false, reason: "bad_kind" };
  const payload = bytes.subarray(HEADER_SIZE);
  switch (kind) {
    case MediaKind.Register:
      if (payload.length !== TOKEN_BYTES) return { ok: false, reason: "bad_payload" };
      break;
    case MediaKind.Video:
      if (payload.length === 0) return { ok: false, reason: "bad_payload" };
      break;
    case MediaKind.Audio:
      if (payload.length === 0 || payload.length > MAX_OPUS_PACKET) {
        return { ok: false, reason: "bad_payload" };
      }
      break;
    case MediaKind.H264:
      if (payload.length < 2) return { ok: false, reason: "bad_payload" };
      break;
    default:
      if (payload.length !== 0) return { ok: false, reason: "bad_payload" };
  }
  return {
    ok: true,
    packet: {
      kind: kind as MediaKind,
      clientId: readU32(bytes, 4),
      seq: readU32(bytes, 8),
      ts: readU32(bytes, 12),
      payload,
    },
  };
}

/**
 * Builds a v1 datagram: `room | client_id | JPEG`. Throws a RangeError when
 * an id is outside u32 or the datagram would exceed {@link MAX_DATAGRAM}.
 */
export function encodeV1Packet(
  clientId: number,
  jpeg: Uint8Array,
  options: { room?: number } = {},
): Uint8Array {
  const room = options.room ?? V1_ROOM;
  checkU32("Room id", room);
  checkU32("Client id", clientId);
  if (V1_HEADER_SIZE + jpeg.length > MAX_DATAGRAM) {
    throw new RangeError(
      `Media payload too large: ${jpeg.length} bytes (limit ${MAX_DATAGRAM - V1_HEADER_SIZE})`,
    );
  }
  const out = new Uint8Array(V1_HEADER_SIZE + jpeg.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, room);
  view.setUint32(4, clientId);
  out.set(jpeg, V1_HEADER_SIZE);
  return out;
}

/**
 * Decodes a v1 datagram. The image must start with the JPEG start-of-image
 * marker (0xFF 0xD8), which keeps random noise and v2 datagrams out. Never
 * throws. The payload is a view into `bytes`.
 */
export function decodeV1Packet(bytes: Uint8Array): V1DecodeResult {
  if (bytes.length > MAX_DATAGRAM) return { ok: false, reason: "too_large" };
  if (bytes.length < V1_HEADER_SIZE + 2) return { ok: false, reason: "too_short" };
  if (bytes[V1_HEADER_SIZE] !== 0xff || bytes[V1_HEADER_SIZE + 1] !== 0xd8) {
    return { ok: false, reason: "bad_payload" };
  }
  return {
    ok: true,
    packet: {
      room: readU32(bytes, 0),
      clientId: readU32(bytes, 4),
      payload: bytes.subarray(V1_HEADER_SIZE),
    },
  };
}

/**
 * Converts a 32-hex-character media token (from `call_joined`) to its 16 raw
 * bytes. Throws a TypeError for anything else.
 */
export function tokenToBytes(hex: string): Uint8Array {
  if (typeof hex !== "string" || !/^[0-9a-fA-F]{32}$/.test(hex)) {
    throw new TypeError(`Media token must be 32 hex characters: ${String(hex).slice(0, 40)}`);
  }
  const out = new Uint8Array(TOKEN_BYTES);
  for (let i = 0; i < TOKEN_BYTES; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Converts 16 raw token bytes to the lowercase hex form used on the chat port. */
export function bytesToToken(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

/**
 * The payload of an `h264` datagram: the flags byte (keyframe bit) followed
 * by one access unit in Annex B form. Throws a RangeError for an empty unit.
 *
 * @example
 * ```ts
 * import { encodeH264Payload, MediaKind, encodeMediaPacket } from "./media_packet.ts";
 * const au = Uint8Array.of(0, 0, 0, 1, 0x65, 0x88);
 * const payload = encodeH264Payload(au, true);
 * encodeMediaPacket({ kind: MediaKind.H264, clientId: 1000001, seq: 0, ts: 0, payload });
 * ```
 */
export function encodeH264Payload(accessUnit: Uint8Array, keyframe: boolean): Uint8Array {
  if (accessUnit.length === 0) throw new RangeError("Empty H.264 access unit");
  const out = new Uint8Array(1 + accessUnit.length);
  out[0] = keyframe ? H264_KEYFRAME : 0;
  out.set(accessUnit, 1);
  return out;
}

/**
 * Splits the payload of a decoded `h264` datagram into its keyframe flag and
 * access unit (a view, no copy). Unknown flag bits are ignored.
 */
export function decodeH264Payload(
  payload: Uint8Array,
): { keyframe: boolean; accessUnit: Uint8Array } {
  return {
    keyframe: (payload[0] & H264_KEYFRAME) !== 0,
    accessUnit: payload.subarray(1),
  };
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}
