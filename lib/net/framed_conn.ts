/**
 * A framed TCP connection: reads frames with {@link FrameDecoder} and writes
 * through a bounded outbound queue with exactly one write in flight.
 *
 * Used by the chat server (one per member) and the client. A peer that does
 * not read fast enough makes its own queue overflow; the connection is then
 * closed with a reason and nobody else waits for it.
 *
 * @module
 */

import { DEFAULT_MAX_FRAME, FrameDecoder } from "../protocol/frame.ts";

/** Default cap on bytes queued for one peer: 4 MiB. */
export const DEFAULT_MAX_QUEUE = 4 * 1024 * 1024;

const READ_BUFFER = 64 * 1024;

/** Options of {@link FramedConnection}. */
export interface FramedConnectionOptions {
  /** Largest frame accepted from the peer (default 64 KiB). */
  maxFrame?: number;
  /** Largest number of bytes queued for the peer before it is dropped (default 4 MiB). */
  maxQueue?: number;
  /** Called once when the queue overflows, before the connection closes. */
  onOverflow?: () => void;
}

/** A TCP connection carrying PC3 frames. */
export class FramedConnection {
  readonly conn: Deno.Conn;
  readonly decoder: FrameDecoder;
  readonly maxQueue: number;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #writing = false;
  #closed = false;
  #flushWaiters: Array<() => void> = [];
  #onOverflow?: () => void;

  constructor(conn: Deno.Conn, options: FramedConnectionOptions = {}) {
    this.conn = conn;
    this.decoder = new FrameDecoder({ maxFrame: options.maxFrame ?? DEFAULT_MAX_FRAME });
    this.maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    this.#onOverflow = options.onOverflow;
  }

  /** Whether {@link close} was called or the peer went away. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes waiting to be written. */
  get queued(): number {
    return this.#queued;
  }

  /**
   * Queues already-encoded frame bytes. Never blocks. Returns false when the
   * connection is closed or the queue overflowed (which closes it).
   */
  send(bytes: Uint8Array): boolean {
    if (this.#closed) return false;
    if (this.#queued + bytes.length > this.maxQueue) {
      this.#onOverflow?.();
      this.close();
      return false;
    }
    this.#queue.push(bytes);
    this.#queued += bytes.length;
    if (!this.#writing) this.#pump();
    return true;
  }

  /** Resolves when everything queued so far has been written (or the connection closed). */
  flush(): Promise<void> {
    if (this.#queued === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#flushWaiters.push(resolve));
  }

  async #pump(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        // Coalesce small frames into one write; large ones go as they are.
        let chunk: Uint8Array;
        if (this.#queue.length > 1 && this.#queue[0].length < READ_BUFFER) {
          let total = 0;
          let count = 0;
          while (count < this.#queue.length && total + this.#queue[count].length <= READ_BUFFER) {
            total += this.#queue[count].length;
            count++;
          }
          if (count <= 1) {
            chunk = this.#queue.shift()!;
          } else {
            chunk = new Uint8Array(total);
            let at = 0;
            for (const part of this.#queue.splice(0, count)) {
              chunk.set(part, at);
              at += part.length;
            }
          }
        } else {
          chunk = this.#queue.shift()!;
        }
        let written = 0;
        while (written < chunk.length) {
          written += await this.conn.write(chunk.subarray(written));
        }
        this.#queued -= chunk.length;
      }
    } catch {
      this.close();
    } finally {
      this.#writing = false;
      if (this.#queued === 0 || this.#closed) {
        for (const resolve of this.#flushWaiters.splice(0)) resolve();
      }
    }
  }

  /**
   * Reads frame payloads until EOF. Payloads are valid until the next
   * iteration. Throws the decoder's fatal {@link ProtocolError}s; socket
   * errors (reset, closed) end the iteration.
   */
  async *payloads(signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    const buf = new Uint8Array(READ_BUFFER);
    while (!this.#closed && !signal?.aborted) {
      let n: number | null;
      try {
        n = await this.conn.read(buf);
      } catch {
        return;
      }
      if (n === null) return;
      this.decoder.push(buf.subarray(0, n));
      let payload: Uint8Array | null;
      while ((payload = this.decoder.next()) !== null) {
        yield payload;
        if (this.#closed) return;
      }
    }
  }

  /**
   * Writes what is queued (up to `timeoutMs`), then closes. Safe to call twice.
   */
  async end(timeoutMs = 2000): Promise<void> {
    if (this.#closed) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.flush(),
      new Promise((resolve) => timer = setTimeout(resolve, timeoutMs)),
    ]);
    clearTimeout(timer);
    this.close();
  }

  /** Closes at once, dropping anything queued. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#queued = 0;
    try {
      this.conn.close();
    } catch {
      // Already closed by the peer or the runtime.
    }
    for (const resolve of this.#flushWaiters.splice(0)) resolve();
  }
}
