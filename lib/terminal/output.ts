/**
 * The terminal's output: text queued without ever blocking the caller, and
 * written with one write in flight. When the output stops taking bytes (a
 * stalled pipe, a frozen terminal) the queue is capped (default 8 MiB) and
 * what does not fit is dropped, never the caller; after a failed write (the
 * reader went away) output is dropped silently and the program keeps running.
 *
 * @example
 * ```ts
 * import { OutputQueue } from "./output.ts";
 * const out = new OutputQueue(Deno.stdout);
 * out.write("hola\n");
 * await out.flush();
 * ```
 *
 * @module
 */

/** Something bytes can be written to (Deno.stdout, a test fake). */
export interface Writer {
  /** Writes some prefix of `p` and resolves with how many bytes were written. */
  write(p: Uint8Array): Promise<number>;
}

/** Default cap on bytes waiting to be written: 8 MiB. */
export const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;

/** A bounded text output queue that never blocks its caller (see the module documentation). */
export class OutputQueue {
  #writer: Writer;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #max: number;
  #writing: Promise<void> | null = null;
  #dead = false;
  #encoder = new TextEncoder();

  /** `maxQueued`: bytes that may wait before more text is dropped (default 8 MiB). */
  constructor(writer: Writer, options: { maxQueued?: number } = {}) {
    this.#writer = writer;
    this.#max = options.maxQueued ?? DEFAULT_MAX_OUTPUT;
  }

  /** Queues text. Never waits. */
  write(text: string): void {
    if (this.#dead || text === "") return;
    const bytes = this.#encoder.encode(text);
    if (this.#queued + bytes.length > this.#max) return;
    this.#queue.push(bytes);
    this.#queued += bytes.length;
    if (this.#writing === null) this.#writing = this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const parts = this.#queue.splice(0);
        let total = 0;
        for (const p of parts) total += p.length;
        const chunk = parts.length === 1 ? parts[0] : new Uint8Array(total);
        if (parts.length > 1) {
          let at = 0;
          for (const p of parts) {
            chunk.set(p, at);
            at += p.length;
          }
        }
        let written = 0;
        while (written < chunk.length) {
          written += await this.#writer.write(chunk.subarray(written));
        }
        this.#queued -= total;
      }
    } catch {
      // The reader went away (closed pipe): stop writing, keep the program alive.
      this.#dead = true;
      this.#queue = [];
      this.#queued = 0;
    } finally {
      this.#writing = null;
    }
  }

  /** Resolves when everything queued so far is written. */
  async flush(): Promise<void> {
    while (this.#writing !== null) await this.#writing;
  }
}
