/**
 * The file store's `index.json`: an {@link AtomicJsonFile} whose problems
 * become the store's own {@link StoreProblem}s, and which can tell a caller
 * that its save failed (a publish must not be acknowledged then).
 *
 * @module
 */

import { join } from "node:path";
import { AtomicJsonFile, type JsonFileProblem } from "../../net/atomic_json.ts";
import { type IndexData, validateIndex } from "./store_records.ts";

/** Something wrong found in the storage directory; never fatal. */
export type StoreProblem =
  | { kind: "corrupt_index"; file: string; aside: string; detail: string }
  | { kind: "save_failed"; file: string; detail: string };

/**
 * The index file of a storage directory.
 *
 * @example
 * ```ts
 * import { StoreIndex } from "./store_index.ts";
 * const index = new StoreIndex(await Deno.makeTempDir(), { now: Date.now });
 * await index.save({ version: 1, files: [], parts: [] });
 * console.log(await index.load());
 * ```
 */
export class StoreIndex {
  #file: AtomicJsonFile<IndexData>;
  #lost = false;
  #failures = 0;
  #lastError: unknown = null;

  /** Problems go to `onProblem`, or to the console without one. */
  constructor(dir: string, options: { now: () => number; onProblem?: (p: StoreProblem) => void }) {
    const onProblem = options.onProblem;
    this.#file = new AtomicJsonFile(join(dir, "index.json"), {
      validate: validateIndex,
      now: options.now,
      onProblem: (p: JsonFileProblem) => {
        if (p.kind === "corrupt") this.#lost = true;
        else {
          this.#failures++;
          this.#lastError = p.error;
        }
        const problem: StoreProblem = p.kind === "corrupt"
          ? { kind: "corrupt_index", file: p.file, aside: p.aside, detail: p.detail }
          : { kind: "save_failed", file: p.file, detail: p.detail };
        if (onProblem !== undefined) onProblem(problem);
        else console.error(`PC3 files: ${p.file}: ${p.detail}`);
      },
    });
  }

  /** Whether the index was found corrupt (and set aside): nothing is deleted on a guess. */
  get lost(): boolean {
    return this.#lost;
  }

  /** The index, or undefined when there is none or it was corrupt. */
  load(): Promise<IndexData | undefined> {
    return this.#file.load();
  }

  /** Saves (serialised and coalesced); a failure is reported, not thrown. */
  save(data: IndexData): Promise<void> {
    return this.#file.save(data);
  }

  /** Saves, and throws the error of a save that failed meanwhile. */
  async saveOrThrow(data: IndexData): Promise<void> {
    const failures = this.#failures;
    await this.#file.save(data);
    if (this.#failures !== failures) throw this.#lastError;
  }

  /** Resolves when every save asked for so far has finished. */
  flushed(): Promise<void> {
    return this.#file.flushed();
  }
}
