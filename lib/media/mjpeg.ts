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
    while (i < chunk.length) {
      switch (this.#state) {
        case State.Seek:
        case State.SeekFF:
          i = this.#seek(chunk, i);
          break;
        case State.Marker:
        case State.MarkerCode:
        case State.Len1:
        case State.Len2:
          this.#header(chunk[i++], out);
          break;
        case State.Skip:
          i = this.#skipSegment(chunk, i);
          break;
        case State.Entropy:
        case State.EntropyFF:
          i = this.#entropy(chunk, i, out);
          break;
        case State.Discard:
        case State.DiscardFF:
          i = this.#discard(chunk, i);
          break;
      }
    }
    return out;
  }

  /** Outside a frame: skips garbage up to FF D8. Returns the next index. */
  #seek(chunk: Uint8Array, i: number): number {
    if (this.#state === State.Seek) {
      const at = chunk.indexOf(0xff, i);
      if (at < 0) {
        this.#stats.garbageBytes += chunk.length - i;
        return chunk.length;
      }
      this.#stats.garbageBytes += at - i;
      this.#state = State.SeekFF;
      return at + 1;
    }
    const b = chunk[i];
    if (b === 0xd8) {
      this.#startFrame();
    } else if (b !== 0xff) {
      this.#stats.garbageBytes += 2;
      this.#state = State.Seek;
    } else {
      this.#stats.garbageBytes += 1;
    }
    return i + 1;
  }

  /** One header byte: a marker's FF, its code, or a segment length byte. */
  #header(b: number, out: Uint8Array[]): void {
    if (this.#state === State.Marker) {
      if (b !== 0xff) this.#breakFrame(1);
      else if (this.#keep(b)) this.#state = State.MarkerCode;
      return;
    }
    if (!this.#keep(b)) return;
    if (this.#state === State.MarkerCode) {
      this.#onMarker(b, out);
    } else if (this.#state === State.Len1) {
      this.#segLen = b << 8;
      this.#state = State.Len2;
    } else {
      this.#segLen |= b;
      if (this.#segLen < 2) {
        this.#breakFrame(0);
        return;
      }
      this.#skip = this.#segLen - 2;
      this.#state = this.#skip > 0 ? State.Skip : this.#afterSegment();
    }
  }

  /** Keeps the data of a header segment. Returns the next index. */
  #skipSegment(chunk: Uint8Array, i: number): number {
    const take = Math.min(this.#skip, chunk.length - i);
    if (!this.#keepRange(chunk, i, take)) return i + take;
    this.#skip -= take;
    if (this.#skip === 0) this.#state = this.#afterSegment();
    return i + take;
  }

  /** Keeps entropy-coded data up to and including the next FF, then reads what follows it. */
  #entropy(chunk: Uint8Array, i: number, out: Uint8Array[]): number {
    if (this.#state === State.Entropy) {
      const at = chunk.indexOf(0xff, i);
      const end = at < 0 ? chunk.length : at + 1;
      if (this.#keepRange(chunk, i, end - i) && at >= 0) this.#state = State.EntropyFF;
      return end;
    }
    const b = chunk[i];
    if (!this.#keep(b)) return i + 1;
    if (b === 0x00 || (b >= 0xd0 && b <= 0xd7)) this.#state = State.Entropy;
    else if (b !== 0xff) this.#onMarker(b, out);
    return i + 1;
  }

  /** Drops an oversized frame up to its end (or the start of the next). */
  #discard(chunk: Uint8Array, i: number): number {
    if (this.#state === State.Discard) {
      const at = chunk.indexOf(0xff, i);
      if (at < 0) return chunk.length;
      this.#state = State.DiscardFF;
      return at + 1;
    }
    const b = chunk[i];
    if (b === 0xd9) this.#state = State.Seek;
    else if (b === 0xd8) this.#startFrame(); // a new frame began before the oversized one ended
    else if (b !== 0xff) this.#state = State.Discard;
    return i + 1;
  }

  /** Starts a frame with its SOI (FF D8) and reads its header. */
  #startFrame(): void {
    this.#len = 0;
    this.#append(0xff);
    this.#append(0xd8);
    this.#state = State.Marker;
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
      this.#startFrame();
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
