/**
 * A framed TCP connection: reads frames with {@link FrameDecoder} and writes
 * through a {@link WriteQueue} (bounded, one write in flight).
 *
 * Used by the chat server (one per member) and the client. A peer that does
 * not read fast enough makes its own queue overflow; the connection is then
 * closed with a reason and nobody else waits for it.
 *
 * @module
 */

import { DEFAULT_MAX_FRAME, FrameDecoder } from "../protocol/frame.ts";
import { DEFAULT_MAX_QUEUED, WriteQueue } from "./write_queue.ts";

/** Default cap on bytes queued for one peer: 4 MiB. */
export const DEFAULT_MAX_QUEUE = DEFAULT_MAX_QUEUED;

/** Size of the buffer {@link FramedConnection.payloads} reads into. */
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

/**
 * A TCP connection carrying PC3 frames.
 *
 * @example
 * ```ts
 * import { FramedConnection } from "./framed_conn.ts";
 * import { decodeMessage, encodeFrame } from "../protocol/frame.ts";
 * const fc = new FramedConnection(await Deno.connect({ hostname: "127.0.0.1", port: 9009 }));
 * fc.send(encodeFrame({ type: "hello", name: "Ana" }));
 * for await (const payload of fc.payloads()) console.log(decodeMessage(payload));
 * fc.close();
 * ```
 */
export class FramedConnection {
  readonly conn: Deno.Conn;
  readonly decoder: FrameDecoder;
  #out: WriteQueue;
  #closed = false;

  constructor(conn: Deno.Conn, options: FramedConnectionOptions = {}) {
    this.conn = conn;
    this.decoder = new FrameDecoder({ maxFrame: options.maxFrame ?? DEFAULT_MAX_FRAME });
    const onOverflow = options.onOverflow;
    this.#out = new WriteQueue(conn, {
      maxQueued: options.maxQueue ?? DEFAULT_MAX_QUEUE,
      onOverflow: () => {
        if (this.#closed) return;
        onOverflow?.();
        this.close();
      },
      onError: () => this.close(),
    });
  }

  /** Whether {@link close} was called, a write failed or the queue overflowed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Queues already-encoded frame bytes (not copied: never modify them after).
   * Never blocks. Returns false when the connection is closed or the queue
   * overflowed (which closes it).
   */
  send(bytes: Uint8Array): boolean {
    return this.#out.push(bytes);
  }

  /** Resolves when everything queued so far has been written (or the connection closed). */
  flush(): Promise<void> {
    return this.#out.drain();
  }

  /**
   * Reads frame payloads until EOF. Payloads are valid until the next
   * iteration. Throws the decoder's fatal `ProtocolError`s; socket
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

  /** Writes what is queued (up to `timeoutMs`), then closes. Safe to call twice. */
  async end(timeoutMs = 2000): Promise<void> {
    if (this.#closed) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#out.drain(),
      new Promise((resolve) => timer = setTimeout(resolve, timeoutMs)),
    ]);
    clearTimeout(timer);
    this.close();
  }

  /** Closes at once, dropping anything queued. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#out.close();
    try {
      this.conn.close();
    } catch {
      // Already closed by the peer or the runtime.
    }
  }
}
