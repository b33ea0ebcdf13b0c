/**
 * Terminal input decoding: bytes from standard input become text chunks
 * (UTF-8 characters split across reads are joined), and in pipe mode text
 * chunks become lines.
 *
 * @example
 * ```ts
 * import { LineReader, textChunks } from "./input.ts";
 * const lines = new LineReader(textChunks(Deno.stdin.readable));
 * const first = await lines.next(); // null at end of input
 * ```
 *
 * @module
 */

/** One item of user input, as both terminals hand it to the client. */
export type InputItem =
  | { type: "line"; line: string }
  | { type: "interrupt" }
  | { type: "eof" };

/** The terminal's own stop signal, joined with the caller's when there is one. */
export function abortable(own: AbortSignal, outer?: AbortSignal): AbortSignal {
  return outer === undefined ? own : AbortSignal.any([own, outer]);
}

/**
 * Reads decoded text chunks from a byte stream until EOF, a read error or
 * abort (which cancels the pending read). Never yields an empty string.
 */
export async function* textChunks(
  input: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  const reader = input.getReader();
  const decoder = new TextDecoder();
  const onAbort = () => reader.cancel().catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    while (!signal?.aborted) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch {
        break;
      }
      if (r.done) break;
      const text = decoder.decode(r.value, { stream: true });
      if (text !== "") yield text;
    }
    const tail = decoder.decode();
    if (tail !== "") yield tail;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
}

/**
 * Splits text chunks into lines: LF or CR LF ends a line; the last line
 * needs no line break.
 */
export class LineReader {
  #chunks: AsyncIterator<string>;
  #buffer = "";
  #eof = false;

  /** Reads from `chunks` (usually {@link textChunks}); the reader owns it from now on. */
  constructor(chunks: AsyncIterator<string>) {
    this.#chunks = chunks;
  }

  /** The next line without its line break, or `null` at end of input. */
  async next(): Promise<string | null> {
    while (true) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl).replace(/\r$/, "");
        this.#buffer = this.#buffer.slice(nl + 1);
        return line;
      }
      if (this.#eof) {
        if (this.#buffer === "") return null;
        const line = this.#buffer.replace(/\r$/, "");
        this.#buffer = "";
        return line;
      }
      const r = await this.#chunks.next();
      if (r.done) this.#eof = true;
      else this.#buffer += r.value;
    }
  }
}
