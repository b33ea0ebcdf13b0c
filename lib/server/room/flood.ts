/**
 * Limits per address on top of the limits per connection (issue 7.7): one
 * machine opening many connections shares one budget of frames, message
 * bytes and joins, so the room's total output is bounded by the number of
 * addresses, not connections, and a member who reads slowly is not cut
 * because somebody floods (PROTOCOL.md 2.4 and 7).
 *
 * Token buckets per IP address, created on first use and forgotten once
 * they are full again (nothing taken lately), so the table stays as small as
 * the set of busy addresses. Pure: the caller passes the time.
 *
 * @module
 */

import { TokenBucket } from "../../protocol/token_bucket.ts";

/** The per-address limits (bursts are the bucket sizes). */
export interface AddressLimits {
  /** Frames per second from one address, all its connections together. */
  frames: number;
  /** Burst of frames. */
  frameBurst: number;
  /** Bytes of chat message text per second from one address. */
  bytes: number;
  /** Burst of message bytes. */
  byteBurst: number;
  /** Joins (hellos) per second from one address. */
  joins: number;
  /** Burst of joins (a lab behind one NAT address joining at once). */
  joinBurst: number;
  /**
   * Whether loopback addresses (the server's own machine: the teacher's
   * tools, benchmarks, tests) are exempt. Default true.
   */
  exemptLoopback: boolean;
}

/**
 * Defaults: a lab of 60 behind one NAT address chats and joins freely
 * (32 frames/s, 64 KiB/s of text, 60 joins at once then 5/s), while one
 * machine with 63 connections gets no more than that in all.
 */
export const DEFAULT_ADDRESS_LIMITS: Readonly<AddressLimits> = Object.freeze({
  frames: 32,
  frameBurst: 64,
  bytes: 64 * 1024,
  byteBurst: 256 * 1024,
  joins: 5,
  joinBurst: 60,
  exemptLoopback: true,
});

/**
 * The limits for `--ip-rate N`: `N` frames per second (bursts of twice
 * that) and 2 KiB of message text per frame of it (bursts of four seconds'
 * worth); joins keep their defaults.
 */
export function addressLimits(framesPerSecond: number): Partial<AddressLimits> {
  const bytes = framesPerSecond * 2048;
  return {
    frames: framesPerSecond,
    frameBurst: framesPerSecond * 2,
    bytes,
    byteBurst: bytes * 4,
  };
}

/** Whether `ip` is a loopback address (127.0.0.0/8, ::1, or IPv4-mapped 127.x). */
export function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1" || ip.startsWith("::ffff:127.");
}

/** Which per-address budget a refusal came from. */
export type AddressBudget = "frames" | "bytes" | "joins";

interface Buckets {
  frames: TokenBucket;
  bytes: TokenBucket;
  joins: TokenBucket;
}

/** Operations between two sweeps of idle addresses. */
const SWEEP_EVERY = 4096;

/**
 * The per-address budgets of a room.
 *
 * @example
 * ```ts
 * import { AddressGuard } from "./flood.ts";
 * const guard = new AddressGuard({ frames: 2, frameBurst: 2 });
 * guard.frame("10.0.0.7", 0); // true
 * guard.frame("10.0.0.7", 0); // true
 * guard.frame("10.0.0.7", 0); // false: the address spent its burst
 * guard.frame("10.0.0.8", 0); // true: another address has its own
 * ```
 */
export class AddressGuard {
  readonly #limits: AddressLimits;
  readonly #byIp = new Map<string, Buckets>();
  #ops = 0;

  /** A guard with `limits` (each missing one takes its default). */
  constructor(limits: Partial<AddressLimits> = {}) {
    this.#limits = { ...DEFAULT_ADDRESS_LIMITS, ...limits };
  }

  /** The limits in force. */
  get limits(): Readonly<AddressLimits> {
    return this.#limits;
  }

  /** Addresses with a budget in use (for tests: idle ones are forgotten). */
  get size(): number {
    return this.#byIp.size;
  }

  /** Takes one frame from `ip`'s budget; false when it is spent. */
  frame(ip: string, now: number): boolean {
    return this.#exempt(ip) || this.#buckets(ip, now).frames.take(now);
  }

  /** Takes `bytes` of message text from `ip`'s budget; false when they do not fit. */
  text(ip: string, bytes: number, now: number): boolean {
    return this.#exempt(ip) || this.#buckets(ip, now).bytes.take(now, bytes);
  }

  /** Takes one join from `ip`'s budget; false when it is spent. */
  join(ip: string, now: number): boolean {
    return this.#exempt(ip) || this.#buckets(ip, now).joins.take(now);
  }

  #exempt(ip: string): boolean {
    return this.#limits.exemptLoopback && isLoopback(ip);
  }

  #buckets(ip: string, now: number): Buckets {
    if (++this.#ops >= SWEEP_EVERY) this.#sweep(now);
    let b = this.#byIp.get(ip);
    if (b === undefined) {
      const l = this.#limits;
      b = {
        frames: new TokenBucket(l.frames, l.frameBurst, now),
        bytes: new TokenBucket(l.bytes, l.byteBurst, now),
        joins: new TokenBucket(l.joins, l.joinBurst, now),
      };
      this.#byIp.set(ip, b);
    }
    return b;
  }

  /** Forgets addresses whose every bucket is full again: they would start the same. */
  #sweep(now: number): void {
    this.#ops = 0;
    for (const [ip, b] of this.#byIp) {
      if (b.frames.full(now) && b.bytes.full(now) && b.joins.full(now)) this.#byIp.delete(ip);
    }
  }
}
