/**
 * The room's in-memory event log: the next `seq` and the last chat messages,
 * replayed to members after their hello. Persisting it is the caller's job
 * (lib/server/history_store.ts); this module only keeps it.
 *
 * @module
 */

import type { Message } from "../../protocol/frame.ts";
import type { RoomHistory } from "./types.ts";

/** Sequence numbers reserved at a time (see {@link History} `reserve`). */
export const SEQ_BLOCK = 1000;

/** Sequence numbers and the last `size` messages. */
export class History {
  readonly #size: number;
  readonly #reserve?: (upTo: number) => void;
  #nextSeq: number;
  #reserved: number;
  #messages: Message[];

  /**
   * Starts from `restored` (keeping its last `size` messages). The next
   * `seq` is never below one past a restored message's, so `seq` does not go
   * backwards even when the saved `nextSeq` is stale.
   *
   * With `reserve`, `seq` never goes backwards after a crash either: before
   * an event gets a `seq` at or past the reserved mark, `reserve(upTo)` is
   * called (it must persist `upTo` before returning) with the next
   * {@link SEQ_BLOCK} numbers; a restart then starts from the persisted mark.
   */
  constructor(
    restored: RoomHistory | undefined,
    size: number,
    reserve?: (upTo: number) => void,
  ) {
    this.#size = size;
    this.#reserve = reserve;
    this.#messages = (restored?.messages ?? []).slice(-size);
    let next = restored?.nextSeq ?? 1;
    for (const m of this.#messages) {
      if (typeof m.seq === "number" && m.seq >= next) next = m.seq + 1;
    }
    this.#nextSeq = next;
    this.#reserved = next;
  }

  /** `event` with the next `seq` and the time `ts`. */
  stamp(event: Message, ts: number): Message {
    if (this.#reserve !== undefined && this.#nextSeq >= this.#reserved) {
      this.#reserved = this.#nextSeq + SEQ_BLOCK;
      this.#reserve(this.#reserved);
    }
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
