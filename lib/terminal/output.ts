/**
 * The terminal's output: text queued without ever blocking the caller, and
 * written with one write in flight, on the same bounded {@link WriteQueue}
 * as every socket. When the output stops taking bytes (a stalled pipe, a
 * frozen terminal) the queue is capped (default 8 MiB) and text that does
 * not fit is dropped, never the caller; after a failed write (the reader
 * went away) all output is dropped silently and the program keeps running.
 *
 * It takes only {@link SafeText}: what reaches the terminal was sanitised
 * (or is the program's own text and escape sequences).
 *
 * @example
 * ```ts
 * import { safe, safeText } from "../protocol/safe_text.ts";
 * import { TerminalOutput } from "./output.ts";
 * const out = new TerminalOutput(Deno.stdout);
 * out.write(safeText`${safe("hola")}\n`);
 * await out.flush();
 * ```
 *
 * @module
 */

import { type ByteWriter, WriteQueue } from "../net/write_queue.ts";
import type { SafeText } from "../protocol/safe_text.ts";

/** Default cap on bytes waiting to be written: 8 MiB. */
export const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;

/** A bounded text output that never blocks its caller (see the module documentation). */
export class TerminalOutput {
  #queue: WriteQueue;
  #encoder = new TextEncoder();

  /** `maxQueued`: bytes that may wait before more text is dropped (default 8 MiB). */
  constructor(writer: ByteWriter, options: { maxQueued?: number } = {}) {
    // Overflow and write errors need no handler: the text is dropped, as documented.
    this.#queue = new WriteQueue(writer, { maxQueued: options.maxQueued ?? DEFAULT_MAX_OUTPUT });
  }

  /** Queues text. Never waits. */
  write(text: SafeText): void {
    if (text === "" || this.#queue.closed) return;
    this.#queue.push(this.#encoder.encode(text));
  }

  /** Resolves when everything queued so far is written, or output failed. */
  flush(): Promise<void> {
    return this.#queue.drain();
  }
}
