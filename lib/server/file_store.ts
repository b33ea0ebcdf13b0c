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
 * Quota counts each blob once, idle parts by the bytes they hold, and running
 * uploads as files/reservations.ts says.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { LogSink } from "./log_event.ts";
import { createPart, placeBlob, removeOrphanBlobs } from "./files/blobs.ts";
import { FileCatalog, newFileId } from "./files/catalog.ts";
import { sweepPartFiles } from "./files/part_files.ts";
import { PartTable } from "./files/part_table.ts";
import { Reservations } from "./files/reservations.ts";
import { checkResume, checkRoom, FileStoreError } from "./files/store_error.ts";
import { V1Store } from "./files/v1_store.ts";
import { UPLOAD_LIMITS } from "./files/upload_limits.ts";
import { StoreIndex, type StoreProblem } from "./files/store_index.ts";
import {
  type FileInfo,
  publicInfo,
  type StoredFile,
  type UploadSlot,
} from "./files/store_records.ts";

export { FileStoreError, type FileStoreErrorCode } from "./files/store_error.ts";
export type { FileInfo, UploadSlot } from "./files/store_records.ts";
export type { StoreProblem } from "./files/store_index.ts";

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
  /** Files one member may have: a v1 announce past it is refused (default 200, `--max-files`). */
  maxFiles?: number;
  /** Told about problems met while opening (corrupt index set aside, unreadable parts). */
  onProblem?: (problem: StoreProblem) => void;
  /** The server's log: `orphans_removed` {count} at open. */
  log?: LogSink;
  /** Clock, for tests. */
  now?: () => number;
}

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
  #parts = new PartTable();
  /** Uploads running right now. */
  #running = new Reservations();
  #partCaps: { perOwner: number; perIp: number };
  #index: StoreIndex;
  #closed = false;
  #now: () => number;
  #log: LogSink;
  #v1: V1Store;
  /** Blobs a running publish is about to share (never deleted meanwhile). */
  #pinned = new Set<string>();

  private constructor(dir: string, options: FileStoreOptions) {
    this.dir = dir;
    this.quota = options.quota ?? DEFAULT_QUOTA;
    this.maxUpload = options.maxUpload ?? DEFAULT_MAX_UPLOAD;
    this.#partCaps = options.partCaps ?? DEFAULT_PART_CAPS;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? (() => {});
    this.#index = new StoreIndex(dir, {
      now: this.#now,
      ...(options.onProblem ? { onProblem: options.onProblem } : {}),
    });
    this.#v1 = new V1Store({
      catalog: this.#catalog,
      running: this.#running,
      now: this.#now,
      checkSize: (size) => this.#checkSize(size),
      newPart: () => {
        const uploadId = randomHex(12);
        return { uploadId, path: this.#partPath(uploadId) };
      },
      save: () => this.#save(),
      drop: (fileId) => this.#drop(fileId),
      maxFiles: options.maxFiles ?? UPLOAD_LIMITS.maxFiles,
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
    if (loaded && !store.#index.lost) {
      const count = await removeOrphanBlobs(join(dir, "files"), (b) => store.#catalog.hasBlob(b));
      if (count > 0) store.#log({ kind: "orphans_removed", count });
    }
    await store.sweepParts();
    return store;
  }

  async #load(): Promise<boolean> {
    const data = await this.#index.load();
    for (const f of data?.files ?? []) this.#catalog.add(f);
    this.#parts.load(data?.parts ?? [], data?.done ?? []);
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
    const isRunning = (id: string) => this.#running.has(id);
    if (this.#parts.reconcile(kept, isRunning, now - PART_LIFETIME_MS)) await this.#save();
  }

  /** Published and announced files, oldest first. */
  list(): FileInfo[] {
    return this.#catalog.listed().map(publicInfo);
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

  /** Files of `owner`, and uploads of theirs that may become one (the per-member cap). */
  filesFrom(owner: string): number {
    return this.#catalog.countFrom(owner) + this.#parts.countOwner(owner);
  }

  /** v1 uploads from `ip` stored but not announced yet, and those running. */
  pendingV1(ip: string): number {
    return this.#v1.pending(ip);
  }

  /** Bytes counted against the quota: blobs once, idle parts, running uploads. */
  get used(): number {
    const idle = this.#parts.idleBytes((id) => this.#running.has(id));
    return this.#catalog.bytes + idle + this.#running.bytes;
  }

  /** v1 announce (PROTOCOL.md 3.3): the upload from `ip`, now `from`'s, or undefined. */
  claimV1(fileId: string, ip: string, from: string): FileInfo | undefined {
    return this.#v1.claim(fileId, ip, from);
  }

  #checkSize(size: number, extra = 0): void {
    // `extra`: bytes already counted for this upload (an idle part being resumed).
    checkRoom(size, { maxUpload: this.maxUpload, left: this.quota - (this.used - extra) });
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
    // Resumable parts are capped per name and per address; the oldest idle ones go.
    const who = { owner, ip: request.ip, isRunning: (id: string) => this.#running.has(id) };
    for (const id of this.#parts.makeRoom(who, this.#partCaps)) {
      await Deno.remove(this.#partPath(id)).catch(() => {});
    }
    const uploadId = randomHex(12);
    const { filename, size, ip } = request;
    const path = this.#partPath(uploadId);
    // Registered before the first await: concurrent checks and sweeps see it at once.
    this.#parts.set({ upload_id: uploadId, owner, ip, filename, size, created: this.#now() });
    this.#running.start(uploadId, size, 0);
    await createPart(path, () => {
      this.#parts.delete(uploadId);
      this.#running.release(uploadId);
    });
    await this.#save();
    return { uploadId, path, filename, size, offset: 0 };
  }

  /** A resume of an upload already published by `owner`: its file, or undefined. */
  #completed(owner: string, uploadId: string, size: number): UploadSlot | undefined {
    const d = this.#parts.done(uploadId, owner);
    const f = d === undefined ? undefined : this.#catalog.get(d.file_id);
    if (f === undefined || f.file_id !== d!.file_id || f.size !== size) return undefined;
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
    // A part gone counts as empty: the upload starts over.
    const offset = Math.min(await Deno.stat(path).then((i) => i.size, () => 0), p.size);
    this.#running.setHave(p.upload_id, offset);
    return { uploadId: p.upload_id, path, filename: p.filename, size: p.size, offset };
  }

  /**
   * Starts a v1 upload under the client-chosen `fileId` (already validated).
   * Throws `file_exists` when the id is taken or being uploaded.
   */
  beginV1(
    fileId: string,
    ip: string,
    request: { filename: string; size: number },
  ): Promise<UploadSlot> {
    this.#ensureOpen();
    return this.#v1.begin(fileId, ip, request);
  }

  /**
   * Counts `bytes` more received by a running upload. Once it lost its
   * reservation ({@link dropReservation}), throws `quota_exceeded` when what
   * it holds no longer fits.
   */
  progress(slot: UploadSlot, bytes: number): void {
    this.#running.progress(slot.uploadId, bytes, this.quota, () => this.used);
  }

  /** A running upload too slow to hold its reservation counts by its bytes from now on. */
  dropReservation(slot: UploadSlot): void {
    this.#running.drop(slot.uploadId);
  }

  /**
   * Publishes a complete, verified upload: moves the part into `files/` (or,
   * when the same content is stored already, drops it and shares that
   * blob), indexes it and saves the index. `from` is the uploader's name
   * (empty for v1 until announced). When the index cannot be saved (a full
   * disk), the publication is undone and the save's error thrown.
   */
  async publish(slot: UploadSlot, sha256: string, from: string): Promise<FileInfo> {
    this.#ensureOpen();
    const same = this.#catalog.blobWith(sha256);
    // Pinned while it is being shared: a concurrent remove() of its last record keeps it.
    if (same !== undefined) this.#pinned.add(same);
    let blob: string;
    try {
      blob = await placeBlob(join(this.dir, "files"), slot.path, { same, fresh: randomHex(16) });
    } finally {
      if (same !== undefined) this.#pinned.delete(same);
    }
    // Chosen and indexed with no await in between, so no concurrent publish takes it.
    const fileId = slot.v1?.fileId ??
      newFileId((id) => this.#catalog.taken(id) || this.#running.hasV1(id));
    this.#running.release(slot.uploadId);
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
      this.#parts.markDone({
        upload_id: slot.uploadId,
        owner: from,
        file_id: fileId,
        ts: stored.ts,
      });
    }
    await this.#save({ orThrow: true }).catch(async (e) => {
      // Not in the index on disk: undone, so it is never acknowledged and then lost.
      this.#parts.forgetDone(slot.uploadId);
      await this.#drop(fileId);
      throw e;
    });
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
      record.have = await Deno.stat(slot.path).then((i) => i.size, () => 0);
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
    await this.#drop(f.file_id);
    await this.#save();
    return publicInfo(f);
  }

  /** Forgets a record; its blob is deleted when no record shares it and no publish pins it. */
  async #drop(fileId: string): Promise<void> {
    const removed = this.#catalog.remove(fileId);
    if (removed?.blobFree && !this.#pinned.has(removed.file.blob)) {
      await Deno.remove(join(this.dir, "files", removed.file.blob)).catch(() => {});
    }
  }

  /**
   * Deletes the v1 uploads never announced within `maxAgeMs` of their
   * upload (PROTOCOL.md 3.2), and returns them with their addresses.
   */
  expireV1(maxAgeMs: number): Promise<Array<FileInfo & { ip: string }>> {
    return this.#v1.expire(maxAgeMs);
  }

  #partPath(uploadId: string): string {
    return join(this.dir, "tmp", `${uploadId}.part`);
  }

  #ensureOpen(): void {
    if (this.#closed) throw new FileStoreError("server_shutdown", "Store is closed");
  }

  /** Writes the index atomically; saves are serialised and coalesced. */
  #save(options: { orThrow?: boolean } = {}): Promise<void> {
    const data = { version: 1, files: [...this.#catalog.values()], ...this.#parts.records() };
    return options.orThrow ? this.#index.saveOrThrow(data) : this.#index.save(data);
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
