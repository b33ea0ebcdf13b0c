/**
 * The room's in-memory event log: the next `seq` and the last chat messages,
 * replayed to members after their hello. Persisting it is the caller's job
 * (lib/server/history_store.ts); this module only keeps it.
 *
 * @module
 */

import type { Message } from "../../protocol/frame.ts";
import type { RoomHistory } from "./types.ts";

/** Sequence numbers and the last `size` messages. */
export class History {
  readonly #size: number;
  #nextSeq: number;
  #messages: Message[];

  /**
   * Starts from `restored` (keeping its last `size` messages). The next
   * `seq` is never below one past a restored message's, so `seq` does not go
   * backwards even when the saved `nextSeq` is stale.
   */
  constructor(restored: RoomHistory | undefined, size: number) {
    this.#size = size;
    this.#messages = (restored?.messages ?? []).slice(-size);
    let next = restored?.nextSeq ?? 1;
    for (const m of this.#messages) {
      if (typeof m.seq === "number" && m.seq >= next) next = m.seq + 1;
    }
    this.#nextSeq = next;
  }

  /** `event` with the next `seq` and the time `ts`. */
  stamp(event: Message, ts: number): Message {
    return { ...event, seq: this.#nextSeq++, ts };
  }

  /** Keeps a stamped message, dropping the oldest past the size. */
  remember(message: Message): void {
    this.#messages.push(message);
    if (this.#messages.length > this.#size) this.#messages.shift();
  }

  /** The `seq` the next event gets. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** The kept messages, oldest first (the live array: do not change it). */
  messages(): readonly Message[] {
    return this.#messages;
  }

  /** The state to persist: the next seq and a copy of the messages. */
  state(): RoomHistory {
    return { nextSeq: this.#nextSeq, messages: this.#messages.slice() };
  }
}
