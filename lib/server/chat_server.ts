/**
 * The chat service (TCP 9009): accepts connections, frames them with
 * {@link FramedConnection} and feeds the payloads to the {@link Room}.
 *
 * Thin socket layer: the room decides everything; this module owns the
 * sockets, the per-address connection limit, the hello and idle timeouts
 * (one sweep timer for every connection instead of a timer each) and the
 * graceful shutdown.
 *
 * Memory per idle connection is kept small: the read buffer is 4 KiB and
 * frames that span reads are assembled by the frame decoder only as needed.
 *
 * @module
 */

import { encodeFrame } from "../protocol/frame.ts";
import { DEFAULT_MAX_QUEUE, FramedConnection } from "../net/framed_conn.ts";
import { ProtocolError } from "../protocol/frame.ts";
import { type Lang, translator } from "../protocol/i18n.ts";
import type { Room, RoomConnection } from "./room.ts";
import { serverText } from "./text.ts";

/** Options of {@link serveChat}. */
export interface ChatServerOptions {
  room: Room;
  /** Largest frame accepted (default: the room's). */
  maxFrame?: number;
  /** Outbound queue per connection in bytes (default 4 MiB). */
  maxQueue?: number;
  /** Time allowed for the hello, in ms (default 10,000). */
  helloTimeoutMs?: number;
  /** Silence after which a v2 connection is closed, in ms (default 60,000). */
  idleTimeoutMs?: number;
  /** Connections per IP address (default 64). */
  maxPerIp?: number;
  /** Language of errors sent before the room is involved (default: the room's). */
  lang?: Lang;
  /** Time given to queues to drain at shutdown, in ms (default 2,000). */
  shutdownDeadlineMs?: number;
  /** Where unexpected failures are reported (default console.error). */
  log?: (line: string) => void;
}

/** A running chat service. */
export interface ChatServer {
  /** Stops accepting, tells everyone, flushes queues (with a deadline) and closes. Safe twice. */
  close(): Promise<void>;
  /** Open connections right now. */
  connections(): number;
}

const READ_BUFFER = 4 * 1024;

interface Peer {
  fc: FramedConnection;
  rc: RoomConnection;
  opened: number;
  lastSeen: number;
  ending: Promise<void> | null;
}

/**
 * Serves the chat on `listener` (owned from now on).
 *
 * @example
 * ```ts
 * const listener = Deno.listen({ hostname: "0.0.0.0", port: 9009 });
 * const chat = serveChat(listener, { room: new Room() });
 * // ...
 * await chat.close();
 * ```
 */
export function serveChat(listener: Deno.Listener, options: ChatServerOptions): ChatServer {
  const room = options.room;
  const lang = options.lang ?? room.lang;
  const t = translator(serverText, lang);
  const maxFrame = options.maxFrame ?? room.maxFrame;
  const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
  const helloTimeout = options.helloTimeoutMs ?? 10_000;
  const idleTimeout = options.idleTimeoutMs ?? 60_000;
  const maxPerIp = options.maxPerIp ?? 64;
  const deadline = options.shutdownDeadlineMs ?? 2_000;
  const log = options.log ?? ((line: string) => console.error(line));

  const peers = new Set<Peer>();
  const perIp = new Map<string, number>();
  const tasks = new Set<Promise<void>>();
  let closing = false;
  let closed: Promise<void> | null = null;

  // One sweep for every timeout: cheap with thousands of idle connections.
  const sweepEvery = Math.max(
    10,
    Math.min(1000, Math.floor(Math.min(helloTimeout, idleTimeout) / 4)),
  );
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const p of peers) {
      if (p.rc.closing !== null) continue;
      if (p.rc.name === null) {
        if (now - p.opened >= helloTimeout) p.rc.timeout("hello");
      } else if (p.rc.protocol === 2 && now - p.lastSeen >= idleTimeout) {
        p.rc.timeout("idle");
      }
    }
  }, sweepEvery);

  async function serveConn(conn: Deno.TcpConn): Promise<void> {
    const addr = conn.remoteAddr as Deno.NetAddr;
    const ip = addr.hostname;
    const count = (perIp.get(ip) ?? 0) + 1;
    perIp.set(ip, count);
    try {
      if (count > maxPerIp) {
        await refuse(conn, "too_many_connections", t("too_many_connections", { ip }));
        return;
      }
      try {
        conn.setNoDelay(true);
        conn.setKeepAlive(true);
      } catch {
        // Not fatal: some platforms refuse socket options on odd sockets.
      }
      await runPeer(conn, ip, addr.port);
    } finally {
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
    }
  }

  async function runPeer(conn: Deno.TcpConn, ip: string, port: number): Promise<void> {
    const fc = new FramedConnection(conn, { maxFrame, maxQueue });
    const now = Date.now();
    const peer = { fc, opened: now, lastSeen: now, ending: null } as unknown as Peer;
    peer.rc = room.connect({
      ip,
      port,
      // A connection already closed by its peer is not a slow consumer: the
      // read loop reports the disconnect.
      send: (bytes) => fc.closed ? true : fc.send(bytes),
      close: () => {
        if (peer.ending === null) peer.ending = fc.end(deadline);
      },
    });
    peers.add(peer);
    if (closing) peer.rc.timeout("hello");
    const buf = new Uint8Array(READ_BUFFER);
    try {
      while (!fc.closed) {
        let n: number | null;
        try {
          n = await conn.read(buf);
        } catch {
          break;
        }
        if (n === null) break;
        peer.lastSeen = Date.now();
        fc.decoder.push(buf.subarray(0, n));
        try {
          let payload: Uint8Array | null;
          while ((payload = fc.decoder.next()) !== null) {
            peer.rc.receive(payload);
            if (peer.rc.closing !== null) break;
          }
        } catch (e) {
          if (e instanceof ProtocolError && e.code === "frame_too_large") {
            const size = /(\d+) bytes/.exec(e.message)?.[1] ?? "?";
            peer.rc.frameTooLarge(Number(size), maxFrame);
          } else {
            log(`chat: unexpected failure from ${ip}:${port}: ${e}`);
            peer.rc.disconnect();
          }
        }
        // Stop reading once the room closed the connection; bytes after a
        // quit or a fatal error are not read.
        if (peer.rc.closing !== null) break;
      }
    } finally {
      peer.rc.disconnect();
      if (peer.ending !== null) await peer.ending;
      fc.close();
      peers.delete(peer);
    }
  }

  async function refuse(conn: Deno.Conn, code: string, message: string): Promise<void> {
    try {
      const bytes = encodeFrame({ type: "error", code, message });
      let written = 0;
      const timer = setTimeout(() => {
        try {
          conn.close();
        } catch { /* closed */ }
      }, deadline);
      try {
        while (written < bytes.length) written += await conn.write(bytes.subarray(written));
      } finally {
        clearTimeout(timer);
      }
    } catch {
      // The peer is gone already.
    } finally {
      try {
        conn.close();
      } catch { /* closed */ }
    }
  }

  const acceptLoop = (async () => {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (e) {
        if (closing || e instanceof Deno.errors.BadResource) return;
        // Out of file descriptors and similar: wait a little and go on.
        log(`chat: accept failed: ${e}`);
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (closing) {
        conn.close();
        continue;
      }
      const task = serveConn(conn as Deno.TcpConn).catch((e) => log(`chat: ${e}`));
      tasks.add(task);
      task.finally(() => tasks.delete(task));
    }
  })();

  return {
    connections: () => peers.size,
    close(): Promise<void> {
      if (closed !== null) return closed;
      closing = true;
      closed = (async () => {
        clearInterval(sweep);
        try {
          listener.close();
        } catch { /* closed */ }
        await acceptLoop;
        room.shutdown();
        // Connections still before their hello are not members: close them too.
        for (const p of peers) p.rc.timeout("hello");
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          Promise.all([...tasks]),
          new Promise((r) => timer = setTimeout(r, deadline + 500)),
        ]);
        clearTimeout(timer);
        for (const p of peers) p.fc.close();
        await Promise.all([...tasks]);
      })();
      return closed;
    },
  };
}
