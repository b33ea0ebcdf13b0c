/**
 * Streaming splitter of a concatenated JPEG byte stream (what `ffmpeg -f mjpeg`
 * writes on stdout) into whole JPEG frames.
 *
 * The scan is linear and keeps its state across chunks. It follows the JPEG
 * structure instead of looking for the first FF D9: marker segments are
 * skipped by their length, and inside entropy-coded data only FF followed by
 * something other than 00 (byte stuffing) or D0-D7 (restart markers) is a
 * marker. So an FF D9 inside a header segment (an embedded thumbnail, say)
 * does not cut a frame short. Garbage between frames is skipped and counted;
 * a frame that grows past `maxFrame` is dropped and counted without being
 * buffered further, and the splitter resynchronises on the next SOI.
 *
 * Pure: bytes in, frames out.
 *
 * @example
 * ```ts
 * import { MjpegSplitter } from "./mjpeg.ts";
 *
 * const splitter = new MjpegSplitter({ maxFrame: 60_000 });
 * const chunk = Uint8Array.of(0xff, 0xd8, 0xff, 0xd9); // the smallest "JPEG": SOI, EOI
 * for (const frame of splitter.push(chunk)) console.log(frame.length); // 4
 * ```
 *
 * @module
 */

/** Counters of a {@link MjpegSplitter}. */
export interface MjpegStats {
  /** Whole frames returned. */
  frames: number;
  /** Frames dropped because they grew past `maxFrame`. */
  oversized: number;
  /** Frames abandoned because their structure was broken. */
  broken: number;
  /** Bytes skipped outside frames. */
  garbageBytes: number;
}

/** Default largest frame: 8 MiB. */
export const DEFAULT_MAX_FRAME = 8 * 1024 * 1024;

const enum State {
  /** Outside a frame, looking for FF. */
  Seek,
  /** Outside a frame, saw FF, looking for D8. */
  SeekFF,
  /** In the header, expecting the FF of the next marker. */
  Marker,
  /** Saw FF in the header: the next byte is a marker code. */
  MarkerCode,
  /** Reading the first byte of a segment length. */
  Len1,
  /** Reading the second byte of a segment length. */
  Len2,
  /** Skipping `skip` bytes of segment data. */
  Skip,
  /** Inside entropy-coded data. */
  Entropy,
  /** Inside entropy-coded data, after an FF. */
  EntropyFF,
  /** Dropping an oversized frame: looking for its end. */
  Discard,
  /** Dropping an oversized frame, after an FF. */
  DiscardFF,
}

/** Splits a byte stream into whole JPEG frames; see the module docs. */
export class MjpegSplitter {
  #max: number;
  #buf: Uint8Array;
  #len = 0;
  #state: State = State.Seek;
  #marker = 0;
  #segLen = 0;
  #skip = 0;
  #stats: MjpegStats = { frames: 0, oversized: 0, broken: 0, garbageBytes: 0 };

  /** `maxFrame`: largest frame kept, in bytes (default {@link DEFAULT_MAX_FRAME}). */
  constructor(options: { maxFrame?: number } = {}) {
    const max = options.maxFrame ?? DEFAULT_MAX_FRAME;
    if (!Number.isInteger(max) || max < 4) {
      throw new RangeError(`Largest frame must be an integer of at least 4 bytes: ${max}`);
    }
    this.#max = max;
    this.#buf = new Uint8Array(Math.min(max, 64 * 1024));
  }

  /** Counters so far (a copy). */
  get stats(): MjpegStats {
    return { ...this.#stats };
  }

  /** Feeds a chunk; returns the frames it completed (fresh copies, oldest first). */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.#state) {
        case State.Seek: {
          const at = chunk.indexOf(0xff, i);
          if (at < 0) {
            this.#stats.garbageBytes += n - i;
            i = n;
          } else {
            this.#stats.garbageBytes += at - i;
            i = at + 1;
            this.#state = State.SeekFF;
          }
          break;
        }
        case State.SeekFF: {
          const b = chunk[i++];
          if (b === 0xd8) {
            this.#len = 0;
            this.#append(0xff);
            this.#append(0xd8);
            this.#state = State.Marker;
          } else if (b !== 0xff) {
            this.#stats.garbageBytes += 2;
            this.#state = State.Seek;
          } else {
            this.#stats.garbageBytes += 1;
          }
          break;
        }
        case State.Marker: {
          const b = chunk[i++];
          if (b === 0xff) {
            if (this.#keep(b)) this.#state = State.MarkerCode;
          } else {
            this.#breakFrame(1);
          }
          break;
        }
        case State.MarkerCode: {
          const b = chunk[i++];
          if (!this.#keep(b)) break;
          this.#onMarker(b, out);
          break;
        }
        case State.Len1: {
          const b = chunk[i++];
          if (!this.#keep(b)) break;
          this.#segLen = b << 8;
          this.#state = State.Len2;
          break;
        }
        case State.Len2: {
          const b = chunk[i++];
          if (!this.#keep(b)) break;
          this.#segLen |= b;
          if (this.#segLen < 2) {
            this.#breakFrame(0);
            break;
          }
          this.#skip = this.#segLen - 2;
          this.#state = this.#skip > 0 ? State.Skip : this.#afterSegment();
          break;
        }
        case State.Skip: {
          const take = Math.min(this.#skip, n - i);
          if (!this.#keepRange(chunk, i, take)) {
            i += take;
            break;
          }
          i += take;
          this.#skip -= take;
          if (this.#skip === 0) this.#state = this.#afterSegment();
          break;
        }
        case State.Entropy: {
          const at = chunk.indexOf(0xff, i);
          const end = at < 0 ? n : at + 1;
          if (!this.#keepRange(chunk, i, end - i)) {
            i = end;
            break;
          }
          i = end;
          if (at >= 0) this.#state = State.EntropyFF;
          break;
        }
        case State.EntropyFF: {
          const b = chunk[i++];
          if (!this.#keep(b)) break;
          if (b === 0x00 || (b >= 0xd0 && b <= 0xd7)) this.#state = State.Entropy;
          else if (b !== 0xff) this.#onMarker(b, out);
          break;
        }
        case State.Discard: {
          const at = chunk.indexOf(0xff, i);
          if (at < 0) i = n;
          else {
            i = at + 1;
            this.#state = State.DiscardFF;
          }
          break;
        }
        case State.DiscardFF: {
          const b = chunk[i++];
          if (b === 0xd9) this.#state = State.Seek;
          else if (b === 0xd8) {
            // A new frame began before the oversized one ended.
            this.#len = 0;
            this.#append(0xff);
            this.#append(0xd8);
            this.#state = State.Marker;
          } else if (b !== 0xff) this.#state = State.Discard;
          break;
        }
      }
    }
    return out;
  }

  /** Handles a marker code read after FF inside a frame. */
  #onMarker(code: number, out: Uint8Array[]): void {
    if (code === 0xd9) {
      out.push(this.#buf.slice(0, this.#len));
      this.#stats.frames++;
      this.#len = 0;
      this.#state = State.Seek;
    } else if (code === 0xd8) {
      // SOI inside a frame: the previous one was cut; start over from here.
      this.#stats.broken++;
      this.#len = 0;
      this.#append(0xff);
      this.#append(0xd8);
      this.#state = State.Marker;
    } else if (code === 0xff) {
      this.#state = State.MarkerCode; // fill byte
    } else if (code === 0x01 || (code >= 0xd0 && code <= 0xd7)) {
      this.#state = State.Marker; // standalone marker, no length
    } else if (code === 0x00) {
      this.#breakFrame(0);
    } else {
      this.#marker = code;
      this.#state = State.Len1;
    }
  }

  #afterSegment(): State {
    return this.#marker === 0xda ? State.Entropy : State.Marker;
  }

  /** Abandons a structurally broken frame and goes back to seeking. */
  #breakFrame(extraGarbage: number): void {
    this.#stats.broken++;
    this.#stats.garbageBytes += this.#len + extraGarbage;
    this.#len = 0;
    this.#state = State.Seek;
  }

  /** Appends one byte of the current frame; false (and discard mode) when over the cap. */
  #keep(b: number): boolean {
    if (this.#len + 1 > this.#max) {
      this.#overflow();
      return false;
    }
    this.#append(b);
    return true;
  }

  #keepRange(chunk: Uint8Array, from: number, count: number): boolean {
    if (this.#len + count > this.#max) {
      this.#overflow();
      // The bytes just refused may hold the end marker; rescan them in discard mode
      // only as far as needed: an FF at the last position is handled by DiscardFF.
      const last = chunk[from + count - 1];
      if (last === 0xff) this.#state = State.DiscardFF;
      return false;
    }
    this.#grow(this.#len + count);
    this.#buf.set(chunk.subarray(from, from + count), this.#len);
    this.#len += count;
    return true;
  }

  #overflow(): void {
    this.#stats.oversized++;
    this.#len = 0;
    this.#state = State.Discard;
  }

  #append(b: number): void {
    this.#grow(this.#len + 1);
    this.#buf[this.#len++] = b;
  }

  #grow(need: number): void {
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(Math.min(size, this.#max));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }
}
