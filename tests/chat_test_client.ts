/**
 * A raw frame client for the chat server tests (not a test file itself).
 */
import { decodeMessage, encodeFrame, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import { writeAll } from "../lib/net/write_queue.ts";
import { withDeadline } from "./wait.ts";

/** Speaks frames over a real socket; `next()` gives the next message or null at EOF. */
export class RawClient {
  #decoder = new FrameDecoder({ maxFrame: 16 * 1024 * 1024 });
  #buf = new Uint8Array(64 * 1024);
  #eof = false;
  constructor(readonly conn: Deno.TcpConn) {}

  static async open(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Connects and says a v2 hello, then reads up to the welcome. */
  static async hello(port: number, name: string): Promise<{ client: RawClient; welcome: Message }> {
    const client = await RawClient.open(port);
    await client.send({ type: "hello", version: 2, name });
    const welcome = await client.next();
    if (welcome?.type !== "welcome") throw new Error(`No welcome: ${JSON.stringify(welcome)}`);
    return { client, welcome };
  }

  async send(message: Message): Promise<void> {
    await this.write(encodeFrame(message));
  }

  write(bytes: Uint8Array): Promise<void> {
    return writeAll(this.conn, bytes);
  }

  /** The next message, or null at EOF; fails after `timeoutMs`. */
  next(timeoutMs = 5000): Promise<Message | null> {
    return withDeadline(this.#next(), timeoutMs, "a frame");
  }

  async #next(): Promise<Message | null> {
    while (true) {
      const payload = this.#decoder.next();
      if (payload !== null) return decodeMessage(payload);
      if (this.#eof) return null;
      let n: number | null;
      try {
        n = await this.conn.read(this.#buf);
      } catch {
        n = null;
      }
      if (n === null) {
        this.#eof = true;
        continue;
      }
      this.#decoder.push(this.#buf.subarray(0, n));
    }
  }

  /** Skips frames until one matches; null at EOF. Fails after `timeoutMs` in all. */
  async until(match: (m: Message) => boolean, timeoutMs = 5000): Promise<Message | null> {
    const end = Date.now() + timeoutMs;
    while (true) {
      const m = await this.next(Math.max(1, end - Date.now()));
      if (m === null || match(m)) return m;
    }
  }

  /** Reads everything up to EOF. Fails after `timeoutMs` in all. */
  async rest(timeoutMs = 5000): Promise<Message[]> {
    const end = Date.now() + timeoutMs;
    const out: Message[] = [];
    let m: Message | null;
    while ((m = await this.next(Math.max(1, end - Date.now()))) !== null) out.push(m);
    return out;
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // Closed already.
    }
  }
}
