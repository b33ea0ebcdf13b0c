/**
 * A hand-driven clock for tests: `now()` only moves when the test calls
 * `advance()`, which runs the timers that fall due, in time order. It matches
 * `Clock` (lib/protocol/clock.ts) and any `{ now, setTimeout, ... }`
 * shaped clock, so a test of a timeout never waits the timeout out.
 *
 * @example
 * ```ts
 * import { FakeClock } from "./fake_clock.ts";
 *
 * const clock = new FakeClock(1_000);
 * let fired = 0;
 * clock.setTimeout(() => fired++, 500);
 * clock.advance(499);
 * clock.advance(1);
 * console.log(fired, clock.now()); // 1 1500
 * ```
 *
 * @module
 */

interface Timer {
  id: number;
  due: number;
  every: number | null;
  fn: () => void;
}

/** A clock whose time moves only by {@link FakeClock.advance}. */
export class FakeClock {
  #now: number;
  #nextId = 1;
  #timers = new Map<number, Timer>();

  /** Starts at `start` Unix milliseconds. */
  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  /** The current fake time. */
  now(): number {
    return this.#now;
  }

  /** Timers still pending (a test can check a timer was armed or cleared). */
  get pending(): number {
    return this.#timers.size;
  }

  /** Runs `fn` once when the time has moved `ms` forward. */
  setTimeout(fn: () => void, ms: number): number {
    return this.#add(fn, ms, null);
  }

  /** Runs `fn` every `ms` of fake time. */
  setInterval(fn: () => void, ms: number): number {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  /** Cancels a timer; unknown ids are ignored. */
  clearTimeout(id: unknown): void {
    if (typeof id === "number") this.#timers.delete(id);
  }

  /** Cancels a timer; unknown ids are ignored. */
  clearInterval(id: unknown): void {
    this.clearTimeout(id);
  }

  /** Moves the time `ms` forward, running each timer that falls due at its own time. */
  advance(ms: number): void {
    const end = this.#now + ms;
    while (true) {
      let next: Timer | undefined;
      for (const t of this.#timers.values()) {
        if (t.due <= end && (next === undefined || t.due < next.due)) next = t;
      }
      if (next === undefined) break;
      this.#now = Math.max(this.#now, next.due);
      if (next.every === null) this.#timers.delete(next.id);
      else next.due += next.every;
      next.fn();
    }
    this.#now = end;
  }

  #add(fn: () => void, ms: number, every: number | null): number {
    const id = this.#nextId++;
    this.#timers.set(id, { id, due: this.#now + Math.max(0, ms), every, fn });
    return id;
  }
}
