/**
 * Streaming reader of the FLV that ffmpeg writes for H.264 (`-f flv`), giving
 * one access unit per frame in Annex B form (start codes), ready for an
 * `h264` datagram (PROTOCOL.md 5.1).
 *
 * Why FLV: ffmpeg's raw `-f h264` output has no frame boundaries, so a frame
 * is only known to be complete when the next one starts (one frame of extra
 * latency). FLV wraps each frame in a tag with its length, so a frame is
 * handed on the moment its last byte arrives. The decoder configuration
 * (SPS and PPS) comes once, in the first tag; it is put in front of every
 * keyframe so a receiver can start at any keyframe.
 *
 * Pure: bytes in, access units out. Hostile or broken input never throws:
 * oversized tags are skipped and counted, and a stream that is not FLV is
 * refused once (`broken`).
 *
 * @example
 * ```ts
 * import { FlvH264Reader } from "./h264_flv.ts";
 * const reader = new FlvH264Reader({ maxFrame: 59_000 });
 * const units = reader.push(new Uint8Array(0)); // [] until whole tags arrive
 * ```
 *
 * @module
 */

import { concatBytes } from "../protocol/bytes.ts";

/** One frame: Annex B bytes and whether it is a keyframe (IDR, with SPS and PPS). */
export interface AccessUnit {
  bytes: Uint8Array;
  keyframe: boolean;
}

/** Counters of a {@link FlvH264Reader}. */
export interface FlvStats {
  /** Access units returned. */
  frames: number;
  /** Frames dropped because they were larger than `maxFrame`. */
  oversized: number;
  /** True once the stream proved not to be FLV (nothing more is read). */
  broken: boolean;
}

const START_CODE = Uint8Array.of(0, 0, 0, 1);
const FLV_HEADER = 9;
const TAG_HEADER = 11;
const PREVIOUS_SIZE = 4;
const VIDEO_TAG = 9;
const AVC_CODEC = 7;
/** nal_unit_type of a sequence parameter set. */
const NAL_SPS = 7;

/** Options of {@link FlvH264Reader}. */
export interface FlvOptions {
  /** Largest access unit handed on, in bytes; bigger frames are dropped and counted. */
  maxFrame: number;
}

/** See the module docs. */
export class FlvH264Reader {
  readonly #maxFrame: number;
  #buffer = new Uint8Array(0);
  #headerDone = false;
  /** Bytes of an oversized tag still to skip. */
  #skip = 0;
  #lengthSize = 4;
  #parameterSets: Uint8Array = new Uint8Array(0);
  #stats: FlvStats = { frames: 0, oversized: 0, broken: false };

  /** A reader dropping frames over `options.maxFrame` bytes. */
  constructor(options: FlvOptions) {
    this.#maxFrame = options.maxFrame;
  }

  /** Counters so far (a copy). */
  get stats(): FlvStats {
    return { ...this.#stats };
  }

  /** Adds bytes from ffmpeg and returns the access units completed by them. */
  push(chunk: Uint8Array): AccessUnit[] {
    if (this.#stats.broken) return [];
    if (this.#skip > 0) {
      const n = Math.min(this.#skip, chunk.length);
      this.#skip -= n;
      chunk = chunk.subarray(n);
    }
    this.#append(chunk);
    const out: AccessUnit[] = [];
    let at = 0;
    if (!this.#headerDone) {
      if (this.#buffer.length < FLV_HEADER + PREVIOUS_SIZE) return out;
      const b = this.#buffer;
      if (b[0] !== 0x46 || b[1] !== 0x4c || b[2] !== 0x56) {
        this.#stats.broken = true;
        this.#buffer = new Uint8Array(0);
        return out;
      }
      at = readU32(b, 5) + PREVIOUS_SIZE;
      this.#headerDone = true;
    }
    while (this.#buffer.length - at >= TAG_HEADER) {
      const size = readU24(this.#buffer, at + 1);
      const total = TAG_HEADER + size + PREVIOUS_SIZE;
      if (size > this.#maxFrame + 64) {
        // Far over the limit: skip it as it streams instead of buffering it.
        this.#stats.oversized++;
        const available = this.#buffer.length - at;
        if (available >= total) {
          at += total;
          continue;
        }
        this.#skip = total - available;
        at = this.#buffer.length;
        break;
      }
      if (this.#buffer.length - at < total) break;
      const type = this.#buffer[at] & 0x1f;
      const body = this.#buffer.subarray(at + TAG_HEADER, at + TAG_HEADER + size);
      if (type === VIDEO_TAG) this.#videoTag(body, out);
      at += total;
    }
    this.#buffer = this.#buffer.slice(at);
    return out;
  }

  #append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    this.#buffer = joined;
  }

  #videoTag(body: Uint8Array, out: AccessUnit[]): void {
    if (body.length < 5 || (body[0] & 0x0f) !== AVC_CODEC) return;
    const keyframe = (body[0] >> 4) === 1;
    const packetType = body[1];
    const data = body.subarray(5);
    if (packetType === 0) this.#configuration(data);
    else if (packetType === 1) this.#frame(data, keyframe, out);
  }

  /** AVCDecoderConfigurationRecord: the NAL length size, SPS and PPS. */
  #configuration(data: Uint8Array): void {
    if (data.length < 7) return;
    this.#lengthSize = (data[4] & 0x03) + 1;
    const sets: Uint8Array[] = [];
    let at = 5;
    for (const countMask of [0x1f, 0xff]) {
      if (at >= data.length) return;
      const count = data[at++] & countMask;
      for (let i = 0; i < count; i++) {
        if (at + 2 > data.length) return;
        const len = (data[at] << 8) | data[at + 1];
        at += 2;
        if (at + len > data.length) return;
        sets.push(START_CODE, data.subarray(at, at + len));
        at += len;
      }
    }
    this.#parameterSets = concatBytes(sets);
  }

  #frame(data: Uint8Array, keyframe: boolean, out: AccessUnit[]): void {
    const parts: Uint8Array[] = [];
    let hasSps = false;
    let at = 0;
    while (at + this.#lengthSize <= data.length) {
      let len = 0;
      for (let i = 0; i < this.#lengthSize; i++) len = len * 256 + data[at + i];
      at += this.#lengthSize;
      if (len === 0 || at + len > data.length) break;
      const nal = data.subarray(at, at + len);
      if ((nal[0] & 0x1f) === NAL_SPS) hasSps = true;
      parts.push(START_CODE, nal);
      at += len;
    }
    if (parts.length === 0) return;
    if (keyframe && !hasSps) parts.unshift(this.#parameterSets);
    const bytes = concatBytes(parts);
    if (bytes.length > this.#maxFrame) {
      this.#stats.oversized++;
      return;
    }
    this.#stats.frames++;
    out.push({ bytes, keyframe });
  }
}

function readU24(b: Uint8Array, at: number): number {
  return (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}
