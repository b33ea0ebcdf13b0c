/**
 * Keeps the room's history (last messages) and next `seq` on disk, in
 * `<storage>/history.json`, so both survive a restart.
 *
 * Writes are debounced and go through {@link AtomicJsonFile} (temporary
 * file, sync, rename). A file that can not be read as a history is set aside
 * as `history.json.corrupt-<time>`, reported, and replaced by an empty
 * history: never a crash, never silently lost.
 *
 * `seq` never goes backwards, even after kill -9 between two debounced
 * writes: the room reserves blocks of sequence numbers ahead
 * ({@link HistoryStore.reserveSeq}, written synchronously to
 * `<storage>/seq.json` before any of them is delivered), and a restart starts
 * from the reserved mark. A crash costs at most a gap in `seq`.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { AtomicJsonFile, type JsonFileProblem } from "../net/atomic_json.ts";
import type { RoomHistory } from "./room/types.ts";

/** File name inside the storage folder. */
export const HISTORY_FILE = "history.json";
/** The reserved `seq` high-water mark, inside the storage folder. */
export const SEQ_FILE = "seq.json";

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

/** The reserved mark in `path`, or 1 when there is none or it is unreadable. */
async function readReserved(path: string): Promise<number> {
  try {
    const value = JSON.parse(await Deno.readTextFile(path))?.reserved;
    return Number.isSafeInteger(value) && value > 0 ? value : 1;
  } catch {
    return 1;
  }
}

/** Makes a rename in `dir` durable where the platform allows it (not on Windows). */
function syncDir(dir: string): void {
  try {
    const d = Deno.openSync(dir, { read: true });
    try {
      d.syncSync();
    } finally {
      d.close();
    }
  } catch {
    // Directories cannot be opened or synced on some platforms.
  }
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
  #seqPath: string;

  private constructor(
    file: AtomicJsonFile<RoomHistory>,
    initial: RoomHistory,
    debounceMs: number,
    seqPath: string,
  ) {
    this.#file = file;
    this.path = file.path;
    this.initial = initial;
    this.#debounceMs = debounceMs;
    this.#seqPath = seqPath;
  }

  /**
   * Persists `upTo` as the `seq` high-water mark before returning (temporary
   * file, sync, rename): the room calls it before delivering any `seq` at or
   * past the previous mark (RoomOptions `reserveSeq`). Throws when it cannot
   * write: delivering past an unsaved mark would break the promise.
   */
  reserveSeq(upTo: number): void {
    const tmp = `${this.#seqPath}.tmp`;
    const file = Deno.openSync(tmp, { write: true, create: true, truncate: true });
    try {
      file.writeSync(new TextEncoder().encode(JSON.stringify({ reserved: upTo }) + "\n"));
      file.syncSync();
    } finally {
      file.close();
    }
    Deno.renameSync(tmp, this.#seqPath);
    syncDir(dirname(this.#seqPath));
  }

  /** Reads `<dir>/history.json` (the folder must exist). */
  static async open(dir: string, options: HistoryStoreOptions = {}): Promise<HistoryStore> {
    const file = new AtomicJsonFile(join(dir, HISTORY_FILE), {
      validate: validateHistory,
      maxBytes: MAX_HISTORY_FILE,
      ...(options.onProblem ? { onProblem: options.onProblem } : {}),
    });
    const initial = (await file.load()) ?? { nextSeq: 1, messages: [] };
    const seqPath = join(dir, SEQ_FILE);
    // After a crash the reserved mark may be past the last saved history.
    initial.nextSeq = Math.max(initial.nextSeq, await readReserved(seqPath));
    return new HistoryStore(file, initial, options.debounceMs ?? 500, seqPath);
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
