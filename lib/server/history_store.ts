/**
 * Keeps the room's history (last messages) and next `seq` on disk, in
 * `<storage>/history.json`, so both survive a restart.
 *
 * Writes are debounced and atomic (temporary file, then rename). A file that
 * can not be read as a history is reported, set aside as
 * `history.json.corrupt-<time>` and replaced by an empty history: never a crash.
 *
 * @module
 */

import { join } from "node:path";
import type { RoomHistory } from "./room.ts";

/** File name inside the storage folder. */
export const HISTORY_FILE = "history.json";

const MAX_HISTORY_FILE = 16 * 1024 * 1024;

/** Options of {@link HistoryStore.open}. */
export interface HistoryStoreOptions {
  /** Delay between a change and its write, in ms (default 500). */
  debounceMs?: number;
  /** Where a corrupt file or a failed write is reported. */
  onProblem?: (
    problem: { kind: "corrupt"; file: string; aside: string } | {
      kind: "save_failed";
      file: string;
      error: unknown;
    },
  ) => void;
}

/** Checks the shape of a parsed history file. */
function isHistory(value: unknown): value is RoomHistory {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.nextSeq === "number" && Number.isSafeInteger(v.nextSeq) && v.nextSeq >= 1 &&
    Array.isArray(v.messages) &&
    v.messages.every((m) =>
      typeof m === "object" && m !== null && !Array.isArray(m) &&
      typeof (m as Record<string, unknown>).seq === "number"
    );
}

/** The room history on disk. */
export class HistoryStore {
  /** The state read at open (empty when there was none). */
  readonly initial: RoomHistory;
  readonly path: string;
  #debounceMs: number;
  #onProblem: HistoryStoreOptions["onProblem"];
  #pending: RoomHistory | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(path: string, initial: RoomHistory, options: HistoryStoreOptions) {
    this.path = path;
    this.initial = initial;
    this.#debounceMs = options.debounceMs ?? 500;
    this.#onProblem = options.onProblem;
  }

  /** Reads `<dir>/history.json` (the folder must exist). */
  static async open(dir: string, options: HistoryStoreOptions = {}): Promise<HistoryStore> {
    const path = join(dir, HISTORY_FILE);
    let initial: RoomHistory = { nextSeq: 1, messages: [] };
    let text: string | null = null;
    try {
      const info = await Deno.stat(path);
      if (info.size > MAX_HISTORY_FILE) {
        throw new SyntaxError(`History too large: ${info.size} bytes`);
      }
      text = await Deno.readTextFile(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) text = "\u0000";
    }
    if (text !== null) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (isHistory(parsed)) {
        initial = { nextSeq: parsed.nextSeq, messages: parsed.messages };
      } else {
        const aside = `${path}.corrupt-${Date.now()}`;
        try {
          await Deno.rename(path, aside);
        } catch {
          // Could not move it; it will be overwritten by the next save.
        }
        options.onProblem?.({ kind: "corrupt", file: path, aside });
      }
    }
    return new HistoryStore(path, initial, options);
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
    if (state === null) return this.#writing;
    this.#writing = this.#writing.then(() => this.#write(state));
    return this.#writing;
  }

  async #write(state: RoomHistory): Promise<void> {
    const temp = `${this.path}.tmp`;
    try {
      await Deno.writeTextFile(temp, JSON.stringify(state));
      await Deno.rename(temp, this.path);
    } catch (error) {
      this.#onProblem?.({ kind: "save_failed", file: this.path, error });
    }
  }

  /** Writes the last state (if `final` is given, that one) and stops. Safe twice. */
  async close(final?: RoomHistory): Promise<void> {
    if (final !== undefined && !this.#closed) this.#pending = final;
    this.#closed = true;
    await this.flush();
  }
}
