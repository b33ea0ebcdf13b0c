/**
 * Ogg framing for Opus (RFC 3533, RFC 7845), just enough for calls: a writer
 * that wraps received Opus packets into Ogg pages for an ffmpeg that plays
 * them (the terminal view's sound: ffmpeg's Ogg demuxer is in every build,
 * and Opus packets carry no length of their own, so raw packets on a pipe
 * would lose their boundaries), and a streaming splitter that reads such a
 * stream back into packets (ffmpeg's `-f ogg` output; the tests check the
 * writer's pages and real ffmpeg output with it).
 *
 * The capture does not use Ogg: ffmpeg's Ogg muxer holds each page until the
 * next packet is encoded (20 ms of latency), so lib/media/audio_capture.ts
 * takes the packets as RTP datagrams instead.
 *
 * The splitter is a small state machine: it waits until a whole page header
 * and segment table have arrived, then the page body, and hands out packets
 * (a packet ends at the first lacing value below 255, possibly on a later
 * page). It skips the two header packets (`OpusHead`, `OpusTags`), resyncs on
 * the next `OggS` after garbage, and caps packets at {@link MAX_OPUS_PACKET}:
 * a longer one is dropped and counted, never buffered without bound.
 *
 * @example
 * ```ts
 * import { OggOpusSplitter, OggOpusWriter } from "./audio_ogg.ts";
 *
 * const writer = new OggOpusWriter({ serial: 7 });
 * const bytes = [writer.header(), writer.packet(Uint8Array.of(0xf8, 1, 2))];
 * const splitter = new OggOpusSplitter();
 * const packets = bytes.flatMap((b) => splitter.push(b));
 * console.log(packets.length); // 1: the headers are skipped
 * ```
 *
 * @module
 */

import { concatBytes } from "../protocol/bytes.ts";

/** Largest Opus packet (RFC 6716 section 3.4: 1275 bytes for one frame). */
export const MAX_OPUS_PACKET = 1275;

/** Bytes of an Ogg page header before the segment table. */
const PAGE_HEADER = 27;
/** "OggS" */
const CAPTURE = [0x4f, 0x67, 0x67, 0x53];

/** Counters of a {@link OggOpusSplitter}. */
export interface OggStats {
  /** Pages parsed. */
  pages: number;
  /** Opus audio packets handed out. */
  packets: number;
  /** Packets longer than {@link MAX_OPUS_PACKET}, dropped. */
  oversized: number;
  /** Bytes skipped while looking for a page start. */
  skipped: number;
  /** Pages whose CRC did not match, dropped. */
  badCrc: number;
}

/** CRC-32 of Ogg (polynomial 0x04c11db7, no reflection, init 0). */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = (r & 0x80000000) ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** The Ogg page checksum of `bytes` (with the CRC field zeroed by the caller). */
export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) {
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]) & 0xff]) >>> 0;
  }
  return crc;
}

/** Whether `packet` is an Opus header packet (`OpusHead` / `OpusTags`). */
function isOpusHeader(packet: Uint8Array): boolean {
  if (packet.length < 8) return false;
  const magic = String.fromCharCode(...packet.subarray(0, 8));
  return magic === "OpusHead" || magic === "OpusTags";
}

/** Splits an Ogg Opus byte stream into Opus audio packets; see the module docs. */
export class OggOpusSplitter {
  #buf: Uint8Array = new Uint8Array(0);
  #partial: Uint8Array[] = [];
  #partialLength = 0;
  #dropping = false;
  #stats: OggStats = { pages: 0, packets: 0, oversized: 0, skipped: 0, badCrc: 0 };

  /** Counters so far (a copy). */
  get stats(): OggStats {
    return { ...this.#stats };
  }

  /** Feeds bytes (any split); returns the whole audio packets they completed, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#buf = this.#buf.length === 0 ? chunk.slice() : concatBytes([this.#buf, chunk]);
    const out: Uint8Array[] = [];
    let at = 0;
    while (true) {
      const start = this.#findCapture(at);
      if (start < 0) {
        // Keep the last 3 bytes: they may be the start of "OggS".
        const keep = Math.max(at, this.#buf.length - 3);
        this.#stats.skipped += keep - at;
        at = keep;
        break;
      }
      this.#stats.skipped += start - at;
      at = start;
      const used = this.#page(at, out);
      if (used === 0) break; // incomplete page: wait for more
      at += used;
    }
    this.#buf = this.#buf.subarray(at);
    return out;
  }

  #findCapture(from: number): number {
    const b = this.#buf;
    for (let i = from; i + 4 <= b.length; i++) {
      if (
        b[i] === CAPTURE[0] && b[i + 1] === CAPTURE[1] && b[i + 2] === CAPTURE[2] &&
        b[i + 3] === CAPTURE[3]
      ) {
        return i;
      }
    }
    return -1;
  }

  /** Parses the page at `at`; returns its length, 0 when incomplete, 1 to skip a false start. */
  #page(at: number, out: Uint8Array[]): number {
    const b = this.#buf;
    if (b.length - at < PAGE_HEADER) return 0;
    if (b[at + 4] !== 0) {
      this.#stats.skipped++;
      return 1; // version must be 0: not a page start
    }
    const segments = b[at + 26];
    const tableEnd = at + PAGE_HEADER + segments;
    if (b.length < tableEnd) return 0;
    let bodyLength = 0;
    for (let i = at + PAGE_HEADER; i < tableEnd; i++) bodyLength += b[i];
    const end = tableEnd + bodyLength;
    if (b.length < end) return 0;
    if (!this.#crcMatches(at, end)) {
      this.#stats.badCrc++;
      this.#stats.skipped++;
      return 1;
    }
    this.#stats.pages++;
    const continued = (b[at + 5] & 0x01) !== 0;
    if (!continued) this.#resetPartial();
    let bodyAt = tableEnd;
    for (let i = at + PAGE_HEADER; i < tableEnd; i++) {
      const lace = b[i];
      this.#append(b.subarray(bodyAt, bodyAt + lace));
      bodyAt += lace;
      if (lace < 255) this.#finishPacket(out);
    }
    return end - at;
  }

  #crcMatches(at: number, end: number): boolean {
    const page = this.#buf.slice(at, end);
    const want = new DataView(page.buffer).getUint32(22, true);
    page.fill(0, 22, 26);
    return oggCrc(page) === want;
  }

  #append(piece: Uint8Array): void {
    if (this.#dropping) return;
    if (this.#partialLength + piece.length > MAX_OPUS_PACKET) {
      this.#dropping = true;
      this.#partial = [];
      this.#partialLength = 0;
      return;
    }
    if (piece.length > 0) this.#partial.push(piece.slice());
    this.#partialLength += piece.length;
  }

  #finishPacket(out: Uint8Array[]): void {
    if (this.#dropping) {
      this.#stats.oversized++;
    } else if (this.#partialLength > 0) {
      const packet = this.#partial.length === 1 ? this.#partial[0] : concatBytes(this.#partial);
      if (!isOpusHeader(packet)) {
        this.#stats.packets++;
        out.push(packet);
      }
    }
    this.#resetPartial();
  }

  #resetPartial(): void {
    this.#partial = [];
    this.#partialLength = 0;
    this.#dropping = false;
  }
}

/** Options of {@link OggOpusWriter}. */
export interface OggOpusWriterOptions {
  /** The logical stream's serial number. */
  serial: number;
  /** Samples per packet at 48 kHz (default 960 = 20 ms). */
  samplesPerPacket?: number;
}

/**
 * Writes Opus packets as an Ogg Opus stream (mono, 48 kHz): {@link header}
 * once, then one page per {@link packet}. Pure: returns bytes.
 */
export class OggOpusWriter {
  #serial: number;
  #samples: number;
  #pageSeq = 0;
  #granule = 0;

  constructor(options: OggOpusWriterOptions) {
    this.#serial = options.serial >>> 0;
    this.#samples = options.samplesPerPacket ?? 960;
  }

  /** The two header pages (`OpusHead`, then `OpusTags`). */
  header(): Uint8Array {
    const head = new Uint8Array(19);
    head.set(new TextEncoder().encode("OpusHead"));
    const v = new DataView(head.buffer);
    head[8] = 1; // version
    head[9] = 1; // channels
    v.setUint16(10, 312, true); // pre-skip (libopus' usual 6.5 ms)
    v.setUint32(12, 48_000, true); // input sample rate
    const vendor = new TextEncoder().encode("pc3");
    const tags = new Uint8Array(8 + 4 + vendor.length + 4);
    tags.set(new TextEncoder().encode("OpusTags"));
    const tv = new DataView(tags.buffer);
    tv.setUint32(8, vendor.length, true);
    tags.set(vendor, 12);
    return concatBytes([this.#page(head, 0x02, 0), this.#page(tags, 0x00, 0)]);
  }

  /** One page holding one Opus packet (1..{@link MAX_OPUS_PACKET} bytes, else a RangeError). */
  packet(opus: Uint8Array): Uint8Array {
    if (opus.length === 0 || opus.length > MAX_OPUS_PACKET) {
      throw new RangeError(`Opus packet size out of range: ${opus.length} bytes`);
    }
    this.#granule += this.#samples;
    return this.#page(opus, 0x00, this.#granule);
  }

  #page(body: Uint8Array, flags: number, granule: number): Uint8Array {
    const lacing: number[] = [];
    let left = body.length;
    while (left >= 255) {
      lacing.push(255);
      left -= 255;
    }
    lacing.push(left);
    const page = new Uint8Array(PAGE_HEADER + lacing.length + body.length);
    const v = new DataView(page.buffer);
    page.set(CAPTURE);
    page[5] = flags;
    v.setUint32(6, granule >>> 0, true);
    v.setUint32(10, Math.floor(granule / 0x1_0000_0000), true);
    v.setUint32(14, this.#serial, true);
    v.setUint32(18, this.#pageSeq++, true);
    page[26] = lacing.length;
    page.set(lacing, PAGE_HEADER);
    page.set(body, PAGE_HEADER + lacing.length);
    v.setUint32(22, oggCrc(page), true);
    return page;
  }
}
