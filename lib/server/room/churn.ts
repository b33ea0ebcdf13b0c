/**
 * Join and leave announcements under churn (issue 7.7): when members come
 * and go faster than a few per second (one machine connecting and quitting
 * in a loop, or a whole lab at once), the changes past the first few of a
 * second are held and announced together, once a second, as one `members`
 * system event (PROTOCOL.md 2.3). Everyone then gets a handful of events
 * per second instead of hundreds.
 *
 * Pure apart from one timer per held batch, taken from an injected clock.
 *
 * @module
 */

import { type Clock, systemClock, type TimerId } from "../../protocol/clock.ts";
import type { Message } from "../../protocol/frame.ts";
import type { Params } from "../../protocol/i18n.ts";
import type { LogSink } from "../log_event.ts";
import { nameKey } from "../../protocol/names.ts";

/** Join/leave events announced one by one per second before they are batched. */
export const DEFAULT_CHURN_PER_SECOND = 5;
/** Names listed at most in each list of a `members` event (the rest are counted). */
export const MAX_SUMMARY_NAMES = 200;

/** What {@link Churn} needs from the room. */
export interface ChurnOptions {
  /** Broadcasts an event (the room's emit: stamps seq and ts). */
  emit(event: Message): void;
  /** The room's clock (Unix ms). */
  now(): number;
  /** Timers for the held batch. */
  clock: Pick<Clock, "setTimeout" | "clearTimeout">;
  /** Members in the room now (the summary's `count`). */
  count(): number;
  /** The summary's `text` (the server's language) for v1 clients and logs. */
  text(joined: number, left: number, count: number): string;
  /** Told of each summary sent (the teacher's log). */
  summarised?(joined: number, left: number, count: number): void;
  /** Changes announced one by one per second (default {@link DEFAULT_CHURN_PER_SECOND}). */
  perSecond?: number;
}

/**
 * Announces joins and leaves, batching them under churn.
 *
 * @example
 * ```ts
 * import { Churn } from "./churn.ts";
 * const sent: unknown[] = [];
 * const churn = new Churn({
 *   emit: (e) => sent.push(e),
 *   now: () => 0,
 *   clock: { setTimeout, clearTimeout },
 *   count: () => 1,
 *   text: (j, l, n) => `+${j} -${l} (${n})`,
 *   perSecond: 1,
 * });
 * churn.changed({ type: "system", event: "join", name: "Ana", text: "Ana se unió" });
 * churn.clear(); // the first change went out at once
 * ```
 */
export class Churn {
  readonly #options: ChurnOptions;
  readonly #perSecond: number;
  #windowStart = -Infinity;
  #inWindow = 0;
  /** Held joins by name key (the name as it joined). */
  #joined = new Map<string, string>();
  /** Held leaves by name key. */
  #left = new Map<string, string>();
  #timer: TimerId | null = null;

  /** A batcher that emits through `options.emit`. */
  constructor(options: ChurnOptions) {
    this.#options = options;
    this.#perSecond = options.perSecond ?? DEFAULT_CHURN_PER_SECOND;
  }

  /** Whether changes are being held for the next summary. */
  get holding(): boolean {
    return this.#joined.size > 0 || this.#left.size > 0;
  }

  /**
   * A `system` join or leave event (with `name`): broadcast at once, or held
   * for the summary when more than `perSecond` came this second.
   */
  changed(event: Message): void {
    const now = this.#options.now();
    if (now - this.#windowStart >= 1000) {
      this.flush();
      this.#windowStart = now;
      this.#inWindow = 0;
    }
    this.#inWindow++;
    if (this.#inWindow <= this.#perSecond && !this.holding) {
      this.#options.emit(event);
      return;
    }
    const name = String(event.name);
    const key = nameKey(name);
    if (event.event === "join") this.#joined.set(key, name);
    // A join held in this batch and its leave cancel out.
    else if (!this.#joined.delete(key)) this.#left.set(key, name);
    this.#timer ??= this.#options.clock.setTimeout(
      () => {
        this.#timer = null;
        this.flush();
      },
      Math.max(1, this.#windowStart + 1000 - now),
    );
  }

  /** Sends the held changes as one `members` event now (nothing when none are held). */
  flush(): void {
    if (this.#timer !== null) {
      this.#options.clock.clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (!this.holding) return;
    const joined = [...this.#joined.values()];
    const left = [...this.#left.values()];
    this.#joined.clear();
    this.#left.clear();
    const count = this.#options.count();
    const event: Message = {
      type: "system",
      event: "members",
      left: left.slice(0, MAX_SUMMARY_NAMES),
      joined: joined.slice(0, MAX_SUMMARY_NAMES),
      count,
      text: this.#options.text(joined.length, left.length, count),
    };
    if (left.length > MAX_SUMMARY_NAMES) event.left_more = left.length - MAX_SUMMARY_NAMES;
    if (joined.length > MAX_SUMMARY_NAMES) event.joined_more = joined.length - MAX_SUMMARY_NAMES;
    this.#options.emit(event);
    this.#options.summarised?.(joined.length, left.length, count);
  }

  /** Drops what is held and its timer (shutdown: no announcements). Safe twice. */
  clear(): void {
    if (this.#timer !== null) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#joined.clear();
    this.#left.clear();
  }
}

/** What {@link roomChurn} needs from the room. */
export interface RoomChurnOptions {
  /** The room's emit (stamps seq and ts, broadcasts). */
  emit(event: Message): void;
  /** The room's clock (Unix ms). */
  now(): number;
  /** Runs a timer callback as one of the room's entry points (deferred leaves included). */
  run(fn: () => void): void;
  /** Members in the room now. */
  count(): number;
  /** The server catalogue in the room's language. */
  t(key: "members_changed", params: Params): string;
  /** The teacher's log. */
  log: LogSink;
}

/**
 * The room's {@link Churn}: the room options' `clock` (default the system's)
 * and `churnPerSecond`; summaries in the server's language
 * (`members_changed`), each logged as `members_changed`; the batch timer run
 * as a room entry point.
 */
export function roomChurn(
  options: { clock?: Pick<Clock, "setTimeout" | "clearTimeout">; churnPerSecond?: number },
  o: RoomChurnOptions,
): Churn {
  const clock = options.clock ?? systemClock;
  return new Churn({
    emit: o.emit,
    now: o.now,
    clock: {
      setTimeout: (fn, ms) => clock.setTimeout(() => o.run(fn), ms),
      clearTimeout: (id) => clock.clearTimeout(id),
    },
    count: o.count,
    text: (joined, left, count) => o.t("members_changed", { joined, left, count }),
    summarised: (joined, left, count) => o.log({ kind: "members_changed", joined, left, count }),
    perSecond: options.churnPerSecond,
  });
}
