/**
 * The resumable parts the file store knows (uploads interrupted or
 * running) and the uploads completed recently, as kept in `index.json`.
 * Pure: no I/O; the store removes part files and saves the index.
 *
 * @module
 */

import { partsOverCap } from "./part_files.ts";
import { FileStoreError } from "./store_error.ts";
import type { DoneRecord, PartRecord } from "./store_records.ts";

/**
 * Part and completed-upload records by upload id.
 *
 * @example
 * ```ts
 * import { PartTable } from "./part_table.ts";
 * const table = new PartTable();
 * table.set({ upload_id: "a".repeat(24), owner: "Ana", filename: "x", size: 10, created: 0 });
 * table.idleBytes(() => false); // 10 (no bytes measured yet: counts its size)
 * ```
 */
export class PartTable {
  #parts = new Map<string, PartRecord>();
  #done = new Map<string, DoneRecord>();

  /** Takes the records read from the index. */
  load(parts: Iterable<PartRecord>, done: Iterable<DoneRecord>): void {
    for (const p of parts) this.#parts.set(p.upload_id, p);
    for (const d of done) this.#done.set(d.upload_id, d);
  }

  /** The part of an upload id. */
  get(uploadId: string): PartRecord | undefined {
    return this.#parts.get(uploadId);
  }

  /** Whether the index knows a part with this id. */
  has(uploadId: string): boolean {
    return this.#parts.has(uploadId);
  }

  /** Adds a part. */
  set(record: PartRecord): void {
    this.#parts.set(record.upload_id, record);
  }

  /** Forgets a part; whether there was one. */
  delete(uploadId: string): boolean {
    return this.#parts.delete(uploadId);
  }

  /** Parts (idle or running) of `owner`: each may still become a file. */
  countOwner(owner: string): number {
    let n = 0;
    for (const p of this.#parts.values()) if (p.owner === owner) n++;
    return n;
  }

  /** Bytes the idle parts hold (what the quota counts for them). */
  idleBytes(isRunning: (uploadId: string) => boolean): number {
    let total = 0;
    for (const p of this.#parts.values()) {
      if (!isRunning(p.upload_id)) total += Math.min(p.have ?? p.size, p.size);
    }
    return total;
  }

  /**
   * After a sweep of the part files: idle parts take the sizes measured
   * (`kept`), those without a file go, and so do completed uploads older
   * than `lifetimeMs`. Returns whether anything changed.
   */
  reconcile(
    kept: ReadonlyMap<string, number | undefined>,
    isRunning: (uploadId: string) => boolean,
    cutoff: number,
  ): boolean {
    let changed = false;
    for (const [id, record] of [...this.#parts]) {
      if (isRunning(id)) continue;
      const size = kept.get(id);
      if (size === undefined) changed = this.#parts.delete(id) || changed;
      else record.have = size;
    }
    for (const [id, d] of [...this.#done]) {
      if (d.ts < cutoff) changed = this.#done.delete(id) || changed;
    }
    return changed;
  }

  /**
   * Forgets the oldest idle parts so `owner` and `ip` stay under their caps
   * with one more upload (see {@link partsOverCap}), and returns their ids
   * (the caller deletes their files). Throws `too_many_uploads` when the
   * parts over a cap are all running.
   */
  makeRoom(
    who: { owner: string; ip: string | undefined; isRunning(uploadId: string): boolean },
    caps: { perOwner: number; perIp: number },
  ): string[] {
    const drop = partsOverCap(this.#parts.values(), who, caps);
    if (drop === null) {
      throw new FileStoreError("too_many_uploads", `Too many uploads in progress: ${who.owner}`, {
        limit: caps.perOwner,
      });
    }
    for (const id of drop) this.#parts.delete(id);
    return drop;
  }

  /** Records that an upload completed as `fileId`: a later resume of it gets the file. */
  markDone(record: DoneRecord): void {
    this.#parts.delete(record.upload_id);
    this.#done.set(record.upload_id, record);
  }

  /** Forgets that an upload completed (its publication was undone). */
  forgetDone(uploadId: string): void {
    this.#done.delete(uploadId);
  }

  /** The completed upload `uploadId` of `owner`, if it is remembered. */
  done(uploadId: string, owner: string): DoneRecord | undefined {
    const d = this.#done.get(uploadId);
    return d !== undefined && d.owner === owner && !this.#parts.has(uploadId) ? d : undefined;
  }

  /** What the index saves. */
  records(): { parts: PartRecord[]; done: DoneRecord[] } {
    return { parts: [...this.#parts.values()], done: [...this.#done.values()] };
  }
}
