/**
 * Terminal input decoding: bytes from standard input become text chunks
 * (characters split across reads are joined), and in pipe mode text chunks
 * become lines. The encoding is UTF-8 unless the input starts with a byte
 * order mark: Windows PowerShell 5.1 writes UTF-16LE with a BOM for `>` and
 * `Out-File`, so a command file saved there must not reach the room as
 * `��/ w h o` ({@link InputDecoder}).
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
  const decoder = new InputDecoder();
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
      const text = decoder.decode(r.value);
      if (text !== "") yield text;
    }
    const tail = decoder.end();
    if (tail !== "") yield tail;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
}

/** Encodings {@link InputDecoder} tells apart. */
export type InputEncoding = "utf-8" | "utf-16le" | "utf-16be";

/**
 * Decodes standard input whatever Windows saved it as: a UTF-8 BOM
 * (EF BB BF) is dropped, a UTF-16LE (FF FE) or UTF-16BE (FE FF) BOM selects
 * that encoding, and text with no BOM is UTF-8 — unless its first two bytes
 * are an ASCII character and a NUL (UTF-16LE without a BOM; a NUL never
 * starts a line people type). Bytes that may begin a BOM are held until
 * the BOM is complete, so it may be split across reads.
 *
 * @example
 * ```ts
 * import { InputDecoder } from "./input.ts";
 * const d = new InputDecoder();
 * d.decode(Uint8Array.of(0xff, 0xfe, 0x2f, 0x00, 0x77, 0x00)); // "/w"
 * d.encoding; // "utf-16le"
 * ```
 */
export class InputDecoder {
  #decoder: TextDecoder | null = null;
  #head = new Uint8Array(0);
  #encoding: InputEncoding = "utf-8";

  /** The encoding chosen (UTF-8 until the first bytes have been seen). */
  get encoding(): InputEncoding {
    return this.#encoding;
  }

  /** Text of the next bytes (possibly empty while a character or the BOM is incomplete). */
  decode(bytes: Uint8Array): string {
    if (this.#decoder !== null) return this.#decoder.decode(bytes, { stream: true });
    const head = new Uint8Array(this.#head.length + bytes.length);
    head.set(this.#head);
    head.set(bytes, this.#head.length);
    // Only the start of a BOM waits for more bytes: a key typed alone is shown at once.
    const bomStart = head[0] === 0xef || head[0] === 0xff || head[0] === 0xfe;
    if (
      bomStart && (head.length < 2 || (head.length < 3 && head[0] === 0xef && head[1] === 0xbb))
    ) {
      this.#head = head;
      return "";
    }
    return this.#start(head);
  }

  /** The rest of the text at the end of the input. */
  end(): string {
    if (this.#decoder === null) return this.#head.length > 0 ? this.#start(this.#head) : "";
    return this.#decoder.decode();
  }

  #start(head: Uint8Array): string {
    this.#head = new Uint8Array(0);
    let skip = 0;
    if (head[0] === 0xff && head[1] === 0xfe) [this.#encoding, skip] = ["utf-16le", 2];
    else if (head[0] === 0xfe && head[1] === 0xff) [this.#encoding, skip] = ["utf-16be", 2];
    else if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) skip = 3;
    else if (head.length >= 2 && head[0] !== 0 && head[0] < 0x80 && head[1] === 0) {
      this.#encoding = "utf-16le";
    }
    // ignoreBOM: the BOM is skipped here, once; a U+FEFF later in the text is text.
    this.#decoder = new TextDecoder(this.#encoding, { ignoreBOM: true });
    return this.#decoder.decode(head.subarray(skip), { stream: true });
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
