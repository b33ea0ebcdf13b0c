/**
 * Deadlines for tests: every wait in the suite goes through here, so a
 * regression fails with a message naming what never happened instead of
 * hanging the run.
 *
 * The deadlines are hang guards, not timing checks: they are generous (the
 * suite runs on a loaded 2-core machine) and a test never relies on them
 * expiring. A test that needs a timeout to expire injects a clock instead.
 *
 * @example
 * ```ts
 * import { waitFor, withDeadline } from "./wait.ts";
 *
 * let ready = false;
 * setTimeout(() => (ready = true), 10);
 * await waitFor(() => ready, { message: "the flag to be set" });
 * const value = await withDeadline(Promise.resolve(42), 1000, "the answer");
 * ```
 */

/** The deadline used when a caller gives none: long enough for a loaded machine. */
export const DEFAULT_DEADLINE_MS = 10_000;

/** A wait that ran out of time; `what` names the awaited event, `ms` the deadline. */
export class DeadlineError extends Error {
  /** What the test was waiting for. */
  readonly what: string;
  /** The deadline that passed, in milliseconds. */
  readonly ms: number;
  constructor(what: string, ms: number, detail = "") {
    super(`Timed out after ${ms} ms waiting for ${what}${detail === "" ? "" : `\n${detail}`}`);
    this.name = "DeadlineError";
    this.what = what;
    this.ms = ms;
  }
}

/**
 * Settles like `promise`, or rejects with a {@link DeadlineError} naming `what`
 * after `ms`. The timer is always cleared, so no test leaks it.
 */
export async function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** What the test waits for, in the failure message ("the second frame"). */
  message: string;
  /** Deadline in milliseconds; {@link DEFAULT_DEADLINE_MS} if absent. */
  timeoutMs?: number;
  /** Polling interval in milliseconds (default 10). */
  intervalMs?: number;
  /** Extra text for the failure message, computed when the deadline passes (e.g. a log). */
  detail?: () => string;
}

/**
 * Polls `predicate` until it returns true, or rejects with a
 * {@link DeadlineError} after `timeoutMs`. Use it for state another task
 * changes (a counter, a list of received frames) that has no promise to await.
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const ms = options.timeoutMs ?? DEFAULT_DEADLINE_MS;
  const interval = options.intervalMs ?? 10;
  const end = performance.now() + ms;
  while (!(await predicate())) {
    if (performance.now() >= end) {
      throw new DeadlineError(options.message, ms, options.detail?.() ?? "");
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Lets every already-queued task and microtask run (one macrotask turn). This
 * is not a wait for an event: use it where a test must show that something
 * did NOT happen after the pending work ran.
 */
export function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}
