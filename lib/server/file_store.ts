/**
 * File storage of the PC3 server (the `--storage` directory).
 *
 * Layout:
 * - `files/<blob>`: published data, under server-generated names; one blob
 *   per distinct content (same SHA-256), shared by every record of it;
 * - `tmp/<upload_id>.part`: uploads in progress (resumable for 24 h);
 * - `index.json`: the index, an {@link AtomicJsonFile} (temporary file, sync,
 *   rename; a corrupt index is set aside and reported, never overwritten).
 *
 * Public file ids are never used as paths: v1 clients choose their own ids.
 * Quota counts each blob once, idle resumable parts by the bytes they hold,
 * and running uploads by their declared size while they make progress (a
 * reservation); an upload too slow to keep its reservation counts by what
 * it has received, and is refused `quota_exceeded` if that outgrows the room.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { AtomicJsonFile, type JsonFileProblem } from "../net/atomic_json.ts";
import type { LogSink } from "./log_event.ts";
import { createPart, removeOrphanBlobs } from "./files/blobs.ts";
import { FileCatalog, newFileId } from "./files/catalog.ts";
import { partsOverCap, sweepPartFiles } from "./files/part_files.ts";
import { Reservations } from "./files/reservations.ts";
import { checkResume, FileStoreError } from "./files/store_error.ts";
import {
  type DoneRecord,
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
/** Default cap of resumable parts per uploader name, and per address. */
export const DEFAULT_PART_CAPS = { perOwner: 8, perIp: 32 } as const;

/** Options of {@link FileStore.open}. */
export interface FileStoreOptions {
  quota?: number;
  maxUpload?: number;
  /** Resumable parts kept per uploader name and per address; the oldest idle ones go first. */
  partCaps?: { perOwner: number; perIp: number };
  /** Told about problems met while opening (corrupt index set aside, unreadable parts). */
  onProblem?: (problem: StoreProblem) => void;
  /** The server's log: `orphans_removed` {count} at open. */
  log?: LogSink;
  /** Clock, for tests. */
  now?: () => number;
}

/** Something wrong found in the storage directory; never fatal. */
export type StoreProblem =
  | { kind: "corrupt_index"; file: string; aside: string; detail: string }
  | { kind: "save_failed"; file: string; detail: string };

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
  #catalog = new FileCatalog();
  #parts = new Map<string, PartRecord>();
  #done = new Map<string, DoneRecord>();
  /** Uploads running right now. */
  #running = new Reservations();
  #partCaps: { perOwner: number; perIp: number };
  #index: AtomicJsonFile<IndexData>;
  #indexLost = false;
  #closed = false;
  #now: () => number;
  #log: LogSink;

  private constructor(dir: string, options: FileStoreOptions) {
    this.dir = dir;
    this.quota = options.quota ?? DEFAULT_QUOTA;
    this.maxUpload = options.maxUpload ?? DEFAULT_MAX_UPLOAD;
    this.#partCaps = options.partCaps ?? DEFAULT_PART_CAPS;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? (() => {});
    const onProblem = options.onProblem;
    this.#index = new AtomicJsonFile(join(dir, "index.json"), {
      validate: validateIndex,
      now: this.#now,
      onProblem: (p: JsonFileProblem) => {
        if (p.kind === "corrupt") this.#indexLost = true;
        // Without a listener, problems are printed as AtomicJsonFile would.
        if (onProblem === undefined) console.error(`PC3 files: ${p.file}: ${p.detail}`);
        else {
          onProblem(
            p.kind === "corrupt"
              ? { kind: "corrupt_index", file: p.file, aside: p.aside, detail: p.detail }
              : { kind: "save_failed", file: p.file, detail: p.detail },
          );
        }
      },
    });
  }

  /**
   * Opens (creating if needed) a storage directory. A corrupt index is
   * renamed aside and reported through `onProblem`; stale parts (older than
   * 24 h, or unknown to the index) are removed, and so are blobs the index
   * does not know (unless the index was lost: nothing is deleted on a guess).
   */
  static async open(dir: string, options: FileStoreOptions = {}): Promise<FileStore> {
    const store = new FileStore(dir, options);
    await Deno.mkdir(join(dir, "files"), { recursive: true });
    await Deno.mkdir(join(dir, "tmp"), { recursive: true });
    const loaded = await store.#load();
    if (loaded && !store.#indexLost) {
      const count = await removeOrphanBlobs(join(dir, "files"), (b) => store.#catalog.hasBlob(b));
      if (count > 0) store.#log({ kind: "orphans_removed", count });
    }
    await store.sweepParts();
    return store;
  }

  async #load(): Promise<boolean> {
    const data = await this.#index.load();
    for (const f of data?.files ?? []) this.#catalog.add(f);
    for (const p of data?.parts ?? []) this.#parts.set(p.upload_id, p);
    for (const d of data?.done ?? []) this.#done.set(d.upload_id, d);
    return data !== undefined;
  }

  /**
   * Removes parts older than 24 h or unknown to the index, and index records
   * whose part is gone. Uploads running right now are left alone. Run at
   * open and periodically by the file server.
   */
  async sweepParts(): Promise<void> {
    const now = this.#now();
    const kept = await sweepPartFiles(join(this.dir, "tmp"), {
      now,
      lifetimeMs: PART_LIFETIME_MS,
      isActive: (id) => this.#running.has(id),
      isKnown: (id) => this.#parts.has(id),
    });
    let changed = false;
    for (const [id, record] of [...this.#parts]) {
      if (this.#running.has(id)) continue;
      const size = kept.get(id);
      if (size === undefined) changed = this.#parts.delete(id) || changed;
      else record.have = size;
    }
    for (const [id, d] of [...this.#done]) {
      if (now - d.ts > PART_LIFETIME_MS) changed = this.#done.delete(id) || changed;
    }
    if (changed) await this.#save();
  }

  /** Published and announced files, oldest first. */
  list(): FileInfo[] {
    const out: FileInfo[] = [];
    for (const f of this.#catalog.values()) {
      if (f.v1 === undefined || f.v1.announced) out.push(publicInfo(f));
    }
    return out.sort((a, b) => a.ts - b.ts);
  }

  /** A stored file (announced or not) by its public id, in any letter case. */
  get(fileId: string): FileInfo | undefined {
    const f = this.#catalog.get(fileId);
    return f === undefined ? undefined : publicInfo(f);
  }

  /** Where the data of a stored file lives, or undefined. */
  blobPath(fileId: string): string | undefined {
    const f = this.#catalog.get(fileId);
    return f === undefined ? undefined : join(this.dir, "files", f.blob);
  }

  /** Files published by `owner` (counted against the per-member cap). */
  filesFrom(owner: string): number {
    return this.#catalog.countFrom(owner);
  }

  /** v1 uploads from `ip` stored but not announced yet, and those running. */
  pendingV1(ip: string): number {
    return this.#catalog.pendingV1(ip) + this.#running.v1From(ip);
  }

  /**
   * Bytes counted against the quota: each blob once, idle parts by their
   * bytes on disk, running uploads by their declared size while they hold a
   * reservation and by their bytes received once they lost it.
   */
  get used(): number {
    let total = this.#catalog.bytes;
    for (const p of this.#parts.values()) {
      if (!this.#running.has(p.upload_id)) total += Math.min(p.have ?? p.size, p.size);
    }
    return total + this.#running.bytes;
  }

  /**
   * v1 announce (PROTOCOL.md 3.3): a v1 upload from `ip`, not announced yet,
   * becomes announced as `from`'s. Returns its info, or undefined.
   */
  claimV1(fileId: string, ip: string, from: string): FileInfo | undefined {
    const f = this.#catalog.get(fileId);
    if (f?.v1 === undefined || f.v1.announced || f.v1.ip !== ip) return undefined;
    f.v1.announced = true;
    f.from = from;
    f.ts = this.#now();
    void this.#save();
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
   * `owner`, from address `ip`. Throws {@link FileStoreError}
   * (`upload_too_large`, `quota_exceeded`, `not_found`, `resume_size`,
   * `upload_running`, `too_many_uploads`).
   */
  async beginUpload(
    owner: string,
    request: { filename: string; size: number; resume?: string; ip?: string },
  ): Promise<UploadSlot> {
    this.#ensureOpen();
    if (request.resume !== undefined) {
      const done = this.#completed(owner, request.resume, request.size);
      if (done !== undefined) return done;
      return await this.#resume(owner, request.resume, request.size);
    }
    this.#checkSize(request.size);
    await this.#makeRoomForPart(owner, request.ip);
    const uploadId = randomHex(12);
    const record: PartRecord = {
      upload_id: uploadId,
      owner,
      ...(request.ip !== undefined ? { ip: request.ip } : {}),
      filename: request.filename,
      size: request.size,
      created: this.#now(),
    };
    const path = this.#partPath(uploadId);
    // Registered before the first await: concurrent checks and sweeps see it at once.
    this.#parts.set(uploadId, record);
    this.#running.start(uploadId, request.size, 0);
    await createPart(path, () => {
      this.#parts.delete(uploadId);
      this.#running.release(uploadId);
    });
    await this.#save();
    return { uploadId, path, filename: request.filename, size: request.size, offset: 0 };
  }

  /** A resume of an upload already published by `owner`: its file, or undefined. */
  #completed(owner: string, uploadId: string, size: number): UploadSlot | undefined {
    const d = this.#done.get(uploadId);
    if (d === undefined || d.owner !== owner || this.#parts.has(uploadId)) return undefined;
    const f = this.#catalog.get(d.file_id);
    if (f === undefined || f.file_id !== d.file_id || f.size !== size) return undefined;
    const path = join(this.dir, "files", f.blob);
    return { uploadId, path, filename: f.filename, size, offset: size, completed: publicInfo(f) };
  }

  async #resume(owner: string, uploadId: string, size: number): Promise<UploadSlot> {
    const p = this.#parts.get(uploadId);
    checkResume(p, { owner, size, id: uploadId }, this.#running.ids());
    // Running again, the upload counts with its whole size.
    this.#checkSize(p.size, Math.min(p.have ?? p.size, p.size));
    const path = this.#partPath(p.upload_id);
    // Before any await: a concurrent resume is refused.
    this.#running.start(p.upload_id, p.size, 0);
    let offset = 0;
    try {
      offset = Math.min((await Deno.stat(path)).size, p.size);
    } catch { /* part gone: start over */ }
    this.#running.setHave(p.upload_id, offset);
    return { uploadId: p.upload_id, path, filename: p.filename, size: p.size, offset };
  }

  /**
   * Keeps the resumable parts of `owner` and of `ip` under their caps by
   * dropping the oldest idle ones; throws `too_many_uploads` when the parts
   * over the cap are all running.
   */
  async #makeRoomForPart(owner: string, ip: string | undefined): Promise<void> {
    const who = {
      owner,
      ...(ip !== undefined ? { ip } : {}),
      isRunning: (id: string) => this.#running.has(id),
    };
    const drop = partsOverCap(this.#parts.values(), who, this.#partCaps);
    if (drop === null) {
      throw new FileStoreError("too_many_uploads", `Too many uploads in progress: ${owner}`, {
        limit: this.#partCaps.perOwner,
      });
    }
    for (const id of drop) {
      this.#parts.delete(id);
      await Deno.remove(this.#partPath(id)).catch(() => {});
    }
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
    if (this.#catalog.get(fileId)?.file_id === fileId || this.#running.hasV1(fileId)) {
      throw new FileStoreError("file_exists", `File id already used: ${fileId}`, { id: fileId });
    }
    this.#checkSize(request.size);
    const uploadId = randomHex(12);
    const path = this.#partPath(uploadId);
    // Registered before the first await: a second upload with the same id sees it at once.
    this.#running.start(uploadId, request.size, 0, { fileId, ip });
    await createPart(path, () => this.#running.release(uploadId));
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
   * Counts `bytes` more received by a running upload. Once it lost its
   * reservation ({@link dropReservation}), throws `quota_exceeded` when what
   * it holds no longer fits.
   */
  progress(slot: UploadSlot, bytes: number): void {
    this.#running.progress(slot.uploadId, bytes, this.quota, () => this.used);
  }

  /**
   * A running upload too slow to hold its reservation: from now on it
   * counts by the bytes it has received, so it cannot keep others out.
   */
  dropReservation(slot: UploadSlot): void {
    this.#running.drop(slot.uploadId);
  }

  /**
   * Publishes a complete, verified upload: moves the part into `files/` (or,
   * when the same content is stored already, drops it and shares that
   * blob), indexes it and saves the index. `from` is the uploader's name
   * (empty for v1 until announced).
   */
  async publish(slot: UploadSlot, sha256: string, from: string): Promise<FileInfo> {
    this.#ensureOpen();
    let blob = this.#catalog.blobWith(sha256);
    if (blob !== undefined && await exists(join(this.dir, "files", blob))) {
      await Deno.remove(slot.path);
    } else {
      blob = randomHex(16);
      await Deno.rename(slot.path, join(this.dir, "files", blob));
    }
    // Chosen and indexed with no await in between, so no concurrent publish takes it.
    const fileId = slot.v1?.fileId ??
      newFileId((id) => this.#catalog.taken(id) || this.#running.hasV1(id));
    this.#running.release(slot.uploadId);
    this.#parts.delete(slot.uploadId);
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
    this.#catalog.add(stored);
    if (slot.v1 === undefined) {
      this.#done.set(slot.uploadId, {
        upload_id: slot.uploadId,
        owner: from,
        file_id: fileId,
        ts: stored.ts,
      });
    }
    await this.#save();
    return publicInfo(stored);
  }

  /**
   * Ends an upload that did not complete. With `keep` (interrupted v2
   * upload) the part stays resumable; otherwise it is deleted. v1 parts are
   * never kept (v1 has no resume).
   */
  async abandon(slot: UploadSlot, keep: boolean): Promise<void> {
    if (slot.completed !== undefined) return;
    const record = this.#parts.get(slot.uploadId);
    if (keep && slot.v1 === undefined && record !== undefined) {
      // Idle from now on: the quota counts what the part holds, not its declared size.
      try {
        record.have = (await Deno.stat(slot.path)).size;
      } catch {
        record.have = 0;
      }
      this.#running.release(slot.uploadId);
      await this.#save();
      return;
    }
    this.#running.release(slot.uploadId);
    await Deno.remove(slot.path).catch(() => {});
    if (this.#parts.delete(slot.uploadId)) await this.#save();
  }

  /**
   * Deletes a stored file by its public id (any case). Its blob goes only
   * when no other record shares it. Returns the file removed, or undefined.
   */
  async remove(fileId: string): Promise<FileInfo | undefined> {
    const f = this.#catalog.get(fileId);
    if (f === undefined) return undefined;
    const removed = this.#catalog.remove(f.file_id)!;
    if (removed.blobFree) await Deno.remove(join(this.dir, "files", f.blob)).catch(() => {});
    await this.#save();
    return publicInfo(f);
  }

  /**
   * Deletes the v1 uploads never announced within `maxAgeMs` of their
   * upload (PROTOCOL.md 3.2), and returns them with their addresses.
   */
  async expireV1(maxAgeMs: number): Promise<Array<FileInfo & { ip: string }>> {
    const now = this.#now();
    const old = [...this.#catalog.values()].filter((f) =>
      f.v1 !== undefined && !f.v1.announced && now - f.ts > maxAgeMs
    );
    const out: Array<FileInfo & { ip: string }> = [];
    for (const f of old) {
      const removed = this.#catalog.remove(f.file_id)!;
      if (removed.blobFree) await Deno.remove(join(this.dir, "files", f.blob)).catch(() => {});
      out.push({ ...publicInfo(f), ip: f.v1!.ip });
    }
    if (out.length > 0) await this.#save();
    return out;
  }

  #partPath(uploadId: string): string {
    return join(this.dir, "tmp", `${uploadId}.part`);
  }

  #ensureOpen(): void {
    if (this.#closed) throw new FileStoreError("server_shutdown", "Store is closed");
  }

  /** Writes the index atomically; saves are serialised and coalesced. */
  #save(): Promise<void> {
    return this.#index.save({
      version: 1,
      files: [...this.#catalog.values()],
      parts: [...this.#parts.values()],
      done: [...this.#done.values()],
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

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
