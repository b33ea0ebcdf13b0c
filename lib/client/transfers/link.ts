/**
 * The client's side of one file-port connection: a {@link FileLink} whose
 * failures are {@link TransferError}s (`connect_failed`, `connection_lost`,
 * `stalled`, `cancelled`, `bad_reply`, or the code of the server's error
 * frame), closed when the transfer's signal aborts.
 *
 * @module
 */

import { decodeMessage, type Message, ProtocolError } from "../../protocol/frame.ts";
import { FileLink, type LinkClock } from "../../net/file_link.ts";
import { writeAll } from "../../net/write_queue.ts";
import { SERVER_MAX_FRAME } from "../../protocol/limits.ts";
import { checkAborted, DEFAULT_STALL_MS, TransferError } from "./common.ts";

/** Options of {@link TransferLink.open}. */
export interface TransferLinkOptions {
  signal?: AbortSignal;
  /** Time without a byte moving before the link ends with `stalled` (default 60 s). */
  stallMs?: number;
  /** Clock of the stall timer (tests inject one). */
  clock?: LinkClock;
}

/** A connection to the file port for one transfer attempt. */
export class TransferLink {
  /** The link underneath (stall timer, decoder with raw leftovers). */
  readonly link: FileLink;
  #signal?: AbortSignal;
  #onAbort = () => this.close();

  private constructor(link: FileLink, signal?: AbortSignal) {
    this.link = link;
    this.#signal = signal;
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Connects and arms the stall timer; throws `connect_failed` or `cancelled`. */
  static async open(
    host: string,
    port: number,
    options: TransferLinkOptions = {},
  ): Promise<TransferLink> {
    checkAborted(options.signal);
    let conn: Deno.Conn;
    try {
      conn = await Deno.connect({ hostname: host, port, transport: "tcp" });
    } catch (e) {
      const name = (e as Error).name;
      throw new TransferError("connect_failed", `Cannot connect to ${host}:${port}: ${name}`, {
        cause: e,
      });
    }
    const link = new FileLink(conn, {
      maxFrame: SERVER_MAX_FRAME,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    link.watch(options.stallMs ?? DEFAULT_STALL_MS);
    const transfer = new TransferLink(link, options.signal);
    if (options.signal?.aborted) transfer.close();
    return transfer;
  }

  /** Whether the stall timer ended the connection. */
  get stalled(): boolean {
    return this.link.stalled;
  }

  /** Reads raw bytes (a {@link pump} source); errors become TransferErrors. */
  async read(buf: Uint8Array): Promise<number | null> {
    try {
      return await this.link.read(buf);
    } catch (e) {
      throw this.#failure("receiving", e);
    }
  }

  /** Writes some of `bytes` (a {@link pump} sink); errors become TransferErrors. */
  async write(bytes: Uint8Array): Promise<number> {
    try {
      return await this.link.write(bytes);
    } catch (e) {
      throw this.#failure("sending", e);
    }
  }

  /** Writes all of `bytes`. */
  send(bytes: Uint8Array): Promise<void> {
    return writeAll(this, bytes);
  }

  /** The next reply, which must be of type `expected`; an `error` frame is thrown with its code. */
  async reply(expected: string): Promise<Message> {
    let msg: Message;
    try {
      const payload = await this.link.readFrame();
      if (payload === null) throw this.#failure("waiting for the server's reply");
      msg = decodeMessage(payload);
    } catch (e) {
      if (e instanceof TransferError) throw e;
      if (!(e instanceof ProtocolError)) throw this.#failure("receiving", e);
      throw new TransferError("bad_reply", `Bad reply from server: ${e.message}`, { cause: e });
    }
    if (msg.type === "error") {
      const code = typeof msg.code === "string" ? msg.code : "not_found";
      const text = typeof msg.message === "string" ? msg.message : code;
      throw new TransferError(code, text);
    }
    if (msg.type !== expected) {
      throw new TransferError("bad_reply", `Unexpected reply: ${String(msg.type)}`);
    }
    return msg;
  }

  /** Closes the connection. Safe to call twice. */
  close(): void {
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.link.close();
  }

  #failure(what: string, cause?: unknown): TransferError {
    checkAborted(this.#signal);
    if (this.link.stalled) {
      return new TransferError("stalled", `No data for too long while ${what}`, { cause });
    }
    return new TransferError("connection_lost", `Connection lost while ${what}`, { cause });
  }
}
