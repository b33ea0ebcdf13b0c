/**
 * The UDP side of the media relay: a receive loop on a datagram socket that
 * feeds {@link Relay} and sends what it returns, plus the expiry timer.
 * All the rules live in lib/server/relay.ts; this module only moves bytes.
 *
 * @module
 */

import { type Lang, translator } from "../protocol/i18n.ts";
import {
  type CallRoom,
  DEFAULT_SILENCE_MS,
  DROP_REASONS,
  type Outgoing,
  Relay,
  type RelayStats,
} from "./relay.ts";
import { serverText } from "./text.ts";

/** Options of {@link serveMedia}. */
export interface MediaServerOptions {
  /** The room's call hooks. */
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
}

/** Relay counters plus the socket's own error counts. */
export interface MediaServerStats extends RelayStats {
  /** Sends that failed (unreachable peer, closed socket). */
  sendErrors: number;
  /** Receive calls that failed and were retried. */
  receiveErrors: number;
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

/**
 * Serves the media relay on `socket` (a `Deno.listenDatagram({ transport: "udp" })`
 * socket, owned from now on). Never throws from the loop: failures are
 * counted and, when unexpected, logged.
 *
 * @example
 * ```ts
 * import { serveMedia } from "./relay_server.ts";
 * import { Room } from "./room/room.ts";
 * const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
 * const media = serveMedia(socket, { room: new Room(), acceptV1: true });
 * // ... the relay serves until:
 * await media.close();
 * ```
 */
export function serveMedia(socket: Deno.DatagramConn, options: MediaServerOptions): MediaServer {
  const log = options.log ?? ((line: string) => console.error(line));
  const relay = new Relay(options.room, {
    acceptV1: options.acceptV1,
    maxDatagram: options.maxDatagram,
    maxFps: options.maxFps,
    silenceMs: options.silenceMs,
  });
  const silenceMs = options.silenceMs ?? DEFAULT_SILENCE_MS;
  let closed = false;
  let sendErrors = 0;
  let receiveErrors = 0;
  let inFlight = 0;
  let drained: (() => void) | null = null;
  const buffer = new Uint8Array(RECEIVE_BUFFER);

  const settle = () => {
    inFlight--;
    if (inFlight <= MAX_IN_FLIGHT / 2 && drained !== null) {
      const wake = drained;
      drained = null;
      wake();
    }
  };
  const failed = () => {
    sendErrors++;
    settle();
  };

  const send = (out: Outgoing[], received: Uint8Array) => {
    for (const o of out) {
      // The received bytes live in the reused buffer: copy them once to forward them.
      const bytes = o.bytes.buffer === received.buffer ? received.slice() : o.bytes;
      for (const to of o.to) {
        inFlight++;
        try {
          socket.send(bytes, { transport: "udp", hostname: to.hostname, port: to.port })
            .then(settle, failed);
        } catch {
          failed();
        }
      }
    }
  };

  const tick = () => {
    try {
      relay.tick(performance.now());
    } catch (error) {
      log(`Media relay tick failed: ${error instanceof Error ? error.message : error}`);
    }
  };
  const timer = setInterval(tick, Math.max(10, Math.min(1000, Math.floor(silenceMs / 4))));

  const loop = async () => {
    let failures = 0;
    while (!closed) {
      let data: Uint8Array;
      let from: Deno.Addr;
      try {
        [data, from] = await socket.receive(buffer);
        failures = 0;
      } catch (error) {
        if (closed || error instanceof Deno.errors.BadResource) break;
        // Windows reports an ICMP "port unreachable" from an earlier send as a
        // receive error (WSAECONNRESET); it says nothing about this socket.
        receiveErrors++;
        if (++failures >= MAX_RECEIVE_FAILURES) {
          log(`Media relay stopped receiving: ${error instanceof Error ? error.message : error}`);
          break;
        }
        continue;
      }
      if (from.transport !== "udp") continue;
      try {
        const out = relay.receive(data, from, performance.now());
        if (out.length > 0) send(out, data);
      } catch (error) {
        // A room hook failed: drop this datagram, keep serving everyone else.
        log(`Media relay failed on a datagram: ${error instanceof Error ? error.message : error}`);
      }
      if (inFlight > MAX_IN_FLIGHT) {
        await new Promise<void>((resolve) => (drained = resolve));
      }
    }
  };
  // If the socket is closed under us, stop the timer too so nothing keeps running.
  const running = loop().finally(() => {
    clearInterval(timer);
    relay.close();
  });

  let closing: Promise<void> | null = null;
  return {
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(timer);
        relay.close();
        try {
          socket.close();
        } catch {
          // already closed
        }
        if (drained !== null) {
          const wake: () => void = drained;
          drained = null;
          wake();
        }
        await running;
        // Sends on a closed socket settle (rejected) promptly; wait so no op leaks.
        while (inFlight > 0) await new Promise<void>((resolve) => setTimeout(resolve, 1));
      })();
      return closing;
    },
    stats() {
      return { ...relay.stats(), sendErrors, receiveErrors };
    },
  };
}

/**
 * Human lines describing relay stats, for the server's shutdown report or
 * a log. Drop reasons keep their protocol names (they are counters, not prose).
 */
export function formatRelayStats(stats: MediaServerStats, lang: Lang): string[] {
  const t = translator(serverText, lang);
  const lines = [t("relaySummary", {
    received: stats.received,
    frames: stats.frames,
    sent: stats.sent,
    dropped: stats.droppedTotal,
  })];
  const nonZero = DROP_REASONS.filter((r) => stats.dropped[r] > 0);
  if (nonZero.length > 0) {
    lines.push(
      t("relayDrops", { list: nonZero.map((r) => `${r}=${stats.dropped[r]}`).join(", ") }),
    );
  }
  for (const m of stats.members) {
    lines.push(t("relayMember", {
      name: m.name,
      id: m.clientId,
      protocol: m.protocol,
      address: m.address,
      in: m.framesIn,
      out: m.framesOut,
    }));
  }
  if (stats.sendErrors > 0 || stats.receiveErrors > 0) {
    lines.push(t("relayErrors", { send: stats.sendErrors, receive: stats.receiveErrors }));
  }
  return lines;
}
