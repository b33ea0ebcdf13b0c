/**
 * Codec of the discovery and echo-probe datagrams (PROTOCOL.md section 8),
 * which share the media relay's UDP port with the call media.
 *
 * ```
 * off len field
 * 0   4   magic: "P3D?" query, "P3D!" answer, "P3D*" announcement,
 *                "P3E?" echo request, "P3E!" echo reply
 * 4   1   version = 1
 * 5   4   id u32 BE: chosen by the asker, echoed in the answer (0 in announcements)
 * 9   ..  query / echo request: padding (ignored); answer, announcement,
 *         echo reply: one UTF-8 JSON object
 * ```
 *
 * The third byte (`D` or `E`) is never a media version (media datagrams carry
 * `P3` then version 2, v1 ones start with 00 00 00 01), so the relay's socket
 * tells them apart from the first three bytes. A query must be at least
 * {@link QUERY_SIZE} bytes and an echo request at least {@link ECHO_SIZE}: the
 * server's reply is never longer than what it answers, so it cannot amplify.
 *
 * Pure: bytes in, typed values out; decoding never throws on hostile input.
 *
 * @example
 * ```ts
 * import { decodeDiscovery, encodeAnswer, encodeQuery } from "./discovery.ts";
 * const query = encodeQuery(7);
 * const info = { instance: "a1b2c3d4", room: "Aula 3", server: "pc-profe", version: "0.1.0",
 *   chatPort: 9009, filePort: 9010, mediaPort: 9020, members: 3, password: false };
 * const answer = encodeAnswer("answer", 7, info, query.length);
 * decodeDiscovery(answer); // { kind: "answer", id: 7, info: {...} }
 * ```
 *
 * @module
 */

/** Version byte of the datagrams this module writes and accepts. */
export const DISCOVERY_VERSION = 1;
/** Bytes before the body: magic (4), version (1), id (4). */
export const DISCOVERY_HEADER_SIZE = 9;
/** Size of a query, padding included; shorter queries are not answered. */
export const QUERY_SIZE = 256;
/** Size of an echo request, padding included; shorter requests are not answered. */
export const ECHO_SIZE = 128;
/** Largest discovery datagram accepted; longer ones are malformed. */
export const MAX_DISCOVERY_DATAGRAM = 1024;
/** Longest room or server name carried (code points); longer names are cut. */
export const MAX_INFO_NAME = 48;

/** What a server says about itself in an answer or an announcement. */
export interface ServerInfo {
  /** Random per server start (hex), so a server reached by two addresses is listed once. */
  instance: string;
  /** The room's name (`--room`). */
  room: string;
  /** The server machine's name. */
  server: string;
  /** PC3 version of the server. */
  version: string;
  /** Chat TCP port. */
  chatPort: number;
  /** File TCP port. */
  filePort: number;
  /** Media UDP port. */
  mediaPort: number;
  /** Members in the room now. */
  members: number;
  /** Whether joining needs a password. */
  password: boolean;
}

/** What the echo reply tells the prober. */
export interface EchoInfo {
  /** The prober's address and port as the server saw them (`"10.0.0.5:53122"`). */
  seen: string;
  /** Chat TCP port. */
  chatPort: number;
  /** File TCP port. */
  filePort: number;
  /** Media UDP port. */
  mediaPort: number;
  /** PC3 version of the server. */
  version: string;
}

/** A decoded discovery datagram. */
export type DiscoveryMessage =
  | { kind: "query"; id: number }
  | { kind: "answer" | "announce"; id: number; info: ServerInfo }
  | { kind: "echo_request"; id: number }
  | { kind: "echo_reply"; id: number; info: EchoInfo | null }
  | { kind: "malformed"; reason: string };

const MAGIC = {
  query: "P3D?",
  answer: "P3D!",
  announce: "P3D*",
  echo_request: "P3E?",
  echo_reply: "P3E!",
} as const;

type MagicKind = keyof typeof MAGIC;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Whether `bytes` is a discovery or echo datagram (`P3D`/`P3E` prefix), the
 * test the relay's socket makes before handing a datagram to the relay.
 */
export function isDiscoveryDatagram(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x50 && bytes[1] === 0x33 &&
    (bytes[2] === 0x44 || bytes[2] === 0x45);
}

function header(kind: MagicKind, id: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(encoder.encode(MAGIC[kind]), 0);
  out[4] = DISCOVERY_VERSION;
  new DataView(out.buffer).setUint32(5, id >>> 0);
  return out;
}

function withBody(kind: MagicKind, id: number, body: Uint8Array): Uint8Array {
  const out = header(kind, id, DISCOVERY_HEADER_SIZE + body.length);
  out.set(body, DISCOVERY_HEADER_SIZE);
  return out;
}

/** A query with request id `id`, padded to {@link QUERY_SIZE}. */
export function encodeQuery(id: number): Uint8Array {
  return header("query", id, QUERY_SIZE);
}

/** An echo request with request id `id`, padded to {@link ECHO_SIZE}. */
export function encodeEchoRequest(id: number): Uint8Array {
  return header("echo_request", id, ECHO_SIZE);
}

function cut(text: string, max: number): string {
  return [...text].slice(0, max).join("");
}

/**
 * An answer (to a query with `id`) or an announcement (`id` 0) that is never
 * longer than `limit` bytes: the names are shortened until it fits.
 */
export function encodeAnswer(
  kind: "answer" | "announce",
  id: number,
  info: ServerInfo,
  limit: number = QUERY_SIZE,
): Uint8Array {
  for (let max = MAX_INFO_NAME; max >= 0; max = max > 8 ? max - 8 : max - 1) {
    const body = encoder.encode(JSON.stringify({
      instance: info.instance,
      room: cut(info.room, max),
      server: cut(info.server, max),
      version: cut(info.version, 16),
      chat: info.chatPort,
      files: info.filePort,
      media: info.mediaPort,
      members: info.members,
      password: info.password,
    }));
    if (DISCOVERY_HEADER_SIZE + body.length <= limit) return withBody(kind, id, body);
  }
  throw new RangeError(`Answer cannot fit in ${limit} bytes`);
}

/**
 * The echo reply to request `id`, never longer than `limit` (the request's
 * size): when the information does not fit, only the header is sent.
 */
export function encodeEchoReply(id: number, info: EchoInfo, limit: number): Uint8Array {
  const body = encoder.encode(JSON.stringify({
    seen: info.seen,
    chat: info.chatPort,
    files: info.filePort,
    media: info.mediaPort,
    version: cut(info.version, 16),
  }));
  if (DISCOVERY_HEADER_SIZE + body.length <= limit) return withBody("echo_reply", id, body);
  return header("echo_reply", id, DISCOVERY_HEADER_SIZE);
}

function isPort(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535;
}

function isName(v: unknown, max = MAX_INFO_NAME): v is string {
  return typeof v === "string" && [...v].length <= max;
}

function parseBody(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    const value = JSON.parse(decoder.decode(bytes.subarray(DISCOVERY_HEADER_SIZE)));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

function decodeInfo(body: Record<string, unknown>): ServerInfo | null {
  const { instance, room, server, version, chat, files, media, members, password } = body;
  if (typeof instance !== "string" || !/^[0-9a-f]{1,32}$/.test(instance)) return null;
  if (!isName(room) || !isName(server) || !isName(version, 16)) return null;
  if (!isPort(chat) || !isPort(files) || !isPort(media)) return null;
  if (typeof members !== "number" || !Number.isInteger(members) || members < 0) return null;
  if (typeof password !== "boolean") return null;
  return {
    instance,
    room,
    server,
    version,
    chatPort: chat,
    filePort: files,
    mediaPort: media,
    members,
    password,
  };
}

function decodeEcho(body: Record<string, unknown>): EchoInfo | null {
  const { seen, chat, files, media, version } = body;
  if (!isName(seen, 64) || !isName(version, 16)) return null;
  if (!isPort(chat) || !isPort(files) || !isPort(media)) return null;
  return { seen, chatPort: chat, filePort: files, mediaPort: media, version };
}

function kindOf(bytes: Uint8Array): MagicKind | null {
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  for (const [kind, m] of Object.entries(MAGIC)) if (m === magic) return kind as MagicKind;
  return null;
}

/**
 * Decodes a discovery datagram. Returns `null` when `bytes` is not one at all
 * (see {@link isDiscoveryDatagram}) and `malformed` with a reason when it
 * claims to be one but breaks the format (short query, bad JSON, ...).
 */
export function decodeDiscovery(bytes: Uint8Array): DiscoveryMessage | null {
  if (!isDiscoveryDatagram(bytes)) return null;
  if (bytes.length < DISCOVERY_HEADER_SIZE) return { kind: "malformed", reason: "short" };
  if (bytes.length > MAX_DISCOVERY_DATAGRAM) return { kind: "malformed", reason: "too_large" };
  const kind = kindOf(bytes);
  if (kind === null) return { kind: "malformed", reason: "magic" };
  if (bytes[4] !== DISCOVERY_VERSION) return { kind: "malformed", reason: "version" };
  const id = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(5);
  switch (kind) {
    case "query":
      return bytes.length < QUERY_SIZE ? { kind: "malformed", reason: "short" } : { kind, id };
    case "echo_request":
      return bytes.length < ECHO_SIZE ? { kind: "malformed", reason: "short" } : { kind, id };
    case "echo_reply": {
      if (bytes.length === DISCOVERY_HEADER_SIZE) return { kind, id, info: null };
      const body = parseBody(bytes);
      const info = body === null ? null : decodeEcho(body);
      return info === null ? { kind: "malformed", reason: "body" } : { kind, id, info };
    }
    default: {
      const body = parseBody(bytes);
      const info = body === null ? null : decodeInfo(body);
      return info === null ? { kind: "malformed", reason: "body" } : { kind, id, info };
    }
  }
}
