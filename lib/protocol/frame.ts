/**
 * Frame codec shared by every TCP port of PC3 (chat 9009, files 9010).
 *
 * A frame is a 4-byte unsigned big-endian length `N` followed by `N` bytes of
 * UTF-8 JSON holding one object. This is the framing of the original (v1)
 * program, kept so its clients keep working; unlike the original, every length
 * is capped before anything is allocated for it.
 *
 * This module never touches sockets: it takes and returns bytes.
 *
 * @module
 */

import { utf8Length } from "./utf8.ts";

/** Bytes taken by the length prefix of every frame. */
export const HEADER_BYTES = 4;

/** Default cap on one frame's JSON payload: 64 KiB. */
export const DEFAULT_MAX_FRAME = 64 * 1024;

/** Largest buffer a drained {@link FrameDecoder} keeps for the next chunks. */
const KEEP_BUFFER = 4 * 1024;

/** A JSON object received from a peer, before validation. */
export type Message = Record<string, unknown>;

/** Machine codes of {@link ProtocolError} (see PROTOCOL.md). */
export type ProtocolErrorCode = "bad_utf8" | "bad_json" | "bad_message" | "frame_too_large";

/**
 * A protocol violation with a stable machine `code` (see PROTOCOL.md) and a
 * human message. `fatal` says whether the connection must be closed because
 * the byte stream can no longer be trusted. For `frame_too_large`, `size` is
 * the declared length and `limit` the cap it passed.
 */
export class ProtocolError extends Error {
  override name = "ProtocolError";
  readonly code: ProtocolErrorCode;
  readonly fatal: boolean;
  /** Declared frame length, for `frame_too_large`. */
  readonly size?: number;
  /** The cap on frame length, for `frame_too_large`. */
  readonly limit?: number;
  constructor(
    code: ProtocolErrorCode,
    message: string,
    options: { fatal?: boolean; cause?: unknown; size?: number; limit?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.fatal = options.fatal ?? false;
    if (options.size !== undefined) this.size = options.size;
    if (options.limit !== undefined) this.limit = options.limit;
  }
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Encodes one message as a complete frame (length prefix included).
 * Encode once and hand the same bytes to every recipient of a broadcast.
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./frame.ts";
 * const bytes = encodeFrame({ type: "message", text: "hola" });
 * ```
 */
export function encodeFrame(message: Message): Uint8Array {
  const text = JSON.stringify(message);
  // Counting first lets the JSON be encoded straight into the frame: one
  // buffer per frame, not two (a welcome for 1000 members is ~60 KB).
  const length = utf8Length(text);
  const frame = new Uint8Array(HEADER_BYTES + length);
  frame[0] = length >>> 24;
  frame[1] = (length >>> 16) & 0xff;
  frame[2] = (length >>> 8) & 0xff;
  frame[3] = length & 0xff;
  encoder.encodeInto(text, frame.subarray(HEADER_BYTES));
  return frame;
}

/**
 * Decodes a frame payload into a JSON object.
 *
 * Throws a non-fatal {@link ProtocolError} with code `bad_utf8`, `bad_json`
 * or `bad_message` (valid JSON that is not an object): the frame boundary is
 * still known, so the connection may go on.
 */
export function decodeMessage(payload: Uint8Array): Message {
  let text: string;
  try {
    text = strictDecoder.decode(payload);
  } catch (cause) {
    throw new ProtocolError("bad_utf8", "Frame is not valid UTF-8", { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ProtocolError("bad_json", "Frame is not valid JSON", { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProtocolError("bad_message", "Frame must hold a JSON object");
  }
  return value as Message;
}

/**
 * Incremental frame splitter: a small state machine fed with whatever chunks
 * the socket hands out, one byte at a time or megabytes at once.
 *
 * Call {@link push} with each chunk, then {@link next} until it returns
 * `null`. Payloads are views into an internal buffer, valid until the next
 * `push`; decode or copy them before pushing again. After a header frame on
 * the file port, {@link takeRest} hands back the bytes that already followed
 * it (the start of a raw upload).
 *
 * A declared length over `maxFrame` throws a fatal {@link ProtocolError}
 * (`frame_too_large`) before anything is allocated for it.
 */
export class FrameDecoder {
  readonly maxFrame: number;
  #buf: Uint8Array = new Uint8Array(0);
  #start = 0;
  #end = 0;

  constructor(options: { maxFrame?: number } = {}) {
    this.maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
  }

  /** Bytes received and not yet handed out. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Appends a chunk. Copies only what must outlive the caller's buffer. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const pending = this.#end - this.#start;
    if (pending === 0 && this.#buf.length < chunk.length) {
      // Nothing pending: adopt a copy sized to the chunk (callers reuse buffers).
      this.#buf = chunk.slice();
      this.#start = 0;
      this.#end = chunk.length;
      return;
    }
    if (this.#buf.length - this.#end < chunk.length) {
      const needed = pending + chunk.length;
      if (this.#buf.length >= needed && this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        const grown = new Uint8Array(Math.max(needed, this.#buf.length * 2));
        grown.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = grown;
      }
      this.#start = 0;
      this.#end = pending;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** The next complete payload, or `null` until more bytes arrive. */
  next(): Uint8Array | null {
    const pending = this.#end - this.#start;
    if (pending < HEADER_BYTES) return null;
    const b = this.#buf;
    const s = this.#start;
    const length = ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0;
    if (length > this.maxFrame) {
      throw new ProtocolError(
        "frame_too_large",
        `Frame too large: ${length} bytes (limit ${this.maxFrame})`,
        { fatal: true, size: length, limit: this.maxFrame },
      );
    }
    if (pending < HEADER_BYTES + length) return null;
    const payload = b.subarray(s + HEADER_BYTES, s + HEADER_BYTES + length);
    this.#start += HEADER_BYTES + length;
    if (this.#start === this.#end) {
      this.#start = this.#end = 0;
      // Drained: let go of a buffer grown for a big frame (the payload view
      // keeps it alive as long as the caller needs it).
      if (this.#buf.length > KEEP_BUFFER) this.#buf = new Uint8Array(0);
    }
    return payload;
  }

  /** Removes and returns every buffered byte (a copy), leaving the decoder empty. */
  takeRest(): Uint8Array {
    const rest = this.#buf.slice(this.#start, this.#end);
    this.#start = this.#end = 0;
    return rest;
  }
}
