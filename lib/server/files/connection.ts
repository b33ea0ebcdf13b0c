/**
 * The server's side of one file-port connection: a {@link FileLink} plus
 * what the server does with it around a request (wait for a frame with a
 * deadline, refuse, linger, stop at shutdown).
 *
 * @module
 */

import { decodeMessage, type Message, ProtocolError } from "../../protocol/frame.ts";
import { FileLink, type LinkClock } from "../../net/file_link.ts";
import { writeAll } from "../../net/write_queue.ts";
import { frameRefusal } from "./request.ts";

/** Longest a refusal or a graceful close may take before the socket is dropped. */
const REFUSE_MS = 2000;
const LINGER_MS = 1000;
/** Unread input drained after the reply, at most (so the reply is not reset). */
const LINGER_BYTES = 64 * 1024 * 1024;

/** One accepted connection of the file port. */
export class FileConnection {
  /** The link: stall timer, header frames, raw bytes. */
  readonly link: FileLink;
  /** The peer's IP address. */
  readonly ip: string;
  /** While waiting for a frame: what to send if the wait ends (timeout or shutdown). */
  #waitFrame: Uint8Array | null = null;

  constructor(conn: Deno.Conn, ip: string, options: { maxFrame: number; clock?: LinkClock }) {
    this.link = new FileLink(conn, options);
    this.ip = ip;
  }

  /**
   * The peer's next frame, decoded, or null if the connection ended. If it is
   * not complete within `ms`, `timeoutFrame` is sent and the connection
   * closed. A bad frame is thrown as a `Refusal`.
   */
  async readMessage(ms: number, timeoutFrame: Uint8Array): Promise<Message | null> {
    this.#waitFrame = timeoutFrame;
    this.link.watch(ms, { refresh: false, onExpire: () => this.#sayAndClose() });
    let payload: Uint8Array | null;
    try {
      payload = await this.link.readFrame();
    } catch (e) {
      if (e instanceof ProtocolError) throw frameRefusal(e);
      return null; // reset, or closed by the deadline
    } finally {
      this.#waitFrame = null;
    }
    if (payload === null) return null;
    try {
      return decodeMessage(payload);
    } catch (e) {
      throw frameRefusal(e);
    }
  }

  /** Writes all of `bytes`. */
  send(bytes: Uint8Array): Promise<void> {
    return writeAll(this.link, bytes);
  }

  /** Sends an error frame (at most 2 s), ignoring a peer that is gone. */
  async refuse(frame: Uint8Array): Promise<void> {
    this.link.watch(REFUSE_MS, { refresh: false });
    try {
      await this.send(frame);
    } catch { /* peer gone */ }
  }

  /**
   * Reads and discards up to `limit` bytes the peer is still sending (the
   * rest of an upload refused midway) until it stops, stalls for `stallMs`
   * or closes: a client that reads only after sending then finds the error
   * frame instead of a reset.
   */
  async drain(limit: number, stallMs: number): Promise<void> {
    if (this.link.closed) return;
    this.link.watch(stallMs);
    const buf = new Uint8Array(256 * 1024);
    let left = limit - this.link.decoder.takeRest().length;
    while (left > 0) {
      const n = await this.link.read(buf.subarray(0, Math.min(buf.length, left))).catch(() => null);
      if (n === null) return;
      left -= n;
    }
  }

  /** Graceful end: half-close, then drain briefly so unread input does not reset the reply. */
  async linger(): Promise<void> {
    if (this.link.closed) return;
    try {
      await this.link.conn.closeWrite();
    } catch {
      return;
    }
    this.link.watch(LINGER_MS, { refresh: false });
    const buf = new Uint8Array(64 * 1024);
    let drained = 0;
    while (drained < LINGER_BYTES) {
      const n = await this.link.read(buf).catch(() => null);
      if (n === null) break;
      drained += n;
    }
  }

  /**
   * The server is stopping: a connection waiting for a frame is told `bye`
   * first; one moving data is just closed (a v2 part stays resumable).
   */
  shutdown(bye: Uint8Array): void {
    if (this.#waitFrame === null) {
      this.link.close();
      return;
    }
    this.#waitFrame = bye;
    this.#sayAndClose();
  }

  /** Sends the waiting frame, then closes (after at most a second). */
  #sayAndClose(): void {
    const frame = this.#waitFrame;
    this.#waitFrame = null;
    if (frame === null) {
      this.link.close();
      return;
    }
    // A small frame into an idle socket completes at once; the timer closes regardless.
    this.link.watch(LINGER_MS, { refresh: false });
    writeAll(this.link.conn, frame).then(() => this.link.close(), () => this.link.close());
  }

  /** Closes the connection. Safe to call twice. */
  close(): void {
    this.link.close();
  }
}
