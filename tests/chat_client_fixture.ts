/**
 * A fake chat server on a real socket, written with lib/protocol/frame.ts, and
 * an event collector: what the ChatClient tests drive the client with. Every
 * wait has a deadline (tests/wait.ts), so a regression fails instead of
 * hanging.
 *
 * @module
 */

import type { ChatClientOptions } from "../lib/client/chat_client.ts";
import type { ClientEvent } from "../lib/client/events.ts";
import { FramedConnection } from "../lib/net/framed_conn.ts";
import { decodeMessage, encodeFrame, type Message } from "../lib/protocol/frame.ts";
import { DEFAULT_DEADLINE_MS, withDeadline } from "./wait.ts";

/** One accepted connection: records every frame, answers the first with `onHello`. */
export class FakeServer {
  listener: Deno.TcpListener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  fc: FramedConnection | null = null;
  frames: Message[] = [];
  #waiters: Array<() => void> = [];
  #accepted: Promise<void>;
  #reading: Promise<void> = Promise.resolve();

  constructor(onHello: (fake: FakeServer, hello: Message) => void) {
    this.#accepted = (async () => {
      const conn = await this.listener.accept();
      this.fc = new FramedConnection(conn);
      this.#reading = (async () => {
        let first = true;
        for await (const p of this.fc!.payloads()) {
          const m = decodeMessage(p);
          this.frames.push(m);
          if (first) {
            first = false;
            onHello(this, m);
          }
          if (m.type === "quit") this.fc!.end();
          for (const w of this.#waiters.splice(0)) w();
        }
        this.fc!.close();
        for (const w of this.#waiters.splice(0)) w();
      })();
    })();
  }

  get port(): number {
    return this.listener.addr.port;
  }

  send(m: Message): void {
    this.fc!.send(encodeFrame(m));
  }

  /** The first received frame matching `pred`, waiting for it up to the deadline. */
  waitFor(pred: (m: Message) => boolean, what = "a frame"): Promise<Message> {
    const found = (async () => {
      while (true) {
        const frame = this.frames.find(pred);
        if (frame !== undefined) return frame;
        if (this.fc?.closed) throw new Error(`Fake server connection closed before ${what}`);
        await new Promise<void>((r) => this.#waiters.push(r));
      }
    })();
    return withDeadline(found, DEFAULT_DEADLINE_MS, `the fake server to receive ${what}`);
  }

  async close(): Promise<void> {
    await this.#accepted.catch(() => {});
    this.fc?.close();
    await this.#reading;
    this.listener.close();
  }
}

/** A v2 welcome for `name`, with small limits and one shared file. */
export function welcome(name: string, extra: Message = {}): Message {
  return {
    type: "welcome",
    version: 2,
    name,
    token: "0123456789abcdef0123456789abcdef",
    server: "pc3-server test",
    file_port: 9999,
    media_port: 9998,
    limits: { max_frame: 65536, max_message: 16, max_name: 32, max_upload: 1000 },
    members: [{ name, since: 1, protocol: 2, in_call: false }],
    files: [{
      file_id: "old001",
      filename: "viejo.txt",
      size: 12,
      sha256: "ab",
      from: "Luis",
      ts: 1,
    }],
    call: [],
    ...extra,
  };
}

/** Collects the client's events; `next(type)` takes the first one of a type, waiting for it. */
export interface Collector {
  events: ClientEvent[];
  onEvent(e: ClientEvent): void;
  next(type: ClientEvent["type"]): Promise<ClientEvent>;
}

/** A new {@link Collector}. */
export function collector(): Collector {
  const events: ClientEvent[] = [];
  const waiters: Array<() => void> = [];
  const take = async (type: string): Promise<ClientEvent> => {
    while (true) {
      const i = events.findIndex((e) => e.type === type);
      if (i >= 0) return events.splice(i, 1)[0];
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return {
    events,
    onEvent(e) {
      events.push(e);
      for (const w of waiters.splice(0)) w();
    },
    next: (type) => withDeadline(take(type), DEFAULT_DEADLINE_MS, `a ${type} event`),
  };
}

/** Client options for the fake server on `port`, as Ana in Spanish. */
export function options(
  port: number,
  c: Collector,
  extra: Partial<ChatClientOptions> = {},
): ChatClientOptions {
  return {
    host: "127.0.0.1",
    port,
    name: "Ana",
    lang: "es",
    downloads: "downloads",
    onEvent: c.onEvent,
    ...extra,
  };
}
