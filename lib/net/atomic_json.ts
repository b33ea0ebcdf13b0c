/**
 * A JSON file that survives crashes and bad bytes, with one policy for every
 * store of the server (the file index, the chat history):
 *
 * - a save writes a temporary file, syncs it to disk, then renames it over
 *   the old one, so a reader sees either the old or the new whole file;
 *   saves run one at a time and a save asked for while one runs is merged
 *   into the next (the latest value wins);
 * - a file that does not load (unreadable, too big, not JSON, wrong shape)
 *   is never overwritten: it is moved aside as `<name>.corrupt-<time>` and
 *   reported, and the store starts empty. If it cannot be moved aside,
 *   loading throws rather than lose it;
 * - a failed save is reported and does not throw: the caller keeps running
 *   with its state in memory and the next save tries again.
 *
 * @module
 */

import { writeAll } from "./write_queue.ts";

/** Something that went wrong with a JSON file; never fatal. */
export type JsonFileProblem =
  | {
    kind: "corrupt";
    /** The file that did not load. */
    file: string;
    /** Where it was moved. */
    aside: string;
    /** Why it did not load. */
    detail: string;
  }
  | {
    kind: "save_failed";
    /** The file that could not be written. */
    file: string;
    /** The error's message. */
    detail: string;
    /** The error itself. */
    error: unknown;
  };

/** Options of {@link AtomicJsonFile}. */
export interface AtomicJsonOptions<T> {
  /**
   * Checks a parsed value and returns it typed; throws (a `SyntaxError`
   * saying what is wrong) when it does not have the expected shape.
   */
  validate(value: unknown): T;
  /** Files larger than this are treated as corrupt without reading them (default 64 MiB). */
  maxBytes?: number;
  /** Where problems are reported (default `console.error`). */
  onProblem?: (problem: JsonFileProblem) => void;
  /** Clock for the time in the name of a file set aside (default `Date.now`). */
  now?: () => number;
}

/** Default largest file read: 64 MiB. */
export const DEFAULT_MAX_JSON_BYTES = 64 * 1024 * 1024;

/**
 * One JSON file on disk, loaded once and saved atomically.
 *
 * @example
 * ```ts
 * import { AtomicJsonFile } from "./atomic_json.ts";
 * const dir = await Deno.makeTempDir();
 * const file = new AtomicJsonFile(`${dir}/state.json`, {
 *   validate: (v) => {
 *     if (typeof v !== "object" || v === null) throw new SyntaxError("Not an object");
 *     return v as { count: number };
 *   },
 * });
 * const state = (await file.load()) ?? { count: 0 };
 * state.count++;
 * await file.save(state);
 * ```
 */
export class AtomicJsonFile<T> {
  /** Path of the file. */
  readonly path: string;
  #validate: (value: unknown) => T;
  #maxBytes: number;
  #onProblem: (problem: JsonFileProblem) => void;
  #now: () => number;
  #writing: Promise<void> = Promise.resolve();
  /** A value waiting for the write in progress to end, and the promise of its own write. */
  #next: { value: T; done: Promise<void> } | null = null;

  constructor(path: string, options: AtomicJsonOptions<T>) {
    this.path = path;
    this.#validate = options.validate;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
    this.#onProblem = options.onProblem ?? ((p) => console.error(describeProblem(p)));
    this.#now = options.now ?? Date.now;
  }

  /**
   * The file's value, or undefined when there is no file, or when it was
   * corrupt (then it has been moved aside and reported).
   */
  async load(): Promise<T | undefined> {
    let detail: string;
    try {
      const info = await Deno.stat(this.path);
      if (info.size > this.#maxBytes) {
        throw new SyntaxError(`File too large: ${info.size} bytes (limit ${this.#maxBytes})`);
      }
      return this.#validate(JSON.parse(await Deno.readTextFile(this.path)));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      detail = e instanceof Error ? e.message : String(e);
    }
    const aside = await this.#setAside();
    this.#onProblem({ kind: "corrupt", file: this.path, aside, detail });
    return undefined;
  }

  /**
   * Writes `value` (temporary file, sync, rename). Resolves once a write
   * holding `value` or a later one has finished; failures are reported, not
   * thrown.
   */
  save(value: T): Promise<void> {
    if (this.#next !== null) {
      this.#next.value = value;
      return this.#next.done;
    }
    const next = { value, done: Promise.resolve() };
    next.done = this.#writing.then(() => {
      this.#next = null;
      return this.#write(next.value);
    });
    this.#next = next;
    this.#writing = next.done;
    return next.done;
  }

  /** Resolves when every save asked for so far has finished. */
  flushed(): Promise<void> {
    return this.#writing;
  }

  async #write(value: T): Promise<void> {
    const temp = `${this.path}.tmp`;
    try {
      const bytes = new TextEncoder().encode(JSON.stringify(value));
      {
        using file = await Deno.open(temp, { write: true, create: true, truncate: true });
        await writeAll(file, bytes);
        await file.syncData();
      }
      await Deno.rename(temp, this.path);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.#onProblem({ kind: "save_failed", file: this.path, detail, error });
    }
  }

  /** Moves the file to a fresh `.corrupt-<time>` name; throws if it cannot. */
  async #setAside(): Promise<string> {
    const stamp = this.#now();
    for (let i = 0;; i++) {
      const aside = `${this.path}.corrupt-${stamp}${i === 0 ? "" : `-${i}`}`;
      try {
        await Deno.lstat(aside);
        continue; // taken (two corrupt files in the same millisecond)
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      await Deno.rename(this.path, aside);
      return aside;
    }
  }
}

/** A one-line English description of a problem, for logs. */
function describeProblem(problem: JsonFileProblem): string {
  return problem.kind === "corrupt"
    ? `PC3: ${problem.file} is corrupt (${problem.detail}); set aside as ${problem.aside}`
    : `PC3: cannot save ${problem.file}: ${problem.detail}`;
}
