/**
 * The chat service (TCP 9009): accepts connections through a
 * {@link ConnectionListener}, frames them with {@link FramedConnection} and
 * feeds the payloads to the {@link Room}.
 *
 * Thin socket layer: the room decides everything; this module owns the
 * sockets, the per-address connection limits, the hello, idle and
 * unfinished-frame timeouts (one sweep timer for every connection instead of
 * a timer each), the pings that find half-open v1 members, and the graceful
 * shutdown.
 *
 * Connection limits per address (PROTOCOL.md 7): connections that have not
 * joined yet (`maxPerIp`, 64) and members (`maxMembersPerIp`, 250), so a lab
 * behind one NAT address is not held to 64 members while one machine still
 * cannot hold hundreds of idle sockets before their hello.
 *
 * Memory per idle connection is kept small: the read buffer is 4 KiB and
 * frames that span reads are assembled by the frame decoder only as needed.
 *
 * @module
 */

import { type Clock, systemClock, type TimerId } from "../protocol/clock.ts";
import { encodeFrame, ProtocolError } from "../protocol/frame.ts";
import { type Lang, translator } from "../protocol/i18n.ts";
import { DEFAULT_MAX_QUEUE, FramedConnection } from "../net/framed_conn.ts";
import { type AcceptSource, ConnectionListener, type PeerInfo } from "../net/listener.ts";
import { writeAll } from "../net/write_queue.ts";
import type { Room, RoomConnection } from "./room/room.ts";
import { type LogSink, noLog } from "./log_event.ts";
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
  /** Connections per IP address that have not joined yet (default 64). */
  maxPerIp?: number;
  /** Connections per IP address in all, members included (default 250: a lab behind NAT). */
  maxMembersPerIp?: number;
  /** Time a frame may take from its first byte to its last, in ms (default 30,000). */
  frameTimeoutMs?: number;
  /** Language of errors sent before the room is involved (default: the room's). */
  lang?: Lang;
  /** Time given to queues to drain at shutdown, in ms (default 2,000). */
  shutdownDeadlineMs?: number;
  /** Where unexpected failures are reported (default console.error). */
  log?: (line: string) => void;
  /** The teacher's log: connections refused over the per-address limits (`refused`). */
  events?: LogSink;
  /** Time for the hello and idle timeouts (default: the system clock); tests inject a fake one. */
  clock?: Clock;
}

/** A running chat service. */
export interface ChatServer {
  /** Stops accepting, tells everyone, flushes queues (with a deadline) and closes. Safe twice. */
  close(): Promise<void>;
}

/** Bytes read from a member's socket at a time; chat frames are small. */
const READ_BUFFER = 4 * 1024;

interface Peer {
  fc: FramedConnection;
  rc: RoomConnection;
  ip: string;
  opened: number;
  lastSeen: number;
  /** When the frame now being received started (null between frames). */
  partialSince: number | null;
  /** When a v1 member was last pinged (their silence is normal: the ping finds dead peers). */
  pinged: number;
  /** Whether it still counts as not joined for the per-address limit. */
  pending: boolean;
  ending: Promise<void> | null;
}

/** A frame v1 clients ignore (an unknown type) and v2 clients answer nothing to. */
const V1_PING = encodeFrame({ type: "ping" });

/**
 * Serves the chat on `listener` (owned from now on): a `Deno.Listener`, or
 * anything that accepts TCP connections the same way.
 *
 * @example
 * ```ts
 * import { serveChat } from "./chat_server.ts";
 * import { Room } from "./room/room.ts";
 * const listener = Deno.listen({ hostname: "0.0.0.0", port: 9009 });
 * const chat = serveChat(listener, { room: new Room() });
 * await chat.close();
 * ```
 */
export function serveChat(
  listener: AcceptSource<Deno.Conn>,
  options: ChatServerOptions,
): ChatServer {
  return new ChatService(listener, options);
}

/** The running service behind {@link serveChat}. */
class ChatService implements ChatServer {
  #room: Room;
  #tooMany: (ip: string) => string;
  #maxFrame: number;
  #maxQueue: number;
  #deadline: number;
  #log: (line: string) => void;
  #peers = new Set<Peer>();
  #closing = false;
  #closed: Promise<void> | null = null;
  #clock: Clock;
  #sweep: TimerId;
  #accepting: ConnectionListener<Deno.Conn>;
  #maxPending: number;
  #pendingByIp = new Map<string, number>();
  #events: LogSink;

  constructor(listener: AcceptSource<Deno.Conn>, options: ChatServerOptions) {
    this.#room = options.room;
    const t = translator(serverText, options.lang ?? options.room.lang);
    this.#tooMany = (ip) => t("too_many_connections", { ip });
    this.#maxFrame = options.maxFrame ?? options.room.maxFrame;
    this.#maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    this.#deadline = options.shutdownDeadlineMs ?? 2_000;
    this.#log = options.log ?? ((line: string) => console.error(line));
    this.#clock = options.clock ?? systemClock;
    this.#sweep = startSweep(this.#peers, this.#clock, {
      helloTimeout: options.helloTimeoutMs ?? 10_000,
      idleTimeout: options.idleTimeoutMs ?? 60_000,
      frameTimeout: options.frameTimeoutMs ?? 30_000,
    });
    this.#maxPending = options.maxPerIp ?? 64;
    this.#events = options.events ?? noLog;
    this.#accepting = new ConnectionListener(
      listener,
      (conn, peer) => this.#serveConn(conn as Deno.TcpConn, peer),
      {
        maxPerIp: Math.max(options.maxMembersPerIp ?? 250, this.#maxPending),
        log: this.#log,
        name: "chat",
      },
    );
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing = true;
      this.#clock.clearInterval(this.#sweep);
      await this.#accepting.stop();
      this.#room.shutdown();
      // Connections still before their hello are not members: close them too.
      for (const p of this.#peers) p.rc.timeout("hello");
      if (!(await this.#accepting.settled(this.#deadline + 500))) {
        for (const p of this.#peers) p.fc.close();
        await this.#accepting.settled();
      }
    })();
    return this.#closed;
  }

  /** The peer joined (or went away): it stops counting against its address's pending limit. */
  #joined(p: Peer): void {
    if (!p.pending) return;
    p.pending = false;
    const left = (this.#pendingByIp.get(p.ip) ?? 1) - 1;
    if (left <= 0) this.#pendingByIp.delete(p.ip);
    else this.#pendingByIp.set(p.ip, left);
  }

  async #serveConn(conn: Deno.TcpConn, peer: PeerInfo): Promise<void> {
    if (peer.overLimit || (this.#pendingByIp.get(peer.ip) ?? 0) >= this.#maxPending) {
      this.#events({ kind: "refused", what: "connections", ip: peer.ip, count: 1 });
      const message = this.#tooMany(peer.ip);
      const frame = encodeFrame({ type: "error", code: "too_many_connections", message });
      await refuse(conn, frame, this.#deadline);
      return;
    }
    try {
      conn.setNoDelay(true);
      conn.setKeepAlive(true);
    } catch {
      // Not fatal: some platforms refuse socket options on odd sockets.
    }
    await this.#runPeer(conn, peer);
  }

  async #runPeer(conn: Deno.TcpConn, { ip, port }: PeerInfo): Promise<void> {
    const fc = new FramedConnection(conn, { maxFrame: this.#maxFrame, maxQueue: this.#maxQueue });
    const now = this.#clock.now();
    const peer = {
      fc,
      ip,
      opened: now,
      lastSeen: now,
      partialSince: null,
      pinged: now,
      pending: true,
      ending: null,
    } as unknown as Peer;
    this.#pendingByIp.set(ip, (this.#pendingByIp.get(ip) ?? 0) + 1);
    const deadline = this.#deadline;
    peer.rc = this.#room.connect({
      ip,
      port,
      // A connection already closed by its peer is not a slow consumer: the
      // read loop reports the disconnect.
      send: (bytes) => fc.closed ? true : fc.send(bytes),
      close: () => {
        if (peer.ending === null) peer.ending = fc.end(deadline);
      },
    });
    this.#peers.add(peer);
    if (this.#closing) peer.rc.timeout("hello");
    try {
      await readLoop(conn, peer, {
        now: () => this.#clock.now(),
        onFailure: (e) => this.#log(`chat: unexpected failure from ${ip}:${port}: ${e}`),
        joined: (p) => this.#joined(p),
      });
    } finally {
      this.#joined(peer);
      peer.rc.disconnect();
      if (peer.ending !== null) await peer.ending;
      fc.close();
      this.#peers.delete(peer);
    }
  }
}

/** What {@link readLoop} reports to the service. */
interface ReadLoopHooks {
  now: () => number;
  onFailure: (error: unknown) => void;
  /** Called once the peer no longer counts as pending (joined or gone). */
  joined: (peer: Peer) => void;
}

/** Feeds the room until EOF, a socket error or the room closing the connection. */
async function readLoop(
  conn: Deno.TcpConn,
  peer: Peer,
  { now, onFailure, joined }: ReadLoopHooks,
): Promise<void> {
  const { fc, rc } = peer;
  const buf = new Uint8Array(READ_BUFFER);
  // Bytes after a quit or a fatal error are not read.
  while (!fc.closed && rc.closing === null) {
    let n: number | null;
    try {
      n = await conn.read(buf);
    } catch {
      return;
    }
    if (n === null) return;
    peer.lastSeen = now();
    fc.decoder.push(buf.subarray(0, n));
    try {
      let payload: Uint8Array | null;
      let completed = false;
      while (rc.closing === null && (payload = fc.decoder.next()) !== null) {
        rc.receive(payload);
        completed = true;
      }
      // A frame still incomplete: its clock starts with its first byte (startSweep).
      if (fc.decoder.buffered === 0) peer.partialSince = null;
      else if (completed || peer.partialSince === null) peer.partialSince = peer.lastSeen;
      if (peer.pending && rc.name !== null) joined(peer);
    } catch (e) {
      if (e instanceof ProtocolError && e.code === "frame_too_large") {
        rc.frameTooLarge(e.size!, e.limit!);
      } else {
        onFailure(e);
        rc.disconnect();
      }
    }
  }
}

/** Sends one error frame (with a deadline) and closes: for connections never framed. */
async function refuse(conn: Deno.Conn, frame: Uint8Array, deadlineMs: number): Promise<void> {
  const timer = setTimeout(() => closeQuietly(conn), deadlineMs);
  try {
    await writeAll(conn, frame);
  } catch {
    // The peer is gone already.
  } finally {
    clearTimeout(timer);
    closeQuietly(conn);
  }
}

/** One timer for every hello and idle timeout: cheap with thousands of idle connections. */
function startSweep(
  peers: Set<Peer>,
  clock: Clock,
  { helloTimeout, idleTimeout, frameTimeout }: {
    helloTimeout: number;
    idleTimeout: number;
    frameTimeout: number;
  },
): TimerId {
  const shortest = Math.min(helloTimeout, idleTimeout, frameTimeout);
  const every = Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
  return clock.setInterval(() => {
    const now = clock.now();
    for (const p of peers) {
      if (p.rc.closing !== null) continue;
      if (p.partialSince !== null && now - p.partialSince >= frameTimeout) {
        p.rc.timeout("frame", Math.round(frameTimeout / 1000));
      } else if (p.rc.name === null) {
        if (now - p.opened >= helloTimeout) p.rc.timeout("hello");
      } else if (p.rc.protocol === 2 && now - p.lastSeen >= idleTimeout) {
        p.rc.timeout("idle");
      } else if (
        p.rc.protocol === 1 && now - p.lastSeen >= idleTimeout && now - p.pinged >= idleTimeout
      ) {
        // v1 clients are silent when idle: a frame they ignore makes TCP find a dead peer.
        p.pinged = now;
        p.fc.send(V1_PING);
      }
    }
  }, every);
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
