/**
 * Keeps the room's history (last messages) and next `seq` on disk, in
 * `<storage>/history.json`, so both survive a restart.
 *
 * Writes are debounced and go through {@link AtomicJsonFile} (temporary
 * file, sync, rename). A file that can not be read as a history is set aside
 * as `history.json.corrupt-<time>`, reported, and replaced by an empty
 * history: never a crash, never silently lost.
 *
 * @module
 */

import { join } from "node:path";
import { AtomicJsonFile, type JsonFileProblem } from "../net/atomic_json.ts";
import type { RoomHistory } from "./room/types.ts";

/** File name inside the storage folder. */
export const HISTORY_FILE = "history.json";

const MAX_HISTORY_FILE = 16 * 1024 * 1024;

/** Options of {@link HistoryStore.open}. */
export interface HistoryStoreOptions {
  /** Delay between a change and its write, in ms (default 500). */
  debounceMs?: number;
  /** Where a corrupt file or a failed write is reported (default `console.error`). */
  onProblem?: (problem: JsonFileProblem) => void;
}

/** Checks the shape of a parsed history file. */
function validateHistory(value: unknown): RoomHistory {
  if (typeof value !== "object" || value === null) throw new SyntaxError("Not an object");
  const v = value as Record<string, unknown>;
  if (typeof v.nextSeq !== "number" || !Number.isSafeInteger(v.nextSeq) || v.nextSeq < 1) {
    throw new SyntaxError(`Bad nextSeq: ${JSON.stringify(v.nextSeq)}`);
  }
  const good = Array.isArray(v.messages) &&
    v.messages.every((m) =>
      typeof m === "object" && m !== null && !Array.isArray(m) &&
      typeof (m as Record<string, unknown>).seq === "number"
    );
  if (!good) throw new SyntaxError("Bad message list");
  return { nextSeq: v.nextSeq, messages: v.messages as RoomHistory["messages"] };
}

/**
 * The room history on disk.
 *
 * @example
 * ```ts
 * import { HistoryStore } from "./history_store.ts";
 * const store = await HistoryStore.open(await Deno.makeTempDir());
 * store.save({ nextSeq: 2, messages: [] });
 * await store.close();
 * ```
 */
export class HistoryStore {
  /** The state read at open (empty when there was none). */
  readonly initial: RoomHistory;
  /** Path of the history file. */
  readonly path: string;
  #file: AtomicJsonFile<RoomHistory>;
  #debounceMs: number;
  #pending: RoomHistory | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  private constructor(file: AtomicJsonFile<RoomHistory>, initial: RoomHistory, debounceMs: number) {
    this.#file = file;
    this.path = file.path;
    this.initial = initial;
    this.#debounceMs = debounceMs;
  }

  /** Reads `<dir>/history.json` (the folder must exist). */
  static async open(dir: string, options: HistoryStoreOptions = {}): Promise<HistoryStore> {
    const file = new AtomicJsonFile(join(dir, HISTORY_FILE), {
      validate: validateHistory,
      maxBytes: MAX_HISTORY_FILE,
      ...(options.onProblem ? { onProblem: options.onProblem } : {}),
    });
    const initial = (await file.load()) ?? { nextSeq: 1, messages: [] };
    return new HistoryStore(file, initial, options.debounceMs ?? 500);
  }

  /** Schedules a write of `state` (the latest call wins). */
  save(state: RoomHistory): void {
    if (this.#closed) return;
    this.#pending = state;
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.#flush();
      }, this.#debounceMs);
    }
  }

  /** Writes what is pending now. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    return this.#flush();
  }

  #flush(): Promise<void> {
    const state = this.#pending;
    this.#pending = null;
    return state === null ? this.#file.flushed() : this.#file.save(state);
  }

  /** Writes the last state (if `final` is given, that one) and stops. Safe twice. */
  async close(final?: RoomHistory): Promise<void> {
    if (final !== undefined && !this.#closed) this.#pending = final;
    this.#closed = true;
    await this.flush();
  }
}
