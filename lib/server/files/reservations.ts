/**
 * The uploads running in the file store and the room they hold under the
 * quota. A running upload holds a reservation of its declared size while
 * it makes progress; the file server drops the reservation of an upload
 * that moves too few bytes in a window (PROTOCOL.md 3.1), after which it
 * counts by the bytes it has received, so one upload declaring 1 GiB and
 * trickling a byte every 20 s cannot keep everyone else out. Pure: no I/O.
 *
 * @module
 */

import { FileStoreError } from "./store_error.ts";

/** One running upload. */
interface Running {
  /** Declared size. */
  size: number;
  /** Bytes in its part so far. */
  have: number;
  /** Whether it still counts with its declared size. */
  reserved: boolean;
  /** v1: the client-chosen id it will publish under, and the uploader's address. */
  v1?: { fileId: string; ip: string };
}

/**
 * Running uploads by upload id.
 *
 * @example
 * ```ts
 * import { Reservations } from "./reservations.ts";
 * const r = new Reservations();
 * r.start("u1", 1000, 0);
 * r.bytes; // 1000 (reserved)
 * r.drop("u1");
 * r.bytes; // 0 (counts what arrived)
 * ```
 */
export class Reservations {
  #running = new Map<string, Running>();
  /** v1 file ids being uploaded. */
  #v1Ids = new Set<string>();

  /** Registers a running upload holding `have` bytes already (a resume). */
  start(uploadId: string, size: number, have: number, v1?: { fileId: string; ip: string }): void {
    this.#running.set(uploadId, { size, have, reserved: true, ...(v1 ? { v1 } : {}) });
    if (v1 !== undefined) this.#v1Ids.add(v1.fileId);
  }

  /** Sets the bytes a running upload holds (once its part was measured). */
  setHave(uploadId: string, have: number): void {
    const r = this.#running.get(uploadId);
    if (r !== undefined) r.have = have;
  }

  /** Whether an upload is running. */
  has(uploadId: string): boolean {
    return this.#running.has(uploadId);
  }

  /** Whether a v1 upload under this file id is running. */
  hasV1(fileId: string): boolean {
    return this.#v1Ids.has(fileId);
  }

  /** Ids of the running uploads. */
  ids(): ReadonlySet<string> {
    return new Set(this.#running.keys());
  }

  /** Number of v1 uploads from `ip` running right now. */
  v1From(ip: string): number {
    let n = 0;
    for (const r of this.#running.values()) if (r.v1?.ip === ip) n++;
    return n;
  }

  /**
   * Counts `bytes` more for a running upload; `used()` is the store's total
   * after that. Throws `quota_exceeded` when an upload without a reservation
   * no longer fits under `quota`.
   */
  progress(uploadId: string, bytes: number, quota: number, used: () => number): void {
    const r = this.#running.get(uploadId);
    if (r === undefined) return;
    r.have += bytes;
    if (!r.reserved && used() > quota) {
      throw new FileStoreError("quota_exceeded", `Quota exceeded: ${r.size}`, {
        size: r.size,
        limit: quota,
      });
    }
  }

  /** The upload counts by what it has received from now on. */
  drop(uploadId: string): void {
    const r = this.#running.get(uploadId);
    if (r !== undefined) r.reserved = false;
  }

  /** The upload ended (published, kept idle, or deleted). */
  release(uploadId: string): void {
    const r = this.#running.get(uploadId);
    if (r?.v1 !== undefined) this.#v1Ids.delete(r.v1.fileId);
    this.#running.delete(uploadId);
  }

  /** Bytes the running uploads count against the quota. */
  get bytes(): number {
    let total = 0;
    for (const r of this.#running.values()) total += r.reserved ? r.size : r.have;
    return total;
  }
}
