/**
 * Coming back after a lost chat connection (PROTOCOL.md 2.6), the client's
 * side: the growing pauses between attempts (1, 2, 4 … at most 10 s), which
 * failures end the attempts, and the gate transfers wait at while the chat is
 * away. The chat client (chat_client.ts) drives it; time comes from an
 * injected clock so tests never wait the pauses out.
 *
 * @module
 */

import type { Clock, TimerId } from "../protocol/clock.ts";
import { ConnectError } from "./connect_errors.ts";
import type { CloseInfo } from "./events.ts";

/** The longest pause between two attempts. */
export const MAX_RECONNECT_DELAY_MS = 10_000;

/** The pause before attempt `attempt` (0-based): 1, 2, 4, 8, then 10 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(MAX_RECONNECT_DELAY_MS, 1000 * 2 ** Math.min(attempt, 10));
}

/** Server refusals worth another attempt: the server is stopping, busy or slow. */
const PASSING_REFUSALS: ReadonlySet<string> = new Set([
  "server_shutdown",
  "too_many_connections",
  "rate_limited",
  "hello_timeout",
  "server_error",
]);

/**
 * Whether a failed attempt ends the reconnection: the server refused us for
 * good (a name now taken or invalid, a wrong password, a ban). Network
 * failures and a server still starting or stopping are worth retrying.
 */
export function isFinalRefusal(e: ConnectError): boolean {
  if (e.code === "name_taken" || e.code === "name_invalid") return true;
  if (e.code !== "refused_by_server") return false;
  return !PASSING_REFUSALS.has(e.serverCode ?? "");
}

/**
 * Why a connection ended, from what the session saw: our own quit, the
 * server's shutdown event, a broken frame (`fatal`), an error frame the
 * server closes after, or else a plain loss.
 */
export function closeInfoOf(
  fatal: { code: string; message: string } | null,
  quitting: boolean,
  shutdownSeen: boolean,
  closingError: { code: string; message: string } | null,
): CloseInfo {
  if (quitting) return { reason: "quit" };
  if (shutdownSeen) return { reason: "shutdown" };
  if (fatal !== null) return { reason: "server_error", code: fatal.code, message: fatal.message };
  if (closingError !== null) return { reason: "server_error", ...closingError };
  return { reason: "lost" };
}

/**
 * Errors the server closes a connection after that are still worth coming
 * back from: the connection went silent (a suspended laptop), the client
 * read too slowly for a while, the server was stopping.
 */
const COME_BACK_AFTER: ReadonlySet<string> = new Set([
  "idle_timeout",
  "slow_consumer",
  "server_shutdown",
]);

/**
 * Whether a session that ended this way should try to come back: a lost
 * connection, a server that shut down, or one of the errors above. A quit,
 * a kick or a protocol error ends it.
 */
export function shouldComeBack(info: { reason: string; code?: string }): boolean {
  if (info.reason === "lost" || info.reason === "shutdown") return true;
  return info.reason === "server_error" && COME_BACK_AFTER.has(info.code ?? "");
}

/** Options of {@link retryUntilAdmitted}. */
export interface RetryOptions<T> {
  /** One attempt; throws {@link ConnectError} when it fails. */
  attempt(): Promise<T>;
  /** Timers of the pauses. */
  clock: Pick<Clock, "setTimeout" | "clearTimeout">;
  /** Ends the attempts (the user quit); the promise then rejects with the signal's reason. */
  signal: AbortSignal;
  /** Called before each pause with the attempt number (1-based) and the pause. */
  onPause?: (attempt: number, delayMs: number) => void;
}

/**
 * Pauses, tries, and pauses longer, until an attempt succeeds (its result),
 * one fails for good ({@link isFinalRefusal}: that error is thrown) or the
 * signal aborts. Errors other than {@link ConnectError} are thrown as they are.
 */
export async function retryUntilAdmitted<T>(options: RetryOptions<T>): Promise<T> {
  for (let attempt = 0;; attempt++) {
    const delay = reconnectDelayMs(attempt);
    options.onPause?.(attempt + 1, delay);
    await pause(delay, options.clock, options.signal);
    try {
      return await options.attempt();
    } catch (e) {
      if (!(e instanceof ConnectError) || isFinalRefusal(e)) throw e;
      options.signal.throwIfAborted();
    }
  }
}

/** Waits `ms` on `clock`, or rejects as soon as `signal` aborts. */
export function pause(
  ms: number,
  clock: Pick<Clock, "setTimeout" | "clearTimeout">,
  signal?: AbortSignal,
): Promise<void> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    let timer: TimerId = undefined;
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal!.reason);
    };
    timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Whether the chat session is connected, for the transfers that need it: an
 * upload resumed after a reconnection needs the new session's token, and a
 * transfer cut by a server restart should retry once the server is back
 * rather than use up its retries against a closed port.
 *
 * @example
 * ```ts
 * import { OnlineGate } from "./reconnect.ts";
 * const gate = new OnlineGate();
 * gate.set(false);
 * const waited = gate.wait(); // resolves true once the chat is back
 * gate.set(true);
 * await waited;
 * ```
 */
export class OnlineGate {
  #online = true;
  #waiters = new Set<() => void>();

  /** Whether the chat is connected now. */
  get online(): boolean {
    return this.#online;
  }

  /** Marks the chat connected or not; going online wakes every waiter. */
  set(online: boolean): void {
    this.#online = online;
    if (!online) return;
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /**
   * Resolves at once with false when online, else true once online again.
   * Rejects with the signal's reason when it aborts first.
   */
  wait(signal?: AbortSignal): Promise<boolean> {
    if (this.#online) return Promise.resolve(false);
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      };
      const onAbort = () => {
        this.#waiters.delete(wake);
        reject(signal!.reason);
      };
      this.#waiters.add(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
