/**
 * What uploads and downloads share on the client: the error they fail with,
 * progress reports, cancellation and the wait between retries.
 *
 * @module
 */

import type { LinkClock } from "../../net/file_link.ts";
import { systemClock } from "../../protocol/clock.ts";

/** Bytes done so far out of the total. */
export interface Progress {
  done: number;
  total: number;
}

/**
 * A failed transfer. `code` is a server error code (PROTOCOL.md section 6)
 * or a local one: `file_missing`, `not_a_file`, `connect_failed`,
 * `connection_lost`, `hash_mismatch`, `bad_reply`, `size_mismatch`,
 * `cancelled`, `stalled` (no byte moved for the stall timeout), `no_reply`
 * (an upload's `upload_ok` never came), `already_running` (the same file is
 * already being downloaded into the same folder).
 */
export class TransferError extends Error {
  override name = "TransferError";
  /** Why the transfer failed. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** What every transfer takes: where the file port is, progress, cancellation, retries. */
export interface TransferOptions {
  host: string;
  port: number;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** Time without a byte moving before giving up with `stalled` (default 60 s). */
  stallMs?: number;
  /**
   * How many times a lost or stalled transfer goes on from the bytes already
   * moved (an upload resumes, PROTOCOL.md 3.4; a download continues with an
   * offset) before giving up (default 3).
   */
  retries?: number;
  /** Called before each retry, with the attempt number and the code that caused it. */
  onRetry?: (attempt: number, code: string) => void;
  /** Clock of the stall timer (tests inject one). */
  clock?: LinkClock;
  /** Clock of the pauses between retries (default the system clock; tests inject one). */
  retryClock?: Pick<LinkClock, "setTimeout" | "clearTimeout">;
  /**
   * Resolves once the chat is connected (true when it had to wait: the
   * server was away, so the transfer gets a fresh set of retries). Without
   * it a transfer never waits for the chat and a closed port ends it.
   */
  waitOnline?: (signal?: AbortSignal) => Promise<boolean>;
}

/** Default time without a byte in either direction before a transfer is given up. */
export const DEFAULT_STALL_MS = 60_000;

/** Failures worth another connection (resume or continue from what was moved). */
export const RETRYABLE: ReadonlySet<string> = new Set(["connection_lost", "stalled"]);

/** The code of a failure: a {@link TransferError}'s, else `""`. */
export function codeOf(e: unknown): string {
  return e instanceof TransferError ? e.code : "";
}

/**
 * Whether a transfer that failed with `code` is worth another connection:
 * a lost or stalled one always; a refused connection only when the chat can
 * tell whether the server is away (`waitOnline`: the retry then waits for it).
 */
export function worthRetrying(code: string, options: TransferOptions): boolean {
  return RETRYABLE.has(code) || (code === "connect_failed" && options.waitOnline !== undefined);
}

/** At most ~10 progress calls per second. */
const PROGRESS_EVERY_MS = 100;

/** Throws `cancelled` if `signal` has aborted. */
export function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new TransferError("cancelled", "Transfer cancelled");
}

/** Progress reporting: at most every 100 ms, plus once at the end via `done()`. */
export interface ProgressThrottle {
  update(done: number): void;
  done(): void;
}

/** Calls `onProgress` at most every 100 ms, plus once at the end via `done()`. */
export function throttle(total: number, onProgress?: (p: Progress) => void): ProgressThrottle {
  let last = 0;
  return {
    update(done: number) {
      if (onProgress === undefined) return;
      const now = Date.now();
      if (now - last >= PROGRESS_EVERY_MS) {
        last = now;
        onProgress({ done, total });
      }
    },
    done() {
      onProgress?.({ done: total, total });
    },
  };
}

/** The wait before retry number `attempt + 1`: 1, 2, then 4 s. */
export function retryDelayMs(attempt: number): number {
  return 1000 * 2 ** Math.min(attempt, 2);
}

/** Waits `ms` on `clock` (default the system clock), or throws `cancelled` as soon as `signal` aborts. */
export function sleep(
  ms: number,
  signal?: AbortSignal,
  clock: Pick<LinkClock, "setTimeout" | "clearTimeout"> = systemClock,
): Promise<void> {
  checkAborted(signal);
  return new Promise((resolve, reject) => {
    const done = () => {
      clock.clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(new TransferError("cancelled", "Transfer cancelled"));
    };
    const timer = clock.setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
