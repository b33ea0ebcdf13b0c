/**
 * Bulk byte copy for file transfers: a read/write loop with two 1 MiB
 * buffers, each filled before it is written, so the next reads run while the
 * previous chunk is being written
 * (file writes run on Deno's blocking thread pool, socket reads in the
 * kernel), with an optional SHA-256 updated per chunk. Memory stays flat
 * whatever the size. No sockets or files here: any reader and writer will do.
 *
 * @module
 */

import type { Hash } from "node:crypto";
import { writeAll } from "./write_queue.ts";

/** Default bytes per read. */
export const BULK_BUFFER = 1024 * 1024;

/** Anything with a Deno-style `read`. */
export interface ByteSource {
  read(buf: Uint8Array): Promise<number | null>;
}

/** Anything with a Deno-style `write` (may write fewer bytes than given). */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<number>;
}

/** A sink that discards everything (to hash a prefix without sending it). */
export const NULL_SINK: ByteSink = { write: (bytes) => Promise.resolve(bytes.length) };

/**
 * Copies up to `count` bytes from `source` to `sink`, stopping early at EOF.
 * Returns the bytes copied. A write failure is thrown once the read in
 * flight has settled; a read failure is thrown as is.
 *
 * @example
 * ```ts
 * import { createHash } from "node:crypto";
 * import { pump } from "./bulk_copy.ts";
 * import { DEFAULT_FILE_PORT } from "../protocol/limits.ts";
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: DEFAULT_FILE_PORT });
 * using file = await Deno.open("copy.bin", { write: true, create: true });
 * const hash = createHash("sha256");
 * const copied = await pump(conn, file, 1024, { hash, onProgress: (n) => console.log(n) });
 * ```
 */
export async function pump(
  source: ByteSource,
  sink: ByteSink,
  count: number,
  options: {
    hash?: Hash;
    /** After each chunk handed to the sink, with the bytes copied so far. */
    onProgress?: (copied: number) => void;
    bufferSize?: number;
  } = {},
): Promise<number> {
  const size = options.bufferSize ?? BULK_BUFFER;
  const bufs = [new Uint8Array(Math.min(size, count)), new Uint8Array(Math.min(size, count))];
  let copied = 0;
  let k = 0;
  let writing: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | null = null;
  // Fill the whole buffer before handing it on: sockets hand out small pieces, and one
  // write (a thread-pool hop for files) per piece costs more than the copy itself.
  const readInto = async (buf: Uint8Array): Promise<number | null> => {
    const want = Math.min(size, count - copied);
    let filled = 0;
    while (filled < want) {
      const n = await source.read(buf.subarray(filled, want));
      if (n === null) break;
      filled += n;
    }
    return filled === 0 ? null : filled;
  };
  let reading: Promise<number | null> | null = count > 0 ? readInto(bufs[0]) : null;
  try {
    while (reading !== null) {
      const n = await reading;
      reading = null;
      if (n === null) break;
      const chunk = bufs[k].subarray(0, n);
      // The other buffer is free once its write is done: the next read may use it.
      await writing;
      if (failure !== null) break;
      copied += n;
      k ^= 1;
      if (copied < count) reading = readInto(bufs[k]);
      // The write (a thread-pool job for files, the kernel for sockets) starts first,
      // so hashing on this thread overlaps it instead of delaying it.
      writing = writeAll(sink, chunk).catch((error) => {
        failure = { error };
      });
      options.hash?.update(chunk);
      options.onProgress?.(copied);
    }
  } finally {
    // Never leave a read or write running (or an unhandled rejection) behind.
    if (reading !== null) await (reading as Promise<unknown>).catch(() => null);
    await writing;
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
  return copied;
}
