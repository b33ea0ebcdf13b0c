/**
 * Outbound byte queues: the one place that writes all of a buffer to a
 * writer ({@link writeAll}) and the one bounded queue with a single write in
 * flight ({@link WriteQueue}) used by every socket and by terminal output.
 *
 * A queue never blocks the code that pushes into it: bytes are written at once
 * when the writer is idle, and what piles up while a write is in flight goes
 * out coalesced in the next write. A consumer that stops reading makes its own
 * queue hit its bound; the owner hears about it through `onOverflow` and
 * decides (close the peer with a reason, or drop output).
 *
 * @module
 */

/** Anything bytes can be written to: a `Deno.Conn`, a `Deno.FsFile`, `Deno.stdout`. */
export interface ByteWriter {
  /** Writes some prefix of `p` and resolves with how many bytes were written. */
  write(p: Uint8Array): Promise<number>;
}

/**
 * Writes every byte of `bytes`, looping over short writes.
 *
 * Throws `Deno.errors.WriteZero` if the writer reports zero bytes written for a
 * non-empty buffer, instead of spinning forever.
 *
 * @example
 * ```ts
 * import { writeAll } from "./write_queue.ts";
 * await writeAll(Deno.stdout, new TextEncoder().encode("hola\n"));
 * ```
 */
export async function writeAll(writer: ByteWriter, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    const n = await writer.write(off === 0 ? bytes : bytes.subarray(off));
    if (n <= 0) {
      throw new Deno.errors.WriteZero(`Writer wrote no bytes: ${bytes.length - off} left`);
    }
    off += n;
  }
}

/** Default bound on bytes waiting in one {@link WriteQueue}: 4 MiB. */
export const DEFAULT_MAX_QUEUED = 4 * 1024 * 1024;

/**
 * Largest write made by coalescing queued items: 4 KiB. Items that pile up
 * behind a write in flight are copied into one buffer of this size; an item
 * larger than that goes out alone, uncopied.
 */
export const COALESCE_BYTES = 4 * 1024;

/**
 * Coalescing buffers, shared by every queue of the process and reused: a
 * broadcast to a thousand members coalesces in a thousand queues at once, and
 * a fresh buffer per write (measured: 60 MiB for 1000 members joining) leaves
 * garbage that the allocator keeps as resident memory. A queue holds one
 * buffer only while it is busy; the free list keeps at most 4 MiB.
 */
const pool = {
  free: [] as Uint8Array[],
  max: (4 * 1024 * 1024) / COALESCE_BYTES,
  take(): Uint8Array {
    return this.free.pop() ?? new Uint8Array(COALESCE_BYTES);
  },
  give(buf: Uint8Array): void {
    if (this.free.length < this.max) this.free.push(buf);
  },
};

/** Options of {@link WriteQueue}. */
export interface WriteQueueOptions {
  /** Bound on bytes waiting, the write in flight included (default 4 MiB). */
  maxQueued?: number;
  /**
   * Called when {@link WriteQueue.push} refuses bytes that do not fit. The
   * queue stays open: the owner closes it (a slow peer) or not (dropped output).
   */
  onOverflow?: (refused: number, queued: number) => void;
  /** Called once when a write fails; the queue is closed by then. */
  onError?: (error: unknown) => void;
}

/**
 * A bounded queue of byte chunks with exactly one write in flight.
 *
 * Pushed chunks are never copied unless coalesced, so the same encoded frame
 * can be pushed into a thousand queues at no extra cost; callers must not
 * modify a chunk after pushing it.
 *
 * @example
 * ```ts
 * import { WriteQueue } from "./write_queue.ts";
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: 9009 });
 * const queue = new WriteQueue(conn, { onOverflow: () => conn.close() });
 * queue.push(new Uint8Array([0, 0, 0, 2, 123, 125]));
 * await queue.drain();
 * ```
 */
export class WriteQueue {
  readonly maxQueued: number;
  #writer: ByteWriter;
  #items: Uint8Array[] = [];
  #head = 0;
  #queued = 0;
  #writing = false;
  #closed = false;
  #waiters: Array<() => void> = [];
  /** This queue's coalescing buffer while it is busy (one write in flight: free between writes). */
  #spare: Uint8Array | null = null;
  #onOverflow?: (refused: number, queued: number) => void;
  #onError?: (error: unknown) => void;

  constructor(writer: ByteWriter, options: WriteQueueOptions = {}) {
    this.#writer = writer;
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    this.#onOverflow = options.onOverflow;
    this.#onError = options.onError;
  }

  /** Bytes pushed and not yet written (the write in flight included). */
  get queued(): number {
    return this.#queued;
  }

  /** Whether {@link close} was called or a write failed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Queues `bytes` and starts writing at once if no write is in flight. Never
   * waits. Returns false, queueing nothing, when the queue is closed or the
   * bytes would pass the bound (then `onOverflow` is called).
   */
  push(bytes: Uint8Array): boolean {
    if (this.#closed) return false;
    if (this.#queued + bytes.length > this.maxQueued) {
      this.#onOverflow?.(bytes.length, this.#queued);
      return false;
    }
    if (bytes.length === 0) return true;
    this.#items.push(bytes);
    this.#queued += bytes.length;
    if (!this.#writing) this.#pump();
    return true;
  }

  /**
   * Resolves once everything pushed so far is written, or the queue is closed
   * (by {@link close} or a failed write). Never rejects.
   */
  drain(): Promise<void> {
    if (this.#queued === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Drops what is waiting and refuses further pushes. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#items = [];
    this.#head = 0;
    this.#queued = 0;
    this.#wake();
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Takes the next write: one item as it is, or several joined (up to
   * {@link COALESCE_BYTES}) into this queue's spare buffer, taken from the
   * pool the first time and kept until the queue is idle.
   */
  #take(): Uint8Array {
    const items = this.#items;
    const first = items[this.#head++];
    let total = first.length;
    let end = this.#head;
    while (end < items.length && total + items[end].length <= COALESCE_BYTES) {
      total += items[end++].length;
    }
    let chunk = first;
    if (end > this.#head) {
      const spare = this.#spare ??= pool.take();
      spare.set(first, 0);
      let at = first.length;
      for (let i = this.#head; i < end; i++) {
        spare.set(items[i], at);
        at += items[i].length;
      }
      chunk = spare.subarray(0, total);
      this.#head = end;
    }
    if (this.#head === items.length) {
      items.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024) {
      items.splice(0, this.#head);
      this.#head = 0;
    }
    return chunk;
  }

  async #pump(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#head < this.#items.length && !this.#closed) {
        const chunk = this.#take();
        // Most writes complete in one call: no extra async frame for them.
        const n = await this.#writer.write(chunk);
        if (n < chunk.length) await writeAll(this.#writer, chunk.subarray(Math.max(0, n)));
        if (!this.#closed) this.#queued -= chunk.length;
      }
    } catch (error) {
      if (!this.#closed) {
        this.close();
        this.#onError?.(error);
      }
    } finally {
      this.#writing = false;
      // Idle (or closed): the spare buffer goes back for other queues.
      if (this.#spare !== null) {
        pool.give(this.#spare);
        this.#spare = null;
      }
      if (this.#queued === 0) this.#wake();
    }
  }
}
