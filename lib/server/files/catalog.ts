/**
 * The published files of the file store, in memory: lookup by public id in
 * any letter case, one blob per distinct content (refcounted by the records
 * that use it), and the counts the upload limits need. Pure: no I/O; the
 * store (lib/server/file_store.ts) moves the bytes.
 *
 * New ids are 6 characters from {@link FILE_ID_ALPHABET}, which a class can
 * read off a projector: no `0`/`o`, `1`/`l`/`i`. Ids are matched ignoring
 * case, so `/download 5LUGWV` finds `5lugwv`; ids of an older index (any
 * `[a-z0-9]`, or a v1 client's own id) keep working, exactly and in any case
 * when no other id differs from them only by case.
 *
 * @module
 */

import { randomInt } from "node:crypto";
import type { StoredFile } from "./store_records.ts";

/** The characters of new file ids: Crockford base32, lower case, without `0` and `1`. */
export const FILE_ID_ALPHABET = "23456789abcdefghjkmnpqrstvwxyz";
/** Length of a new file id (30^6: about 729 million ids). */
export const FILE_ID_LENGTH = 6;

/**
 * A new file id that no id in `taken` matches in any case.
 *
 * @example
 * ```ts
 * import { newFileId } from "./catalog.ts";
 * newFileId(() => false); // e.g. "k3f9ab"
 * ```
 */
export function newFileId(taken: (id: string) => boolean): string {
  for (;;) {
    let id = "";
    for (let i = 0; i < FILE_ID_LENGTH; i++) {
      id += FILE_ID_ALPHABET[randomInt(FILE_ID_ALPHABET.length)];
    }
    if (!taken(id)) return id;
  }
}

/** What removing a record left behind. */
export interface Removed {
  /** The record removed. */
  file: StoredFile;
  /** Whether no other record uses its blob any more (the caller deletes it). */
  blobFree: boolean;
}

/**
 * The published files by id, with their blobs refcounted.
 *
 * @example
 * ```ts
 * import { FileCatalog } from "./catalog.ts";
 * const catalog = new FileCatalog();
 * catalog.add({
 *   file_id: "k3f9ab", filename: "a.txt", size: 4, sha256: "ab".repeat(32),
 *   from: "Ana", ts: 0, blob: "0".repeat(32),
 * });
 * catalog.get("K3F9AB")?.filename; // "a.txt"
 * ```
 */
export class FileCatalog {
  #files = new Map<string, StoredFile>();
  /** Lower-case id to the ids that match it (usually one). */
  #folded = new Map<string, string[]>();
  /** Blob name to the number of records that use it. */
  #refs = new Map<string, number>();
  /** Content hash to a blob holding it. */
  #bySha = new Map<string, string>();
  /** Bytes of the distinct blobs (kept as records come and go). */
  #bytes = 0;

  /** Adds (or replaces) a record. */
  add(file: StoredFile): void {
    if (this.#files.has(file.file_id)) this.remove(file.file_id);
    this.#files.set(file.file_id, file);
    const key = file.file_id.toLowerCase();
    this.#folded.set(key, [...(this.#folded.get(key) ?? []), file.file_id]);
    const refs = this.#refs.get(file.blob) ?? 0;
    if (refs === 0) this.#bytes += file.size;
    this.#refs.set(file.blob, refs + 1);
    if (!this.#bySha.has(file.sha256)) this.#bySha.set(file.sha256, file.blob);
  }

  /**
   * The record with this id: exactly, else the one id equal to it ignoring
   * case (none when several are).
   */
  get(id: string): StoredFile | undefined {
    const exact = this.#files.get(id);
    if (exact !== undefined) return exact;
    const matches = this.#folded.get(id.toLowerCase());
    return matches?.length === 1 ? this.#files.get(matches[0]) : undefined;
  }

  /** Whether any record's id equals `id` ignoring case. */
  taken(id: string): boolean {
    return this.#folded.has(id.toLowerCase());
  }

  /** Removes a record by its exact id; undefined when there is none. */
  remove(id: string): Removed | undefined {
    const file = this.#files.get(id);
    if (file === undefined) return undefined;
    this.#files.delete(id);
    const key = id.toLowerCase();
    const rest = (this.#folded.get(key) ?? []).filter((other) => other !== id);
    if (rest.length > 0) this.#folded.set(key, rest);
    else this.#folded.delete(key);
    const refs = (this.#refs.get(file.blob) ?? 1) - 1;
    if (refs > 0) {
      this.#refs.set(file.blob, refs);
      return { file, blobFree: false };
    }
    this.#refs.delete(file.blob);
    this.#bytes -= file.size;
    if (this.#bySha.get(file.sha256) === file.blob) {
      this.#bySha.delete(file.sha256);
      // Another blob with the same content (from an index older than dedup) takes over.
      for (const f of this.#files.values()) {
        if (f.sha256 === file.sha256) {
          this.#bySha.set(f.sha256, f.blob);
          break;
        }
      }
    }
    return { file, blobFree: true };
  }

  /** A blob already holding content with this SHA-256, if any. */
  blobWith(sha256: string): string | undefined {
    return this.#bySha.get(sha256);
  }

  /** Whether some record uses this blob. */
  hasBlob(blob: string): boolean {
    return this.#refs.has(blob);
  }

  /** The records a listing shows (v2 files, and v1 files once announced), oldest first. */
  listed(): StoredFile[] {
    return [...this.#files.values()]
      .filter((f) => f.v1 === undefined || f.v1.announced)
      .sort((a, b) => a.ts - b.ts);
  }

  /** Every record, in insertion order. */
  values(): IterableIterator<StoredFile> {
    return this.#files.values();
  }

  /** Bytes the blobs take on disk: each distinct blob once. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Number of records published by `owner` (v2 uploads, and v1 uploads once announced). */
  countFrom(owner: string): number {
    let n = 0;
    for (const f of this.#files.values()) if (f.from === owner) n++;
    return n;
  }

  /** Number of v1 uploads from `ip` not announced yet. */
  pendingV1(ip: string): number {
    let n = 0;
    for (const f of this.#files.values()) if (f.v1?.ip === ip && !f.v1.announced) n++;
    return n;
  }

  /** Number of records. */
  get size(): number {
    return this.#files.size;
  }
}
