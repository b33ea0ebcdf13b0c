/**
 * Receive and send bookkeeping of a call, pure apart from its own state: per
 * sender frame counts, losses and late arrivals from the sequence numbers,
 * frames per second over a sliding window, the last picture of each sender
 * and when it goes stale. `/call stats` is rendered from here.
 *
 * @example
 * ```ts
 * import { PeerStats, STALE_MS } from "./call_stats.ts";
 *
 * const peers = new PeerStats();
 * peers.record(7, 1, Uint8Array.of(0xff, 0xd8, 0xff, 0xd9), 1_000);
 * console.log(peers.expire(1_000 + STALE_MS)); // true: Eva's picture is gone
 * ```
 *
 * @module
 */

/** A participant without a frame for this long shows "sin vídeo" (ms). */
export const STALE_MS = 3000;

/** Window over which frames per second are measured (ms). */
export const FPS_WINDOW_MS = 3000;

/** Sequence jumps larger than this are a restarted sender, not losses. */
const SEQ_RESET = 1000;

/** Receive statistics of one sender. */
export interface Peer {
  frames: number;
  lost: number;
  late: number;
  lastSeq: number;
  /** Arrival times within the last {@link FPS_WINDOW_MS}. */
  times: number[];
  lastAt: number;
  /** The last picture, or null once stale. */
  jpeg: Uint8Array | null;
}

/**
 * Counts a received sequence number into `peer` (pure apart from `peer`):
 * gaps are losses, a number behind the newest is late (and fills one loss).
 */
export function trackSeq(peer: { lost: number; late: number; lastSeq: number }, seq: number): void {
  if (peer.lastSeq < 0) {
    peer.lastSeq = seq;
    return;
  }
  const diff = (seq - peer.lastSeq) | 0; // signed distance modulo 2^32
  if (diff === 0) {
    peer.late++;
  } else if (diff > 0 && diff <= SEQ_RESET) {
    peer.lost += diff - 1;
    peer.lastSeq = seq >>> 0;
  } else if (diff < 0 && diff >= -SEQ_RESET) {
    peer.late++;
    if (peer.lost > 0) peer.lost--;
  } else {
    peer.lastSeq = seq >>> 0; // the sender restarted
  }
}

/** Frames per second over the last {@link FPS_WINDOW_MS}, from arrival times (pure). */
export function fpsOf(times: number[], now: number): number {
  const from = now - FPS_WINDOW_MS;
  let n = 0;
  for (const t of times) if (t > from) n++;
  return n / (FPS_WINDOW_MS / 1000);
}

/** Drops arrival times older than the fps window (ascending `times`). */
export function prune(times: number[], now: number): void {
  const from = now - FPS_WINDOW_MS;
  let i = 0;
  while (i < times.length && times[i] <= from) i++;
  if (i > 0) times.splice(0, i);
}

/** The statistics of every sender, keyed by client id. */
export class PeerStats {
  #peers = new Map<number, Peer>();

  /** The statistics of `id`, if a frame of it arrived. */
  get(id: number): Peer | undefined {
    return this.#peers.get(id);
  }

  /** The last picture of `id`, or null (none yet, or stale). */
  jpeg(id: number): Uint8Array | null {
    return this.#peers.get(id)?.jpeg ?? null;
  }

  /** Frames received from everyone still tracked. */
  get received(): number {
    let n = 0;
    for (const p of this.#peers.values()) n += p.frames;
    return n;
  }

  /** Counts a frame of `id` arrived at `now`; true when `id` had no picture before. */
  record(id: number, seq: number, jpeg: Uint8Array, now: number): boolean {
    let peer = this.#peers.get(id);
    if (!peer) {
      peer = { frames: 0, lost: 0, late: 0, lastSeq: -1, times: [], lastAt: 0, jpeg: null };
      this.#peers.set(id, peer);
    }
    trackSeq(peer, seq);
    peer.frames++;
    peer.times.push(now);
    peer.lastAt = now;
    const hadNone = peer.jpeg === null;
    peer.jpeg = jpeg;
    return hadNone;
  }

  /** Prunes the fps windows and drops pictures silent for {@link STALE_MS}; true if any went. */
  expire(now: number): boolean {
    let changed = false;
    for (const peer of this.#peers.values()) {
      prune(peer.times, now);
      if (peer.jpeg !== null && now - peer.lastAt >= STALE_MS) {
        peer.jpeg = null;
        changed = true;
      }
    }
    return changed;
  }

  /** Forgets every sender not in `ids` (members who left). */
  retain(ids: Set<number | null>): void {
    for (const id of this.#peers.keys()) if (!ids.has(id)) this.#peers.delete(id);
  }
}

/** Send-side counters: frames sent, frames dropped, fps of what was sent. */
export class SendStats {
  /** Video datagrams handed to the socket. */
  sent = 0;
  /** Frames skipped because a send was in flight, or whose send failed. */
  dropped = 0;
  #times: number[] = [];

  /** Counts one frame sent at `now`. */
  record(now: number): void {
    this.sent++;
    this.#times.push(now);
    prune(this.#times, now);
  }

  /** Prunes the fps window. */
  expire(now: number): void {
    prune(this.#times, now);
  }

  /** Frames per second sent over the window. */
  fps(now: number): number {
    return fpsOf(this.#times, now);
  }
}

/** Receive statistics of one speaker's audio. */
export interface AudioPeer {
  packets: number;
  lost: number;
  late: number;
  lastSeq: number;
  /** Interarrival jitter (RFC 3550 section 6.4.1) in ms. */
  jitter: number;
  /** Arrival time and sender timestamp of the previous packet (ms). */
  lastArrival: number;
  lastTs: number;
  /** Playout figures reported by the call page: buffered ms and underruns (null: none yet). */
  depthMs: number | null;
  underruns: number | null;
}

/**
 * Per-speaker audio receive statistics: packets, losses from the sequence
 * numbers, interarrival jitter from the sender's timestamps, and the playout
 * figures (buffer depth, underruns) the player reports. Pure apart from its
 * own state; time is passed in.
 *
 * @example
 * ```ts
 * import { AudioStats } from "./call_stats.ts";
 *
 * const audio = new AudioStats();
 * audio.record(7, 0, 1000, 50_000);
 * audio.record(7, 2, 1040, 50_041); // seq 1 lost
 * console.log(audio.get(7)?.lost); // 1
 * ```
 */
export class AudioStats {
  #peers = new Map<number, AudioPeer>();

  /** The statistics of speaker `id`, if a packet of it arrived. */
  get(id: number): AudioPeer | undefined {
    return this.#peers.get(id);
  }

  /** Packets received from everyone still tracked. */
  get received(): number {
    let n = 0;
    for (const p of this.#peers.values()) n += p.packets;
    return n;
  }

  /** Counts one packet of `id` (sequence `seq`, sender time `ts`) that arrived at `now`. */
  record(id: number, seq: number, ts: number, now: number): void {
    let peer = this.#peers.get(id);
    if (!peer) {
      peer = {
        packets: 0,
        lost: 0,
        late: 0,
        lastSeq: -1,
        jitter: 0,
        lastArrival: now,
        lastTs: ts,
        depthMs: null,
        underruns: null,
      };
      this.#peers.set(id, peer);
    } else {
      // D(i-1, i) = (Rj - Ri) - (Sj - Si); J += (|D| - J) / 16.
      const d = (now - peer.lastArrival) - ((ts - peer.lastTs) | 0);
      peer.jitter += (Math.abs(d) - peer.jitter) / 16;
      peer.lastArrival = now;
      peer.lastTs = ts;
    }
    trackSeq(peer, seq);
    peer.packets++;
  }

  /** Takes the player's figures for `id` (ignored for speakers never heard). */
  playout(id: number, depthMs: number, underruns: number): void {
    const peer = this.#peers.get(id);
    if (!peer) return;
    peer.depthMs = Math.max(0, Math.round(depthMs));
    peer.underruns = Math.max(0, Math.trunc(underruns));
  }

  /** Forgets every speaker not in `ids` (members who left). */
  retain(ids: Set<number | null>): void {
    for (const id of this.#peers.keys()) if (!ids.has(id)) this.#peers.delete(id);
  }
}
