/**
 * Finding PC3 servers on the local networks without an address: a query
 * broadcast on the relay's UDP port to every interface's directed broadcast,
 * to 255.255.255.255 and to this machine, and the servers' own periodic
 * announcements heard on the default media port (PROTOCOL.md section 8).
 *
 * @example
 * ```ts
 * import { discoverServers } from "./discovery.ts";
 * const found = await discoverServers({ windowMs: 2000 });
 * for (const s of found) console.log(s.address, s.info.chatPort, s.info.room);
 * ```
 *
 * @module
 */

import { localSubnets } from "../net/net_info.ts";
import { decodeDiscovery, encodeQuery, type ServerInfo } from "../protocol/discovery.ts";
import { broadcastOf, type Ipv4Subnet, isLoopback, parseIpv4 } from "../protocol/ipv4.ts";
import { DEFAULT_MEDIA_PORT } from "../protocol/limits.ts";

/** A server that answered or announced itself. */
export interface FoundServer {
  /** The address the server's datagram came from (where to connect). */
  address: string;
  /** What it says about itself. Its strings come from the network: sanitise before printing. */
  info: ServerInfo;
  /** Whether it answered our query or was heard announcing itself. */
  via: "answer" | "announce";
}

/** Options of {@link discoverServers}. */
export interface DiscoverOptions {
  /** UDP port the query goes to and announcements are heard on (default 9020). */
  port?: number;
  /** Longest wait for answers in ms (default 2,000). */
  windowMs?: number;
  /** After the first answer, how much longer to wait for others in ms (default 400). */
  settleMs?: number;
  /** Where the query goes; default: {@link queryTargets} of this machine's subnets. */
  targets?: string[];
  /** Whether to listen for announcements on `port` too (default true; skipped if it is taken). */
  hearAnnouncements?: boolean;
  /** Binds a UDP socket (tests inject failures); default `Deno.listenDatagram`. */
  listen?: (hostname: string, port: number) => Deno.DatagramConn;
}

/** Times a query is sent within the window (datagrams get lost). */
const QUERY_ROUNDS = 3;

/**
 * Where a query goes: the directed broadcast of every subnet, the limited
 * broadcast 255.255.255.255 and 127.0.0.1 (a server on this very machine).
 */
export function queryTargets(subnets: readonly Ipv4Subnet[]): string[] {
  const out = new Set<string>();
  for (const s of subnets) {
    if (isLoopback(s.address)) continue;
    const b = broadcastOf(s);
    if (b !== null) out.add(b);
  }
  out.add("255.255.255.255");
  out.add("127.0.0.1");
  return [...out];
}

/**
 * Keeps one entry per server (its `instance`): an answer beats an
 * announcement, a LAN address beats loopback. Sorted by room, then address.
 */
export function mergeFound(found: readonly FoundServer[]): FoundServer[] {
  const best = new Map<string, FoundServer>();
  const rank = (f: FoundServer) =>
    (f.via === "answer" ? 0 : 2) + (isLoopback(parseIpv4(f.address) ?? 0) ? 1 : 0);
  for (const f of found) {
    const key = `${f.info.instance}/${f.info.chatPort}`;
    const had = best.get(key);
    if (had === undefined || rank(f) < rank(had)) best.set(key, f);
  }
  return [...best.values()].sort((a, b) =>
    a.info.room.localeCompare(b.info.room) || a.address.localeCompare(b.address)
  );
}

function defaultListen(hostname: string, port: number): Deno.DatagramConn {
  return Deno.listenDatagram({ transport: "udp", hostname, port });
}

/** Collects discovery datagrams from `socket` into `found` until it is closed. */
async function collect(
  socket: Deno.DatagramConn,
  accept: (kind: string, id: number) => boolean,
  onFound: (f: FoundServer) => void,
): Promise<void> {
  let failures = 0;
  while (true) {
    let data: Uint8Array;
    let from: Deno.Addr;
    try {
      [data, from] = await socket.receive();
      failures = 0;
    } catch (e) {
      if (e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted) return;
      // Windows reports an earlier ICMP "unreachable" here: keep listening, within reason.
      if (++failures > 100) return;
      continue;
    }
    const message = decodeDiscovery(data);
    if (message === null || from.transport !== "udp") continue;
    if (message.kind !== "answer" && message.kind !== "announce") continue;
    if (!accept(message.kind, message.id)) continue;
    onFound({ address: from.hostname, info: message.info, via: message.kind });
  }
}

function tryListen(listen: DiscoverOptions["listen"], port: number): Deno.DatagramConn | null {
  try {
    return (listen ?? defaultListen)("0.0.0.0", port);
  } catch {
    // The port is taken (a server or another client on this machine): queries still work.
    return null;
  }
}

/**
 * Looks for servers for up to `windowMs` (less once answers have come and
 * `settleMs` passed without the window ending) and returns them, one per
 * server. Never throws for network trouble: no socket, no route and no
 * answer all end in an empty list.
 */
export async function discoverServers(options: DiscoverOptions = {}): Promise<FoundServer[]> {
  const port = options.port ?? DEFAULT_MEDIA_PORT;
  const windowMs = options.windowMs ?? 2_000;
  const settleMs = options.settleMs ?? 400;
  const targets = options.targets ?? queryTargets(localSubnets());
  const socket = tryListen(options.listen, 0);
  const hear = options.hearAnnouncements ?? true;
  const announcements = hear ? tryListen(options.listen, port) : null;
  const id = crypto.getRandomValues(new Uint32Array(1))[0];
  const found: FoundServer[] = [];
  const { promise: done, resolve: finish } = Promise.withResolvers<void>();
  let settle: ReturnType<typeof setTimeout> | undefined;
  const onFound = (f: FoundServer) => {
    found.push(f);
    settle ??= setTimeout(finish, settleMs);
  };
  const window = setTimeout(finish, windowMs);
  const loops: Promise<void>[] = [];
  if (socket !== null) loops.push(collect(socket, (k, i) => k === "answer" && i === id, onFound));
  if (announcements !== null) loops.push(collect(announcements, (k) => k === "announce", onFound));
  const query = encodeQuery(id);
  const send = () => {
    for (const hostname of targets) {
      socket?.send(query, { transport: "udp", hostname, port }).catch(() => {});
    }
  };
  send();
  const resend = setInterval(send, Math.max(50, Math.floor(windowMs / QUERY_ROUNDS)));
  try {
    await done;
  } finally {
    clearTimeout(window);
    clearTimeout(settle);
    clearInterval(resend);
    for (const s of [socket, announcements]) {
      try {
        s?.close();
      } catch {
        // Already closed.
      }
    }
    await Promise.all(loops);
  }
  return mergeFound(found);
}
