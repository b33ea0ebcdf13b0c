/**
 * Receiving an upload's bytes into its part file: hashed as they arrive and
 * synced to disk while they arrive, so that when the last byte lands only
 * the tail is left to flush.
 *
 * A background `syncData()` starts every {@link SYNC_EVERY_BYTES} on a
 * second handle of the same file (a sync on the handle being written would
 * queue behind its writes and theirs behind it), while receiving goes on.
 * The stall timer is paused around disk work: the disk's slowness says
 * nothing about the peer.
 *
 * @module
 */

import type { Hash } from "node:crypto";
import { type ByteSink, pump } from "../../net/bulk_copy.ts";
import type { FileLink } from "../../net/file_link.ts";
import { writeAll } from "../../net/write_queue.ts";

/** Bytes written between two background syncs of an upload. */
export const SYNC_EVERY_BYTES = 64 * 1024 * 1024;

/** How an upload's data reaches the disk (tests inject a slow one). */
export type SyncFile = (file: Deno.FsFile) => Promise<void>;

/** How an upload's bytes are written to its part (tests inject one that fails like a full disk). */
export type WriteData = (file: Deno.FsFile, bytes: Uint8Array) => Promise<number>;

/** The default {@link SyncFile}: `fdatasync` and its equivalents. */
export const syncData: SyncFile = (file) => file.syncData();

/** Options of {@link receiveUpload}. */
export interface ReceiveOptions {
  /** Where the bytes go (opened for writing, positioned at the offset). */
  file: Deno.FsFile;
  /** Its path, to open the second handle background syncs use. */
  path: string;
  /** Updated with every byte written. */
  hash: Hash;
  /** Bytes expected. */
  count: number;
  /** Stall window of the link while bytes should be arriving. */
  stallMs: number;
  /** How to sync (default {@link syncData}). */
  sync?: SyncFile;
  /** Bytes between background syncs (default {@link SYNC_EVERY_BYTES}). */
  syncEvery?: number;
  /** How to write (default `file.write`). */
  write?: WriteData;
  /** Told of every chunk written; may throw to stop the upload (quota). */
  onBytes?: (count: number) => void;
}

/**
 * Copies up to `count` bytes from `link` (its decoder's leftovers first)
 * into the file, hashing them, and returns how many came. When all came,
 * they are on disk before this returns (the acknowledgement promises it).
 */
export async function receiveUpload(link: FileLink, options: ReceiveOptions): Promise<number> {
  const { file, hash, count } = options;
  const sync = options.sync ?? syncData;
  using syncer = new BackgroundSync(options.path, sync, options.syncEvery ?? SYNC_EVERY_BYTES);
  const write = options.write ?? ((f: Deno.FsFile, b: Uint8Array) => f.write(b));
  const sink: ByteSink = {
    write: async (bytes) => {
      const n = await link.pausedDuring(() => write(file, bytes));
      syncer.wrote(n);
      options.onBytes?.(n);
      return n;
    },
  };
  let got = 0;
  const early = link.decoder.takeRest();
  if (early.length > 0) {
    const use = early.subarray(0, Math.min(early.length, count));
    hash.update(use);
    await writeAll(sink, use);
    got += use.length;
    if (early.length > use.length) link.decoder.push(early.subarray(use.length));
  }
  link.watch(options.stallMs);
  // A socket error ends the data like an EOF: the caller sees the bytes missing.
  const source = { read: (buf: Uint8Array) => link.read(buf).catch(() => null) };
  got += await pump(source, sink, count - got, { hash });
  await link.pausedDuring(async () => {
    await syncer.settled();
    if (got === count) await sync(file);
  });
  return got;
}

/** Starts a sync every `every` bytes written, one at a time, on its own handle. */
class BackgroundSync {
  #path: string;
  #sync: SyncFile;
  #every: number;
  #handle: Deno.FsFile | null = null;
  #unsynced = 0;
  #running: Promise<void> | null = null;
  #failure: unknown = null;

  constructor(path: string, sync: SyncFile, every: number) {
    this.#path = path;
    this.#sync = sync;
    this.#every = every;
  }

  /** Counts bytes written; starts a sync when enough are waiting and none runs. */
  wrote(bytes: number): void {
    this.#unsynced += bytes;
    if (this.#unsynced < this.#every || this.#running !== null) return;
    this.#unsynced = 0;
    this.#running = this.#run().finally(() => this.#running = null);
  }

  async #run(): Promise<void> {
    try {
      this.#handle ??= await Deno.open(this.#path, { write: true });
      await this.#sync(this.#handle);
    } catch (e) {
      this.#failure ??= e;
    }
  }

  /** Waits for the sync in flight; throws the first sync failure. */
  async settled(): Promise<void> {
    while (this.#running !== null) await this.#running;
    if (this.#failure !== null) throw this.#failure;
  }

  [Symbol.dispose](): void {
    // Only reached after settled() or a failure of the copy: never close under a running sync.
    if (this.#running === null) this.#handle?.close();
    else this.#running.finally(() => this.#handle?.close());
  }
}
