/**
 * v1 uploads in the file store (PROTOCOL.md 3.2, 3.3): the client chooses
 * the id, the file is stored unannounced until the uploader's chat
 * connection claims it from the same address, and an upload nobody claims
 * is deleted after a while (no session ever vouched for it).
 *
 * @module
 */

import { createPart } from "./blobs.ts";
import type { FileCatalog } from "./catalog.ts";
import type { Reservations } from "./reservations.ts";
import { FileStoreError } from "./store_error.ts";
import { type FileInfo, publicInfo, type UploadSlot } from "./store_records.ts";

/** What the v1 side shares with the store that owns it. */
export interface V1Host {
  catalog: FileCatalog;
  running: Reservations;
  now(): number;
  /** Throws when `size` does not fit (largest upload, quota). */
  checkSize(size: number): void;
  /** A new upload id and the path of its part. */
  newPart(): { uploadId: string; path: string };
  save(): Promise<void>;
  /** Forgets a record, deleting its blob when nothing else uses it. */
  drop(fileId: string): Promise<void>;
  /** Files one member may have (a claim past it is refused). */
  maxFiles: number;
}

/**
 * The v1 operations of a file store.
 *
 * @example
 * ```ts
 * import { FileStore } from "../file_store.ts";
 * const store = await FileStore.open(await Deno.makeTempDir());
 * const slot = await store.beginV1("123_a.txt", "10.0.0.5", { filename: "a.txt", size: 0 });
 * await store.abandon(slot, false);
 * await store.close();
 * ```
 */
export class V1Store {
  #host: V1Host;

  constructor(host: V1Host) {
    this.#host = host;
  }

  /** Starts a v1 upload under `fileId`; throws `file_exists` when it is taken or running. */
  async begin(
    fileId: string,
    ip: string,
    request: { filename: string; size: number },
  ): Promise<UploadSlot> {
    const h = this.#host;
    if (h.catalog.get(fileId)?.file_id === fileId || h.running.hasV1(fileId)) {
      throw new FileStoreError("file_exists", `File id already used: ${fileId}`, { id: fileId });
    }
    h.checkSize(request.size);
    const { uploadId, path } = h.newPart();
    // Registered before the first await: a second upload with the same id sees it at once.
    h.running.start(uploadId, request.size, 0, { fileId, ip });
    await createPart(path, () => h.running.release(uploadId));
    const { filename, size } = request;
    return { uploadId, path, filename, size, offset: 0, v1: { fileId, ip } };
  }

  /**
   * The announce of PROTOCOL.md 3.3: the file, now `from`'s, or undefined
   * (also when `from` already has as many files as a member may).
   */
  claim(fileId: string, ip: string, from: string): FileInfo | undefined {
    const f = this.#host.catalog.get(fileId);
    if (f?.v1 === undefined || f.v1.announced || f.v1.ip !== ip) return undefined;
    if (this.#host.catalog.countFrom(from) >= this.#host.maxFiles) return undefined;
    f.v1.announced = true;
    f.from = from;
    f.ts = this.#host.now();
    void this.#host.save();
    return publicInfo(f);
  }

  /** v1 uploads from `ip` stored but not announced, and those running. */
  pending(ip: string): number {
    return this.#host.catalog.pendingV1(ip) + this.#host.running.v1From(ip);
  }

  /** Deletes the uploads not announced within `maxAgeMs`; returns them with their addresses. */
  async expire(maxAgeMs: number): Promise<Array<FileInfo & { ip: string }>> {
    const h = this.#host;
    const now = h.now();
    const old = [...h.catalog.values()].filter((f) =>
      f.v1 !== undefined && !f.v1.announced && now - f.ts > maxAgeMs
    );
    for (const f of old) await h.drop(f.file_id);
    if (old.length > 0) await h.save();
    return old.map((f) => ({ ...publicInfo(f), ip: f.v1!.ip }));
  }
}
