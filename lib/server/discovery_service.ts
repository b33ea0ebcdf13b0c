/**
 * Discovery running on a server: the announcer (its own socket, a timer), the
 * subnets read from the interfaces, the machine's name, the banner's join
 * code lines, and {@link discoveryFor}, the one call server.ts makes. The
 * rules themselves live in ./discovery.ts ({@link DiscoveryResponder}).
 *
 * @module
 */

import { localSubnets } from "../net/net_info.ts";
import { type Clock, systemClock } from "../protocol/clock.ts";
import type { Params } from "../protocol/i18n.ts";
import { inSubnet, type Ipv4Subnet, parseIpv4 } from "../protocol/ipv4.ts";
import { encodeJoinCode } from "../protocol/join_code.ts";
import type { ServerConfig } from "./args.ts";
import { DiscoveryResponder, type LiveInfo, type UdpTarget } from "./discovery.ts";
import type { LogSink } from "./log_event.ts";

/** Options of {@link startAnnouncer}. */
export interface AnnouncerOptions {
  /** Time between announcements in ms (default {@link ANNOUNCE_EVERY_MS}). */
  everyMs?: number;
  /** The timers (default: the system clock). */
  clock?: Clock;
  /** Sends one datagram; default: a socket of its own on an ephemeral port. */
  send?: (bytes: Uint8Array, to: UdpTarget) => Promise<unknown>;
}

/** Default time between announcements: a client listening ~2 s hears at least one. */
export const ANNOUNCE_EVERY_MS = 1_500;

/** A running announcer; {@link Announcer.close} stops it and closes its socket. */
export interface Announcer {
  /** Stops the timer and closes the socket. Safe twice. */
  close(): void;
}

/**
 * Sends `responder`'s announcements now and every `everyMs` until closed.
 * Send failures (a network without a route to its broadcast, a cable
 * unplugged) are ignored: the next round tries again.
 */
export function startAnnouncer(
  responder: DiscoveryResponder,
  options: AnnouncerOptions = {},
): Announcer {
  const clock = options.clock ?? systemClock;
  let socket: Deno.DatagramConn | null = null;
  const send = options.send ?? ((bytes: Uint8Array, to: UdpTarget) => {
    socket ??= Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 0 });
    return socket.send(bytes, { transport: "udp", ...to });
  });
  const round = () => {
    for (const a of responder.announcements()) {
      try {
        send(a.bytes, a.to).catch(() => {});
      } catch {
        // No socket or no route now: the next round tries again.
      }
    }
  };
  round();
  const timer = clock.setInterval(round, options.everyMs ?? ANNOUNCE_EVERY_MS);
  let closed = false;
  return {
    close() {
      if (closed) return;
      closed = true;
      clock.clearInterval(timer);
      try {
        socket?.close();
      } catch {
        // Already closed.
      }
    },
  };
}

/**
 * Wraps a subnet reader so the interfaces are read at most once per `ttlMs`
 * (a laptop that changes Wi-Fi is seen again within that time).
 */
export function cachedSubnets(
  read: () => Ipv4Subnet[],
  clock: Clock = systemClock,
  ttlMs = 10_000,
): () => Ipv4Subnet[] {
  let value: Ipv4Subnet[] = [];
  let readAt = -Infinity;
  return () => {
    const now = clock.now();
    if (now - readAt >= ttlMs) {
      value = read();
      readAt = now;
    }
    return value;
  };
}

/** Options of {@link startDiscovery}. */
export interface StartDiscoveryOptions extends Omit<AnnouncerOptions, "send"> {
  /** The room as it is now (the machine's name is filled in when `server` is empty). */
  info: () => LiveInfo;
  /** The server's subnets; default: this machine's interfaces, re-read every 10 s. */
  subnets?: () => Ipv4Subnet[];
  /** Where refusals are reported. */
  log?: LogSink;
  /** Whether queries are answered and announcements sent (default true); the echo probe always works. */
  discovery?: boolean;
}

/** Discovery on a running server: the responder for the relay's socket and the announcer. */
export interface RunningDiscovery {
  /** Give it to `serveMedia({ side })` so it sees the `P3D`/`P3E` datagrams. */
  responder: DiscoveryResponder;
  /** Stops the announcements. Safe twice. */
  close(): void;
}

/** This machine's name, or "" when it may not be read. */
export function machineName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "";
  }
}

/**
 * Starts discovery for a server: a {@link DiscoveryResponder} reading the
 * machine's subnets and an announcer on a socket of its own.
 *
 * @example
 * ```ts
 * import { startDiscovery } from "./discovery_service.ts";
 * const discovery = startDiscovery({
 *   info: () => ({ room: "", server: "", chatPort: 9009, filePort: 9010, mediaPort: 9020,
 *     members: 0, password: false }),
 * });
 * // serveMedia(socket, { room, acceptV1: true, side: discovery.responder });
 * discovery.close();
 * ```
 */
export function startDiscovery(options: StartDiscoveryOptions): RunningDiscovery {
  const clock = options.clock ?? systemClock;
  const host = machineName();
  const subnets = options.subnets ?? cachedSubnets(localSubnets, clock);
  const responder = new DiscoveryResponder({
    info: () => {
      const info = options.info();
      return info.server === "" ? { ...info, server: host } : info;
    },
    subnets,
    log: options.log,
    answerQueries: options.discovery ?? true,
  });
  const on = options.discovery ?? true;
  const announcer = on ? startAnnouncer(responder, { clock, everyMs: options.everyMs }) : null;
  return { responder, close: () => announcer?.close() };
}

/**
 * The banner's lab lines: the join code of each address (one line when there
 * is one address) and, when discovery is on, that clients find the server by
 * themselves. `t` is the server catalogue's translator; addresses that are
 * not IPv4 get no code.
 */
export function bannerLabLines(
  t: (key: "bannerJoinCode" | "bannerJoinCodeFor" | "bannerDiscovery", params?: Params) => string,
  addresses: readonly string[],
  ports: { chatPort: number; filePort: number; mediaPort: number; discovery: boolean },
): string[] {
  const codes: Array<{ address: string; code: string }> = [];
  for (const address of addresses) {
    if (parseIpv4(address) === null) continue;
    codes.push({ address, code: encodeJoinCode({ host: address, ...ports }) });
  }
  const lines = codes.length === 1
    ? [t("bannerJoinCode", { code: codes[0].code })]
    : codes.map((c) => t("bannerJoinCodeFor", c));
  if (ports.discovery) lines.push(t("bannerDiscovery", { port: ports.mediaPort }));
  return lines;
}

/**
 * Discovery for a server started from its flags (`--room`, `--no-discovery`,
 * `--host`: a server bound to one address answers and announces on its network only),
 * its ports, its room (the member count) and whether the teacher set a room
 * password: the one call server.ts makes. The result is the relay's side
 * channel (`serveMedia({ side })`) with a `close()` for the announcer.
 */
export function discoveryFor(
  config: Pick<ServerConfig, "roomName" | "discovery" | "host">,
  ports: { chatPort: number; filePort: number; mediaPort: number },
  room: { readonly size: number },
  teacher: { password?: unknown },
  log?: LogSink,
): DiscoveryResponder & { close(): void } {
  const password = teacher.password !== undefined;
  // Bound to one address (--host): only that address's network is ours to announce to.
  const bound = parseIpv4(config.host);
  const read = bound === null || bound === 0
    ? localSubnets
    : () => localSubnets().filter((s) => inSubnet(bound, s));
  const running = startDiscovery({
    info: () => ({ room: config.roomName, server: "", ...ports, members: room.size, password }),
    discovery: config.discovery,
    subnets: cachedSubnets(read),
    log,
  });
  return Object.assign(running.responder, { close: () => running.close() });
}
