/**
 * Wire records ↔ typed values: the one place where the protocol's snake_case
 * field names (`file_id`, `in_call`, `client_id`, `media_port`…) meet the
 * camelCase the programs use.
 *
 * Decoders are lenient, as PROTOCOL.md asks of a reader: a field of the wrong
 * type takes a default instead of failing the whole frame, unknown fields are
 * ignored. Encoders write exactly the fields PROTOCOL.md documents, so the
 * server can build its frames with them and a round trip keeps every value.
 *
 * Pure functions on decoded JSON objects: no bytes, no sockets (frames are
 * lib/protocol/frame.ts).
 *
 * @example
 * ```ts
 * import { decodeSharedFile, encodeSharedFile } from "./wire.ts";
 * const file = decodeSharedFile({ file_id: "k3f9ab", filename: "a.mp4", size: 5 });
 * file.fileId; // "k3f9ab"
 * encodeSharedFile(file).file_id; // "k3f9ab"
 * ```
 *
 * @module
 */

import { DEFAULT_MAX_FRAME, type Message } from "./frame.ts";
import { DEFAULT_MAX_MESSAGE } from "./limits.ts";

/** A chat member as listed by `welcome` and `who`. */
export interface Member {
  name: string;
  /** When the member joined, Unix ms. */
  since: number;
  /** 1 for a v1 client, 2 for a v2 client. */
  protocol: number;
  inCall: boolean;
  /** Its connection was lost and the server awaits it (PROTOCOL.md 2.6); absent: false. */
  reconnecting?: boolean;
}

/** A shared file as listed by `welcome`, `files` and `file_available`. */
export interface SharedFile {
  fileId: string;
  filename: string;
  size: number;
  sha256: string;
  from: string;
  /** When it was shared, Unix ms. */
  ts: number;
}

/** A member of the call and its media id (`null` for a v1 member not seen yet). */
export interface CallPeer {
  name: string;
  clientId: number | null;
  /** The video codec it receives (`h264` or `mjpeg`), when the server says. */
  video?: string;
  /** Whether it takes part in audio, when the server says. */
  audio?: boolean;
  /** Whether its microphone is muted, when the server says. */
  muted?: boolean;
}

/** What the server says in its `welcome` (PROTOCOL.md section 2). */
export interface Welcome {
  name: string;
  token: string;
  server: string;
  filePort: number | null;
  mediaPort: number | null;
  maxMessage: number;
  maxFrame: number;
  maxUpload: number;
  members: Member[];
  /** The newest shared files (a bounded list, PROTOCOL.md 2.2). */
  files: SharedFile[];
  /** How many files are shared in all (`files_total`; `files.length` from older servers). */
  filesTotal?: number;
  call: CallPeer[];
}

/** A string field, or `fallback`. */
export function readString(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

/** A finite number field, or `fallback`. */
export function readNumber(value: unknown, fallback = 0): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** A port field (integer 1-65535), or `null`. */
export function readPort(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value < 65536
    ? value
    : null;
}

/** The objects of an array field; anything else (or a non-array) is dropped. */
export function readObjects(value: unknown): Message[] {
  return Array.isArray(value)
    ? value.filter((x): x is Message => typeof x === "object" && x !== null && !Array.isArray(x))
    : [];
}

/** Reads one member entry. */
export function decodeMember(m: Message): Member {
  return {
    name: readString(m.name, "?"),
    since: readNumber(m.since),
    protocol: readNumber(m.protocol, 2),
    inCall: m.in_call === true,
    ...(m.reconnecting === true ? { reconnecting: true } : {}),
  };
}

/** Writes one member entry. */
export function encodeMember(member: Member): Message {
  return {
    name: member.name,
    since: member.since,
    protocol: member.protocol,
    in_call: member.inCall,
    ...(member.reconnecting === true ? { reconnecting: true } : {}),
  };
}

/** Reads one shared file entry; `fileId` is `""` when the entry has none. */
export function decodeSharedFile(m: Message): SharedFile {
  return {
    fileId: readString(m.file_id),
    filename: readString(m.filename, "?"),
    size: readNumber(m.size),
    sha256: readString(m.sha256),
    from: readString(m.from, "?"),
    ts: readNumber(m.ts),
  };
}

/** Writes one shared file entry (the fields `file_available` also carries). */
export function encodeSharedFile(file: SharedFile): Message {
  return {
    file_id: file.fileId,
    filename: file.filename,
    size: file.size,
    sha256: file.sha256,
    from: file.from,
    ts: file.ts,
  };
}

/** Reads a list of shared files, dropping entries without an id. */
export function decodeSharedFiles(value: unknown): SharedFile[] {
  return readObjects(value).map(decodeSharedFile).filter((f) => f.fileId !== "");
}

/** Reads one call member entry; a missing or non-integer `client_id` is `null`. */
export function decodeCallPeer(m: Message): CallPeer {
  const id = m.client_id;
  const peer: CallPeer = {
    name: readString(m.name, "?"),
    clientId: typeof id === "number" && Number.isInteger(id) ? id : null,
  };
  if (typeof m.video === "string") peer.video = m.video;
  if (typeof m.audio === "boolean") peer.audio = m.audio;
  if (typeof m.muted === "boolean") peer.muted = m.muted;
  return peer;
}

/** Writes one call member entry. */
export function encodeCallPeer(peer: CallPeer): Message {
  return { name: peer.name, client_id: peer.clientId };
}

/**
 * Reads a `welcome` frame. Missing limits take the protocol defaults; throws a
 * `TypeError` when the required `name` or `token` is missing.
 *
 * @example
 * ```ts
 * import { decodeWelcome } from "./wire.ts";
 * const w = decodeWelcome({ type: "welcome", name: "Ana", token: "ab", file_port: 9010 });
 * w.filePort; // 9010
 * w.maxMessage; // 4096
 * ```
 */
export function decodeWelcome(m: Message): Welcome {
  if (typeof m.name !== "string" || typeof m.token !== "string") {
    throw new TypeError(`Welcome without name or token: ${JSON.stringify(m).slice(0, 200)}`);
  }
  const limits = (typeof m.limits === "object" && m.limits !== null ? m.limits : {}) as Message;
  const filesTotal = readCount(m.files_total);
  return {
    name: m.name,
    token: m.token,
    server: readString(m.server),
    filePort: readPort(m.file_port),
    mediaPort: readPort(m.media_port),
    maxMessage: readNumber(limits.max_message, DEFAULT_MAX_MESSAGE),
    maxFrame: readNumber(limits.max_frame, DEFAULT_MAX_FRAME),
    maxUpload: readNumber(limits.max_upload, Number.MAX_SAFE_INTEGER),
    members: readObjects(m.members).map(decodeMember),
    files: decodeSharedFiles(m.files),
    ...(filesTotal === undefined ? {} : { filesTotal }),
    call: readObjects(m.call).map(decodeCallPeer),
  };
}

/** A non-negative integer field, or undefined. */
export function readCount(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Writes a `welcome` frame. `maxName` is the name limit the server announces
 * (clients do not keep it, so it is not part of {@link Welcome}).
 */
export function encodeWelcome(welcome: Welcome, options: { maxName: number }): Message {
  return {
    type: "welcome",
    version: 2,
    name: welcome.name,
    token: welcome.token,
    server: welcome.server,
    file_port: welcome.filePort,
    media_port: welcome.mediaPort,
    limits: {
      max_frame: welcome.maxFrame,
      max_message: welcome.maxMessage,
      max_name: options.maxName,
      max_upload: welcome.maxUpload,
    },
    members: welcome.members.map(encodeMember),
    files: welcome.files.map(encodeSharedFile),
    ...(welcome.filesTotal === undefined ? {} : { files_total: welcome.filesTotal }),
    call: welcome.call.map(encodeCallPeer),
  };
}
