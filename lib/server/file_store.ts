/**
 * File storage of the PC3 server (the `--storage` directory).
 *
 * Layout:
 * - `files/<blob>`: published data, under server-generated names;
 * - `tmp/<upload_id>.part`: uploads in progress (resumable for 24 h);
 * - `index.json`: the index, an {@link AtomicJsonFile} (temporary file, sync,
 *   rename; a corrupt index is set aside and reported, never overwritten).
 *
 * Public file ids are never used as paths: v1 clients choose their own ids.
 * Quota counts published files, the declared size of every running upload
 * (so concurrent uploads cannot overshoot it) and the bytes idle resumable
 * parts hold on disk (so abandoned uploads do not block the quota for 24 h).
 *
 * @module
 */

import { randomBytes, randomInt } from "node:crypto";
import { join } from "node:path";
import { AtomicJsonFile, type JsonFileProblem } from "../net/atomic_json.ts";
import { sweepPartFiles } from "./files/part_files.ts";
import { checkResume, FileStoreError } from "./files/store_error.ts";
import {
  type FileInfo,
  type IndexData,
  type PartRecord,
  publicInfo,
  type StoredFile,
  type UploadSlot,
  validateIndex,
} from "./files/store_records.ts";

export { FileStoreError, type FileStoreErrorCode } from "./files/store_error.ts";
export type { FileInfo, UploadSlot } from "./files/store_records.ts";

/** Default largest upload: 16 GiB. */
export const DEFAULT_MAX_UPLOAD = 16 * 1024 ** 3;
/** Default storage quota: 64 GiB. */
export const DEFAULT_QUOTA = 64 * 1024 ** 3;
/** How long an interrupted upload stays resumable. */
export const PART_LIFETIME_MS = 24 * 3600 * 1000;

/** Options of {@link FileStore.open}. */
export interface FileStoreOptions {
  quota?: number;
  maxUpload?: number;
  /** Told about problems met while opening (corrupt index set aside, unreadable parts). */
  onProblem?: (problem: StoreProblem) => void;
  /** Clock, for tests. */
  now?: () => number;
}

/** Something wrong found in the storage directory; never fatal. */
export type StoreProblem =
  | { kind: "corrupt_index"; file: string; aside: string; detail: string }
  | { kind: "save_failed"; file: string; detail: string };

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/**
 * The server's files: index, published blobs and resumable parts.
 *
 * @example
 * ```ts
 * const store = await FileStore.open("./server_storage");
 * console.log(store.list());
 * await store.close();
 * ```
 */
export class FileStore {
  readonly dir: string;
  readonly quota: number;
  readonly maxUpload: number;
  #files = new Map<string, StoredFile>();
  #parts = new Map<string, PartRecord>();
  /** Upload ids and v1 file ids held by uploads running right now. */
  #active = new Set<string>();
  /** v1 file ids being uploaded, with their declared sizes. */
  #activeV1 = new Map<string, number>();
  #index: AtomicJsonFile<IndexData>;
  #closed = false;
  #now: () => number;

  private constructor(dir: string, options: FileStoreOptions) {
    this.dir = dir;
    this.quota = options.quota ?? DEFAULT_QUOTA;
    this.maxUpload = options.maxUpload ?? DEFAULT_MAX_UPLOAD;
    this.#now = options.now ?? Date.now;
    const onProblem = options.onProblem;
    // Without a listener, AtomicJsonFile logs problems itself.
    this.#index = new AtomicJsonFile(join(dir, "index.json"), {
      validate: validateIndex,
      now: this.#now,
      ...(onProblem === undefined ? {} : {
        onProblem: (p: JsonFileProblem) =>
          onProblem(
            p.kind === "corrupt"
              ? { kind: "corrupt_index", file: p.file, aside: p.aside, detail: p.detail }
              : { kind: "save_failed", file: p.file, detail: p.detail },
          ),
      }),
    });
  }

  /**
   * Opens (creating if needed) a storage directory. A corrupt index is
   * renamed aside and reported through `onProblem`; stale parts (older than
   * 24 h, or unknown to the index) are removed.
   */
  static async open(dir: string, options: FileStoreOptions = {}): Promise<FileStore> {
    const store = new FileStore(dir, options);
    await Deno.mkdir(join(dir, "files"), { recursive: true });
    await Deno.mkdir(join(dir, "tmp"), { recursive: true });
    await store.#load();
    await store.sweepParts();
    return store;
  }

  async #load(): Promise<void> {
    // A corrupt index is set aside and reported by AtomicJsonFile. Its blobs stay on
    // disk (nothing is deleted on a guess); they are just no longer listed.
    const data = await this.#index.load();
    for (const f of data?.files ?? []) this.#files.set(f.file_id, f);
    for (const p of data?.parts ?? []) this.#parts.set(p.upload_id, p);
  }

  /**
   * Removes parts older than 24 h or unknown to the index, and index records
   * whose part is gone. Uploads running right now are left alone. Run at
   * open and periodically by the file server.
   */
  async sweepParts(): Promise<void> {
    const kept = await sweepPartFiles(join(this.dir, "tmp"), {
      now: this.#now(),
      lifetimeMs: PART_LIFETIME_MS,
      isActive: (id) => this.#active.has(id),
      isKnown: (id) => this.#parts.has(id),
    });
    let changed = false;
    for (const [id, record] of [...this.#parts]) {
      if (this.#active.has(id)) continue;
      const size = kept.get(id);
      if (size === undefined) changed = this.#dropPart(id) || changed;
      else record.have = size;
    }
    if (changed) await this.#save();
  }

  /** Published and announced files, oldest first. */
  list(): FileInfo[] {
    const out: FileInfo[] = [];
    for (const f of this.#files.values()) {
      if (f.v1 === undefined || f.v1.announced) out.push(publicInfo(f));
    }
    return out.sort((a, b) => a.ts - b.ts);
  }

  /** A stored file (announced or not) by its public id. */
  get(fileId: string): FileInfo | undefined {
    const f = this.#files.get(fileId);
    return f === undefined ? undefined : publicInfo(f);
  }

  /** Where the data of a stored file lives, or undefined. */
  blobPath(fileId: string): string | undefined {
    const f = this.#files.get(fileId);
    return f === undefined ? undefined : join(this.dir, "files", f.blob);
  }

  /**
   * Bytes counted against the quota: published files, the declared size of
   * every running upload, and what idle resumable parts hold on disk.
   */
  get used(): number {
    let total = 0;
    for (const f of this.#files.values()) total += f.size;
    for (const p of this.#parts.values()) {
      total += this.#active.has(p.upload_id) ? p.size : Math.min(p.have ?? p.size, p.size);
    }
    for (const size of this.#activeV1.values()) total += size;
    return total;
  }

  /**
   * v1 announce (PROTOCOL.md 3.3): a v1 upload from `ip`, not announced yet,
   * becomes announced as `from`'s. Returns its info, or undefined.
   */
  claimV1(fileId: string, ip: string, from: string): FileInfo | undefined {
    const f = this.#files.get(fileId);
    if (f?.v1 === undefined || f.v1.announced || f.v1.ip !== ip) return undefined;
    f.v1.announced = true;
    f.from = from;
    f.ts = this.#now();
    this.#scheduleSave();
    return publicInfo(f);
  }

  #checkSize(size: number, extra = 0): void {
    // `extra`: bytes already counted for this upload (an idle part being resumed).
    if (size > this.maxUpload) {
      throw new FileStoreError("upload_too_large", `Upload too large: ${size}`, {
        size,
        limit: this.maxUpload,
      });
    }
    const left = this.quota - (this.used - extra);
    if (size > left) {
      throw new FileStoreError("quota_exceeded", `Quota exceeded: ${size}`, {
        size,
        limit: Math.max(0, left),
      });
    }
  }

  /**
   * Starts (or, with `resume`, continues) a v2 upload owned by session name
   * `owner`. Throws {@link FileStoreError} (`upload_too_large`,
   * `quota_exceeded`, `not_found`, `resume_size`, `upload_running`).
   */
  async beginUpload(
    owner: string,
    request: { filename: string; size: number; resume?: string },
  ): Promise<UploadSlot> {
    this.#ensureOpen();
    if (request.resume !== undefined) {
      const p = this.#parts.get(request.resume);
      checkResume(p, { owner, size: request.size, id: request.resume }, this.#active);
      // Running again, the upload counts with its whole size.
      this.#checkSize(p.size, Math.min(p.have ?? p.size, p.size));
      const path = this.#partPath(p.upload_id);
      this.#active.add(p.upload_id); // before any await: a concurrent resume is refused
      let offset = 0;
      try {
        offset = Math.min((await Deno.stat(path)).size, p.size);
      } catch { /* part gone: start over */ }
      return { uploadId: p.upload_id, path, filename: p.filename, size: p.size, offset };
    }
    this.#checkSize(request.size);
    const uploadId = randomHex(12);
    const record: PartRecord = {
      upload_id: uploadId,
      owner,
      filename: request.filename,
      size: request.size,
      created: this.#now(),
    };
    const path = this.#partPath(uploadId);
    // Registered before the first await: concurrent checks and sweeps see it at once.
    this.#parts.set(uploadId, record);
    this.#active.add(uploadId);
    await createPart(path, () => {
      this.#parts.delete(uploadId);
      this.#active.delete(uploadId);
    });
    await this.#save();
    return { uploadId, path, filename: request.filename, size: request.size, offset: 0 };
  }

  /**
   * Starts a v1 upload under the client-chosen `fileId` (already validated).
   * Throws `file_exists` when the id is taken or being uploaded.
   */
  async beginV1(
    fileId: string,
    ip: string,
    request: { filename: string; size: number },
  ): Promise<UploadSlot> {
    this.#ensureOpen();
    if (this.#files.has(fileId) || this.#activeV1.has(fileId)) {
      throw new FileStoreError("file_exists", `File id already used: ${fileId}`, { id: fileId });
    }
    this.#checkSize(request.size);
    const uploadId = randomHex(12);
    const path = this.#partPath(uploadId);
    // Registered before the first await: a second upload with the same id sees it at once.
    this.#activeV1.set(fileId, request.size);
    this.#active.add(uploadId);
    await createPart(path, () => {
      this.#activeV1.delete(fileId);
      this.#active.delete(uploadId);
    });
    return {
      uploadId,
      path,
      filename: request.filename,
      size: request.size,
      offset: 0,
      v1: { fileId, ip },
    };
  }

  /**
   * Publishes a complete, verified upload: moves the part into `files/`,
   * indexes it and saves the index. `from` is the uploader's name (empty for
   * v1 until announced).
   */
  async publish(slot: UploadSlot, sha256: string, from: string): Promise<FileInfo> {
    this.#ensureOpen();
    const blob = randomHex(16);
    await Deno.rename(slot.path, join(this.dir, "files", blob));
    // Chosen and indexed with no await in between, so no concurrent publish takes it.
    const fileId = slot.v1?.fileId ?? this.#newFileId();
    this.#release(slot);
    this.#dropPart(slot.uploadId);
    const stored: StoredFile = {
      file_id: fileId,
      filename: slot.filename,
      size: slot.size,
      sha256,
      from,
      ts: this.#now(),
      blob,
      ...(slot.v1 ? { v1: { ip: slot.v1.ip, announced: false } } : {}),
    };
    this.#files.set(fileId, stored);
    await this.#save();
    return publicInfo(stored);
  }

  /**
   * Ends an upload that did not complete. With `keep` (interrupted v2
   * upload) the part stays resumable; otherwise it is deleted. v1 parts are
   * never kept (v1 has no resume).
   */
  async abandon(slot: UploadSlot, keep: boolean): Promise<void> {
    const record = this.#parts.get(slot.uploadId);
    if (keep && slot.v1 === undefined && record !== undefined) {
      // Idle from now on: the quota counts what the part holds, not its declared size.
      try {
        record.have = (await Deno.stat(slot.path)).size;
      } catch {
        record.have = 0;
      }
      this.#release(slot);
      await this.#save();
      return;
    }
    this.#release(slot);
    await Deno.remove(slot.path).catch(() => {});
    if (this.#dropPart(slot.uploadId)) await this.#save();
  }

  /** Frees what a running upload holds (v2 reservations live with the part record). */
  #release(slot: UploadSlot): void {
    this.#active.delete(slot.uploadId);
    if (slot.v1 !== undefined) this.#activeV1.delete(slot.v1.fileId);
  }

  #dropPart(uploadId: string): boolean {
    const p = this.#parts.get(uploadId);
    if (p === undefined) return false;
    this.#parts.delete(uploadId);
    return true;
  }

  #partPath(uploadId: string): string {
    return join(this.dir, "tmp", `${uploadId}.part`);
  }

  #newFileId(): string {
    for (;;) {
      let id = "";
      for (let i = 0; i < 6; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
      if (!this.#files.has(id) && !this.#activeV1.has(id)) return id;
    }
  }

  #ensureOpen(): void {
    if (this.#closed) throw new FileStoreError("server_shutdown", "Store is closed");
  }

  #scheduleSave(): void {
    void this.#save();
  }

  /** Writes the index atomically; saves are serialised and coalesced. */
  #save(): Promise<void> {
    return this.#index.save({
      version: 1,
      files: [...this.#files.values()],
      parts: [...this.#parts.values()],
    });
  }

  /** Persists the index and refuses new uploads. Safe to call twice. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      await this.#save();
    }
    await this.#index.flushed();
  }
}

/** Creates an empty part file; if that fails, `undo` runs before the error is thrown. */
async function createPart(path: string, undo: () => void): Promise<void> {
  try {
    (await Deno.open(path, { write: true, createNew: true })).close();
  } catch (e) {
    undo();
    throw e;
  }
}
