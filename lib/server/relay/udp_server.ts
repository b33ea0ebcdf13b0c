/**
 * The UDP side of the media relay: a receive loop on a datagram socket that
 * feeds {@link Relay} and sends what it returns, plus the expiry timer.
 * All the rules live in ./relay.ts; this module only moves bytes.
 *
 * @module
 */

import { type Clock, systemClock, type TimerId } from "../../protocol/clock.ts";
import { Relay } from "./relay.ts";
import type { MediaServerStats } from "./report.ts";
import { type CallRoom, DEFAULT_SILENCE_MS, type Outgoing } from "./types.ts";

/** Options of {@link serveMedia}. */
export interface MediaServerOptions {
  /** The room's call hooks; the relay registers as its call listener until closed. */
  room: CallRoom;
  /** Whether v1 datagrams are accepted (`--v1-media`). */
  acceptV1: boolean;
  /** Largest datagram accepted (default 60,000). */
  maxDatagram?: number;
  /** Video frames per second accepted from one sender (default 60). */
  maxFps?: number;
  /** Silence after which a member is forgotten, in ms (default 10,000). */
  silenceMs?: number;
  /** Where unexpected failures are reported (default: console.error). */
  log?: (line: string) => void;
  /** Time and the expiry timer (default: the system clock); tests inject a fake one. */
  clock?: Clock;
  /** Another protocol on this port (discovery, echo probe: lib/server/discovery.ts). */
  side?: SideChannel;
}

/**
 * A second protocol sharing the relay's socket: datagrams it `accepts` never
 * reach the relay; `receive` returns the one reply to send, if any.
 */
export interface SideChannel {
  /** Whether the datagram is for this channel (decided from its first bytes). */
  accepts(data: Uint8Array): boolean;
  /** Handles it; `data` is only valid during the call. */
  receive(
    data: Uint8Array,
    from: { hostname: string; port: number },
    now: number,
  ): { bytes: Uint8Array; to: { hostname: string; port: number } } | null;
}

/** A running media relay. */
export interface MediaServer {
  /** Stops the loop and the timer and closes the socket. Safe twice. */
  close(): Promise<void>;
  /** A snapshot of the counters. */
  stats(): MediaServerStats;
}

// A receive buffer large enough for any UDP datagram, so nothing is truncated
// before the relay can measure it.
const RECEIVE_BUFFER = 65_536;
// Sends in flight before the loop waits for them instead of receiving more.
const MAX_IN_FLIGHT = 512;
// Consecutive receive failures tolerated before the loop gives up.
const MAX_RECEIVE_FAILURES = 1000;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The socket loop, the send accounting and the timer around one {@link Relay}. */
class UdpRelay implements MediaServer {
  readonly #socket: Deno.DatagramConn;
  readonly #relay: Relay;
  readonly #log: (line: string) => void;
  readonly #buffer = new Uint8Array(RECEIVE_BUFFER);
  readonly #clock: Clock;
  readonly #side?: SideChannel;
  readonly #timer: TimerId;
  readonly #running: Promise<void>;
  #closed = false;
  #closing: Promise<void> | null = null;
  #sendErrors = 0;
  #receiveErrors = 0;
  #inFlight = 0;
  #drained: (() => void) | null = null;

  constructor(socket: Deno.DatagramConn, options: MediaServerOptions) {
    this.#socket = socket;
    this.#log = options.log ?? ((line: string) => console.error(line));
    this.#clock = options.clock ?? systemClock;
    this.#side = options.side;
    this.#relay = new Relay(options.room, {
      acceptV1: options.acceptV1,
      maxDatagram: options.maxDatagram,
      maxFps: options.maxFps,
      silenceMs: options.silenceMs,
    });
    const silenceMs = options.silenceMs ?? DEFAULT_SILENCE_MS;
    const period = Math.max(10, Math.min(1000, Math.floor(silenceMs / 4)));
    this.#timer = this.#clock.setInterval(() => this.#tick(), period);
    // If the socket is closed under us, stop the timer too so nothing keeps running.
    this.#running = this.#loop().finally(() => {
      this.#clock.clearInterval(this.#timer);
      this.#relay.close();
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  stats(): MediaServerStats {
    return {
      ...this.#relay.stats(),
      sendErrors: this.#sendErrors,
      receiveErrors: this.#receiveErrors,
    };
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    this.#clock.clearInterval(this.#timer);
    this.#relay.close();
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
    this.#wake();
    await this.#running;
    // Sends on a closed socket settle (rejected) promptly; wait so no op leaks.
    while (this.#inFlight > 0) await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }

  async #loop(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      let data: Uint8Array;
      let from: Deno.Addr;
      try {
        [data, from] = await this.#socket.receive(this.#buffer);
        failures = 0;
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) break;
        // Windows reports an ICMP "port unreachable" from an earlier send as a
        // receive error (WSAECONNRESET); it says nothing about this socket.
        this.#receiveErrors++;
        if (++failures >= MAX_RECEIVE_FAILURES) {
          this.#log(`Media relay stopped receiving: ${describe(error)}`);
          break;
        }
        continue;
      }
      if (from.transport !== "udp") continue;
      if (this.#side?.accepts(data)) {
        this.#sideReply(data, from);
        continue;
      }
      try {
        const out = this.#relay.receive(data, from, this.#clock.now());
        if (out.length > 0) this.#send(out, data);
      } catch (error) {
        // A room hook failed: drop this datagram, keep serving everyone else.
        this.#log(`Media relay failed on a datagram: ${describe(error)}`);
      }
      if (this.#inFlight > MAX_IN_FLIGHT) {
        await new Promise<void>((resolve) => (this.#drained = resolve));
      }
    }
  }

  #send(out: Outgoing[], received: Uint8Array): void {
    for (const o of out) {
      // The received bytes live in the reused buffer: copy them once to forward them.
      const bytes = o.bytes.buffer === received.buffer ? received.slice() : o.bytes;
      for (const to of o.to) {
        this.#inFlight++;
        try {
          this.#socket.send(bytes, { transport: "udp", hostname: to.hostname, port: to.port })
            .then(this.#settle, this.#failed);
        } catch {
          this.#failed();
        }
      }
    }
  }

  /** Lets the side channel answer; its failures never stop the relay. */
  #sideReply(data: Uint8Array, from: Deno.NetAddr): void {
    try {
      const reply = this.#side!.receive(data, from, this.#clock.now());
      if (reply !== null) this.#send([{ bytes: reply.bytes, to: [reply.to] }], data);
    } catch (error) {
      this.#log(`Media port side channel failed on a datagram: ${describe(error)}`);
    }
  }

  readonly #settle = (): void => {
    this.#inFlight--;
    if (this.#inFlight <= MAX_IN_FLIGHT / 2) this.#wake();
  };

  readonly #failed = (): void => {
    this.#sendErrors++;
    this.#settle();
  };

  /** Lets a loop waiting for sends to drain go on. */
  #wake(): void {
    if (this.#drained === null) return;
    const wake = this.#drained;
    this.#drained = null;
    wake();
  }

  #tick(): void {
    try {
      this.#relay.tick(this.#clock.now());
    } catch (error) {
      this.#log(`Media relay tick failed: ${describe(error)}`);
    }
  }
}

/**
 * Serves the media relay on `socket` (a `Deno.listenDatagram({ transport: "udp" })`
 * socket, owned from now on). Never throws from the loop: failures are
 * counted and, when unexpected, logged.
 *
 * @example
 * ```ts
 * import { serveMedia } from "./udp_server.ts";
 * import { Room } from "../room/room.ts";
 * const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
 * const media = serveMedia(socket, { room: new Room(), acceptV1: true });
 * // ... the relay serves until:
 * await media.close();
 * ```
 */
export function serveMedia(socket: Deno.DatagramConn, options: MediaServerOptions): MediaServer {
  return new UdpRelay(socket, options);
}
