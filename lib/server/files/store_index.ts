/**
 * The file store's `index.json` as an {@link AtomicJsonFile}, with its
 * problems translated into the store's own {@link StoreProblem}s.
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
 * The index file of storage directory `dir`. `onLost` runs when the index
 * was found corrupt (and set aside): the store then deletes nothing on a
 * guess. Problems go to `onProblem`, or to the console without one.
 */
export function openIndex(
  dir: string,
  options: { now: () => number; onProblem?: (p: StoreProblem) => void; onLost(): void },
): AtomicJsonFile<IndexData> {
  const { onProblem, onLost } = options;
  return new AtomicJsonFile(join(dir, "index.json"), {
    validate: validateIndex,
    now: options.now,
    onProblem: (p: JsonFileProblem) => {
      if (p.kind === "corrupt") onLost();
      const problem: StoreProblem = p.kind === "corrupt"
        ? { kind: "corrupt_index", file: p.file, aside: p.aside, detail: p.detail }
        : { kind: "save_failed", file: p.file, detail: p.detail };
      if (onProblem !== undefined) onProblem(problem);
      else console.error(`PC3 files: ${p.file}: ${p.detail}`);
    },
  });
}
