/**
 * The server's side of discovery and of the `--check` echo probe, on the
 * relay's UDP socket (PROTOCOL.md section 8):
 *
 * - answers a query (`P3D?`) with what the room is (name, server, version,
 *   ports, members, password), only when it comes from one of the server's
 *   own subnets (or the machine itself), at most a few per second per source
 *   and overall, and never with more bytes than the query had;
 * - answers an echo request (`P3E?`) from anywhere (a client on the wrong
 *   subnet must learn that UDP gets through), rate-limited the same way and
 *   never larger than the request;
 * - builds the periodic announcements (`P3D*`) to the directed broadcast
 *   address of every subnet.
 *
 * The responder holds no socket: lib/server/relay/udp_server.ts hands it the
 * datagrams whose first bytes are `P3D`/`P3E` and sends what it returns;
 * ./discovery_service.ts runs it on a server (announcer, interfaces).
 *
 * @example
 * ```ts
 * import { DiscoveryResponder } from "./discovery.ts";
 * const responder = new DiscoveryResponder({
 *   info: () => ({ room: "Aula 3", server: "pc-profe", chatPort: 9009, filePort: 9010,
 *     mediaPort: 9020, members: 0, password: false }),
 *   subnets: () => [{ address: 0xc0a8010a, prefix: 24 }],
 * });
 * responder.announcements(); // one datagram for 192.168.1.255
 * ```
 *
 * @module
 */

import {
  decodeDiscovery,
  encodeAnswer,
  encodeEchoReply,
  isDiscoveryDatagram,
  type ServerInfo,
} from "../protocol/discovery.ts";
import { broadcastOf, inSubnet, type Ipv4Subnet, isLoopback, parseIpv4 } from "../protocol/ipv4.ts";
import { DEFAULT_MEDIA_PORT } from "../protocol/limits.ts";
import { TokenBucket } from "../protocol/token_bucket.ts";
import { VERSION } from "../protocol/version.ts";
import type { LogSink } from "./log_event.ts";

/** What the responder says about the server, read at each answer (the member count changes). */
export type LiveInfo = Omit<ServerInfo, "instance" | "version">;

/** An address to send to. */
export interface UdpTarget {
  hostname: string;
  port: number;
}

/** Bytes to send to `to`. */
export interface Reply {
  bytes: Uint8Array;
  to: UdpTarget;
}

/** Options of {@link DiscoveryResponder}. */
export interface DiscoveryOptions {
  /** The room as it is now. */
  info: () => LiveInfo;
  /** The server's IPv4 subnets now (lib/net/net_info.ts `localSubnets`). */
  subnets: () => Ipv4Subnet[];
  /** Answers per second to one source address (default 5, bursts of 10). */
  perSourceRate?: number;
  /** Answers per second overall (default 100, bursts of 100). */
  totalRate?: number;
  /** Where refusals are reported (summarised by the log itself). */
  log?: LogSink;
  /** Random instance id (hex); default: 8 random hex digits. */
  instance?: string;
  /** Whether queries are answered (default true); echo probes always are (`--no-discovery`). */
  answerQueries?: boolean;
}

/** Sources remembered for the per-source limit before the table is cleared. */
const MAX_SOURCES = 4096;

function randomInstance(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Answers discovery queries and echo probes and builds announcements.
 * Never throws on hostile input: what it does not answer it drops.
 */
export class DiscoveryResponder {
  readonly #info: () => LiveInfo;
  readonly #subnets: () => Ipv4Subnet[];
  readonly #log?: LogSink;
  readonly #instance: string;
  readonly #perSourceRate: number;
  readonly #answerQueries: boolean;
  readonly #sources = new Map<string, TokenBucket>();
  readonly #total: TokenBucket;
  #answered = 0;
  #dropped = 0;

  constructor(options: DiscoveryOptions) {
    this.#info = options.info;
    this.#subnets = options.subnets;
    this.#log = options.log;
    this.#instance = options.instance ?? randomInstance();
    this.#perSourceRate = options.perSourceRate ?? 5;
    this.#answerQueries = options.answerQueries ?? true;
    const total = options.totalRate ?? 100;
    this.#total = new TokenBucket(total, total, 0);
  }

  /** The random id this server start answers with. */
  get instance(): string {
    return this.#instance;
  }

  /** Datagrams answered and dropped so far (for tests and the shutdown report). */
  stats(): { answered: number; dropped: number } {
    return { answered: this.#answered, dropped: this.#dropped };
  }

  /** Whether `data` is for this responder rather than for the media relay. */
  accepts(data: Uint8Array): boolean {
    return isDiscoveryDatagram(data);
  }

  /**
   * Handles one datagram from `from` at time `now` (ms); returns the reply to
   * send, or null when it is dropped (not ours, malformed, foreign, limited).
   */
  receive(data: Uint8Array, from: UdpTarget, now: number): Reply | null {
    const message = decodeDiscovery(data);
    if (message === null) return null;
    if (message.kind !== "query" && message.kind !== "echo_request") {
      // Other servers' announcements and stray answers land here: nothing to do.
      if (message.kind === "malformed") this.#dropped++;
      return null;
    }
    const ip = parseIpv4(from.hostname);
    if (ip === null) return this.#drop();
    if (message.kind === "query" && !this.#answerQueries) return this.#drop();
    if (message.kind === "query" && !this.#isLocal(ip)) {
      this.#log?.({ kind: "refused", what: "discovery", ip: from.hostname, count: 1 });
      return this.#drop();
    }
    if (!this.#allow(from.hostname, now)) {
      this.#log?.({ kind: "rate_limited", what: "discovery", ip: from.hostname, count: 1 });
      return this.#drop();
    }
    const info = this.#info();
    this.#answered++;
    if (message.kind === "query") {
      const full = { ...info, instance: this.#instance, version: VERSION };
      return { bytes: encodeAnswer("answer", message.id, full, data.length), to: from };
    }
    const echo = {
      seen: `${from.hostname}:${from.port}`,
      chatPort: info.chatPort,
      filePort: info.filePort,
      mediaPort: info.mediaPort,
      version: VERSION,
    };
    return { bytes: encodeEchoReply(message.id, echo, data.length), to: from };
  }

  /**
   * The announcement datagrams for now: one to the directed broadcast of each
   * subnet, on the default media port (where clients listen) and on this
   * server's media port when it differs.
   */
  announcements(): Reply[] {
    const info = this.#info();
    const bytes = encodeAnswer("announce", 0, {
      ...info,
      instance: this.#instance,
      version: VERSION,
    });
    const ports = [...new Set([DEFAULT_MEDIA_PORT, info.mediaPort])];
    const out: Reply[] = [];
    const seen = new Set<string>();
    for (const subnet of this.#subnets()) {
      // A client on this machine asks 127.0.0.1 directly: no loopback announcements.
      if (isLoopback(subnet.address)) continue;
      const broadcast = broadcastOf(subnet);
      if (broadcast === null || seen.has(broadcast)) continue;
      seen.add(broadcast);
      for (const port of ports) out.push({ bytes, to: { hostname: broadcast, port } });
    }
    return out;
  }

  #isLocal(ip: number): boolean {
    return isLoopback(ip) || this.#subnets().some((s) => inSubnet(ip, s));
  }

  #allow(source: string, now: number): boolean {
    let bucket = this.#sources.get(source);
    if (bucket === undefined) {
      if (this.#sources.size >= MAX_SOURCES) this.#sources.clear();
      bucket = new TokenBucket(this.#perSourceRate, this.#perSourceRate * 2, now);
      this.#sources.set(source, bucket);
    }
    return bucket.take(now) && this.#total.take(now);
  }

  #drop(): null {
    this.#dropped++;
    return null;
  }
}
