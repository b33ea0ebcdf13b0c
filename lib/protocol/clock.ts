/**
 * A clock and its timers, injected wherever code waits for time to pass (call
 * media, the relay's silence limit, the terminal's redraws), so tests drive
 * time by hand instead of waiting timeouts out.
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts";
 *
 * const started = systemClock.now();
 * const id = systemClock.setInterval(() => {}, 250);
 * systemClock.clearInterval(id);
 * console.log(systemClock.now() >= started);
 * ```
 *
 * @module
 */

/** The id of a timer: opaque (a number in Deno, an object under Node's typings). */
export type TimerId = unknown;

/** A source of time in Unix milliseconds with its timers (`globalThis` in production). */
export interface Clock {
  /** The current time in Unix milliseconds. */
  now(): number;
  /** Calls `fn` every `ms` until cleared; returns the timer's id. */
  setInterval(fn: () => void, ms: number): TimerId;
  /** Stops a timer made by {@link Clock.setInterval}; unknown ids are ignored. */
  clearInterval(id: TimerId): void;
  /** Calls `fn` once after `ms`; returns the timer's id. */
  setTimeout(fn: () => void, ms: number): TimerId;
  /** Cancels a timer made by {@link Clock.setTimeout}; unknown ids are ignored. */
  clearTimeout(id: TimerId): void;
}

/** The real clock: `Date.now` and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (id) => clearInterval(id as number | undefined),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as number | undefined),
};
