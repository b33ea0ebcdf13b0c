/**
 * The UDP side of a call (PROTOCOL.md section 5): one socket to the relay,
 * registration (a register datagram with the media token every second until
 * the relay acknowledges), a keepalive whenever nothing was sent for 2 s, at
 * most one send in flight (a frame arriving meanwhile is dropped, never
 * queued), and a receive loop that hands media packets up and counts
 * everything else as bad. Only datagrams from the relay's exact address (the
 * resolved IP AND the media port) are accepted: anyone on the LAN can send
 * from port 9020.
 *
 * Time comes from an injected {@link Clock}; the owner calls
 * {@link MediaLink.tick} on its own timer.
 *
 * @module
 */
import {
  decodeMediaPacket,
  encodeMediaPacket,
  MAX_DATAGRAM,
  MediaKind,
  tokenToBytes,
} from "../protocol/media_packet.ts";
import type { Clock } from "../protocol/clock.ts";
import { lookup } from "node:dns/promises";

/** Register datagrams are repeated this often until acknowledged (ms). */
const REGISTER_EVERY_MS = 1000;
/** A keepalive goes out after this long without sending (ms). */
const KEEPALIVE_EVERY_MS = 2000;
/** The user is told the relay does not answer after this long (ms). */
const WAITING_WARN_MS = 5000;
/** Pause after a failed receive, so a socket that keeps failing does not spin (ms). */
const RECEIVE_RETRY_MS = 50;

/** Options of {@link MediaLink.open}. */
export interface MediaLinkOptions {
  /** The relay's host name or address (IPv6 with or without brackets). */
  host: string;
  mediaPort: number;
  /** The media token of `call_joined`, 32 hex digits. */
  token: string;
  clientId: number;
  clock: Clock;
  /** The relay acknowledged our register (called once). */
  onRegistered(): void;
  /** The relay has not answered for {@link WAITING_WARN_MS} (called once). */
  onWaiting(): void;
  /** A video packet from the relay. */
  onVideo(clientId: number, seq: number, jpeg: Uint8Array): void;
  /** An audio packet (one Opus packet) from the relay; `ts` is the sender's clock (ms mod 2^32). */
  onAudio?(clientId: number, seq: number, ts: number, opus: Uint8Array): void;
  /** An `h264` packet from the relay: the payload is the flags byte and one access unit. */
  onH264?(clientId: number, seq: number, payload: Uint8Array): void;
}

/** Whether `host` (without brackets) is a loopback name or address. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host.startsWith("127.") || host === "::1";
}

/** The plain form of an IP address for comparison (IPv4-mapped IPv6 unwrapped, lower case). */
export function plainAddress(ip: string): string {
  const a = ip.replace(/^\[|\]$/g, "").toLowerCase();
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

/**
 * The relay's IP address for a host name or address (the system resolver,
 * so the hosts file counts; IPv4 preferred, since the relay listens on IPv4
 * by default). Datagrams are sent to it and accepted only from it.
 */
export async function resolveRelayAddress(host: string): Promise<string> {
  const bare = host.replace(/^\[|\]$/g, "");
  if (/^[0-9.]+$/.test(bare) || bare.includes(":")) return plainAddress(bare);
  // Some resolvers (wine, minimal containers) do not know it; it always means loopback.
  if (bare.toLowerCase() === "localhost") return "127.0.0.1";
  try {
    return (await lookup(bare, { family: 4 })).address;
  } catch {
    return plainAddress((await lookup(bare)).address);
  }
}

/** The local address to bind for talking to `host`: loopback stays on loopback. */
export function bindAddressFor(host: string): string {
  const v6 = host.includes(":");
  if (isLoopback(host)) return v6 ? "::1" : "127.0.0.1";
  return v6 ? "::" : "0.0.0.0";
}

/** One UDP link to the relay; see the module docs. */
export class MediaLink {
  #o: MediaLinkOptions;
  #socket: Deno.DatagramConn;
  #relay: Deno.NetAddr;
  #token: Uint8Array;
  #registered = false;
  #startedAt: number;
  #lastRegister = 0;
  #lastSent = 0;
  #warnedWaiting = false;
  #seq = 0;
  #audioSeq = 0;
  #h264Seq = 0;
  #sendingH264 = false;
  #sending = false;
  #inFlight = new Set<Promise<void>>();
  #receiving: Promise<void> = Promise.resolve();
  #closed = false;
  #dropped = 0;
  #badDatagrams = 0;

  private constructor(o: MediaLinkOptions, socket: Deno.DatagramConn, host: string) {
    this.#o = o;
    this.#socket = socket;
    this.#relay = { transport: "udp", hostname: host, port: o.mediaPort };
    this.#token = tokenToBytes(o.token);
    this.#startedAt = o.clock.now();
  }

  /**
   * Resolves the relay's address, opens the socket, starts receiving and
   * sends the first register; throws if the name does not resolve or the
   * bind fails.
   */
  static async open(options: MediaLinkOptions): Promise<MediaLink> {
    const host = await resolveRelayAddress(options.host);
    const socket = Deno.listenDatagram({
      transport: "udp",
      hostname: bindAddressFor(host),
      port: 0,
    });
    const link = new MediaLink(options, socket, host);
    link.#receiving = link.#receiveLoop();
    link.#sendRegister();
    return link;
  }

  /** Whether the relay acknowledged our register. */
  get registered(): boolean {
    return this.#registered;
  }

  /** Frames dropped because a send was in flight, plus sends that failed. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Datagrams refused: foreign port, undecodable, or refused by the owner. */
  get badDatagrams(): number {
    return this.#badDatagrams;
  }

  /** Counts one datagram the owner refused (e.g. video of a stranger). */
  countBad(): void {
    this.#badDatagrams++;
  }

  /**
   * Sends one JPEG as a video packet. Returns false, sending nothing, before
   * registration; a send in flight drops the frame (counted) and returns false.
   */
  sendVideo(jpeg: Uint8Array): boolean {
    if (!this.#registered || this.#closed) return false;
    if (this.#sending) {
      this.#dropped++;
      return false;
    }
    this.#send(encodeMediaPacket({
      kind: MediaKind.Video,
      clientId: this.#o.clientId,
      seq: this.#seq++,
      ts: this.#o.clock.now(),
      payload: jpeg,
    }));
    return true;
  }

  /**
   * Sends one `h264` payload (flags byte + access unit, media_packet.ts
   * `encodeH264Payload`) with its own sequence counter and its own "one in
   * flight" rule, so it never competes with the MJPEG of the same frame.
   * Returns false (counted) when not registered or one is still in flight.
   */
  sendH264(payload: Uint8Array): boolean {
    if (!this.#registered || this.#closed) return false;
    if (this.#sendingH264) {
      this.#dropped++;
      return false;
    }
    const packet = encodeMediaPacket({
      kind: MediaKind.H264,
      clientId: this.#o.clientId,
      seq: this.#h264Seq++,
      ts: this.#o.clock.now(),
      payload,
    });
    this.#sendingH264 = true;
    this.#sendTracked(packet, () => this.#sendingH264 = false);
    return true;
  }

  /**
   * Sends one Opus packet as an audio datagram with its own sequence counter.
   * Audio never waits behind a video frame in flight (its datagrams are small
   * and a lost one is heard); returns false before registration.
   */
  sendAudio(opus: Uint8Array): boolean {
    if (!this.#registered || this.#closed) return false;
    const packet = encodeMediaPacket({
      kind: MediaKind.Audio,
      clientId: this.#o.clientId,
      seq: this.#audioSeq++,
      ts: this.#o.clock.now(),
      payload: opus,
    });
    this.#sendTracked(packet, () => {});
    return true;
  }

  /** Repeats the register until acknowledged, warns once if it never is, sends keepalives. */
  tick(): void {
    if (this.#closed) return;
    const now = this.#o.clock.now();
    if (!this.#registered) {
      if (now - this.#lastRegister >= REGISTER_EVERY_MS) this.#sendRegister();
      if (!this.#warnedWaiting && now - this.#startedAt >= WAITING_WARN_MS) {
        this.#warnedWaiting = true;
        this.#o.onWaiting();
      }
    } else if (now - this.#lastSent >= KEEPALIVE_EVERY_MS && !this.#sending) {
      this.#send(this.#control(MediaKind.Keepalive));
    }
  }

  /** Says bye to the relay (when registered) and stops sending and receiving packets. */
  async bye(): Promise<void> {
    if (this.#closed) return;
    if (this.#registered) {
      try {
        await this.#socket.send(this.#control(MediaKind.Bye), this.#relay);
      } catch { /* the relay forgets us after its silence limit anyway */ }
    }
    this.#closed = true;
  }

  /** Says bye if not done, waits for sends in flight, closes the socket; safe twice. */
  async close(): Promise<void> {
    await this.bye();
    await Promise.all([...this.#inFlight]);
    try {
      this.#socket.close();
    } catch { /* already closed */ }
    await this.#receiving;
  }

  #send(packet: Uint8Array): void {
    if (this.#closed) return;
    this.#sending = true;
    this.#sendTracked(packet, () => this.#sending = false);
  }

  /**
   * Sends `packet` to the relay and tracks it until it left (close() waits
   * for it); a failed send counts as dropped. `settled` runs either way.
   */
  #sendTracked(packet: Uint8Array, settled: () => void): void {
    this.#lastSent = this.#o.clock.now();
    const sending: Promise<void> = this.#socket.send(packet, this.#relay).then(
      () => {},
      () => {
        this.#dropped++;
      },
    ).finally(() => {
      settled();
      this.#inFlight.delete(sending);
    });
    this.#inFlight.add(sending);
  }

  #control(kind: MediaKind, payload?: Uint8Array): Uint8Array {
    const ts = this.#o.clock.now();
    return encodeMediaPacket({ kind, clientId: this.#o.clientId, seq: 0, ts, payload });
  }

  #sendRegister(): void {
    this.#lastRegister = this.#o.clock.now();
    this.#send(this.#control(MediaKind.Register, this.#token));
  }

  async #receiveLoop(): Promise<void> {
    while (!this.#closed) {
      let data: Uint8Array;
      let addr: Deno.Addr;
      try {
        [data, addr] = await this.#socket.receive(new Uint8Array(MAX_DATAGRAM + 1));
      } catch {
        if (this.#closed) return;
        // E.g. Windows reports an ICMP port unreachable on the next receive.
        await new Promise((r) => setTimeout(r, RECEIVE_RETRY_MS));
        continue;
      }
      this.#dispatch(data, addr as Deno.NetAddr);
    }
  }

  #dispatch(data: Uint8Array, from: Deno.NetAddr): void {
    const fromRelay = from.port === this.#relay.port &&
      plainAddress(from.hostname) === this.#relay.hostname;
    const decoded = fromRelay ? decodeMediaPacket(data) : null;
    if (decoded === null || !decoded.ok) {
      this.#badDatagrams++;
      return;
    }
    const p = decoded.packet;
    if (p.kind === MediaKind.Registered) {
      if (!this.#registered) {
        this.#registered = true;
        this.#o.onRegistered();
      }
    } else if (p.kind === MediaKind.Video) {
      this.#o.onVideo(p.clientId, p.seq, p.payload.slice());
    } else if (p.kind === MediaKind.Audio) {
      this.#o.onAudio?.(p.clientId, p.seq, p.ts, p.payload.slice());
    } else if (p.kind === MediaKind.H264) {
      this.#o.onH264?.(p.clientId, p.seq, p.payload.slice());
    }
  }
}
