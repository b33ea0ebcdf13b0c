/**
 * A token bucket: the one rate limiter of PC3, used by the chat room (frames
 * per connection) and the media relay (video frames per sender).
 *
 * Pure: the caller passes the current time to {@link TokenBucket.take}, so a
 * test drives it with a fake clock and no timer ever runs.
 *
 * @module
 */

/**
 * Allows `rate` events per second on average and bursts of up to `burst`
 * events. It starts full: the first `burst` events pass at once.
 *
 * @example
 * ```ts
 * import { TokenBucket } from "./token_bucket.ts";
 * const bucket = new TokenBucket(20, 40, 0);
 * bucket.take(0); // true: 39 tokens left
 * bucket.take(50); // true: one token refilled in 50 ms
 * ```
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #refilledAt: number;

  /**
   * `rate` tokens per second, at most `burst` kept (a burst under 1 lets
   * nothing through); `now` is the current time in milliseconds on the same
   * clock later passed to {@link take}.
   */
  constructor(rate: number, burst: number, now: number) {
    if (!(rate > 0)) throw new RangeError(`Token rate must be positive: ${rate}`);
    if (!(burst > 0)) throw new RangeError(`Token burst must be positive: ${burst}`);
    this.#rate = rate;
    this.#burst = burst;
    this.#tokens = burst;
    this.#refilledAt = now;
  }

  /**
   * Refills for the time elapsed since the last call (a clock that goes back
   * counts as no time) and takes `cost` tokens (default one: an event; a
   * byte bucket takes a size). Returns false, taking nothing, when fewer
   * than `cost` tokens are left.
   */
  take(now: number, cost = 1): boolean {
    this.#refill(now);
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }

  /** Whether the bucket is full at `now` (nothing taken lately): its owner may forget it. */
  full(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.#burst;
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#refilledAt);
    this.#refilledAt = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
  }
}
