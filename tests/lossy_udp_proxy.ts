/**
 * Test helper: a UDP proxy between one client and the relay that drops and
 * delays the relay's datagrams of chosen kinds with a seeded random source:
 * loss with probability `loss`, and each datagram that passes held back a
 * uniform 0..`jitterMs` ms (so they also arrive out of order). The client
 * sends to {@link LossyUdpProxy.port}; the relay sees the proxy's other
 * socket as the client.
 *
 * @module
 */
import { decodeMediaPacket } from "../lib/protocol/media_packet.ts";

/** A deterministic generator in [0, 1) (mulberry32), so a failure reproduces. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link LossyUdpProxy}. */
export interface LossyOptions {
  /** The relay's UDP port on 127.0.0.1. */
  relayPort: number;
  seed: number;
  /** Probability that a datagram of `kinds` is dropped. */
  loss: number;
  /** Largest extra delay of a datagram of `kinds` (ms). */
  jitterMs: number;
  /** v2 media kinds to disturb (default: audio only). */
  kinds?: number[];
}

/** A proxy for one client; see the module docs. */
export class LossyUdpProxy {
  #front = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  #back = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  #client: Deno.NetAddr | null = null;
  #o: LossyOptions;
  #random: () => number;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #loops: Promise<void>[];
  #closed = false;
  /** Datagrams of the disturbed kinds: seen, and dropped. */
  seen = 0;
  dropped = 0;

  constructor(options: LossyOptions) {
    this.#o = options;
    this.#random = seeded(options.seed);
    this.#loops = [this.#upstream(), this.#downstream()];
  }

  /** The port the client sends to (its `--media-port`). */
  get port(): number {
    return (this.#front.addr as Deno.NetAddr).port;
  }

  async #upstream(): Promise<void> {
    const relay: Deno.NetAddr = {
      transport: "udp",
      hostname: "127.0.0.1",
      port: this.#o.relayPort,
    };
    while (!this.#closed) {
      try {
        const [data, from] = await this.#front.receive();
        this.#client = from as Deno.NetAddr;
        await this.#back.send(data, relay);
      } catch {
        if (this.#closed) return;
      }
    }
  }

  async #downstream(): Promise<void> {
    const kinds = new Set(this.#o.kinds ?? [4]);
    while (!this.#closed) {
      let data: Uint8Array;
      try {
        [data] = await this.#back.receive();
      } catch {
        if (this.#closed) return;
        continue;
      }
      const decoded = decodeMediaPacket(data);
      if (!decoded.ok || !kinds.has(decoded.packet.kind)) {
        this.#forward(data);
        continue;
      }
      this.seen++;
      if (this.#random() < this.#o.loss) {
        this.dropped++;
        continue;
      }
      const id = setTimeout(() => {
        this.#timers.delete(id);
        this.#forward(data);
      }, this.#random() * this.#o.jitterMs);
      this.#timers.add(id);
    }
  }

  #forward(data: Uint8Array): void {
    if (this.#closed || this.#client === null) return;
    this.#front.send(data, this.#client).catch(() => {});
  }

  /** Stops forwarding and closes both sockets. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const id of this.#timers) clearTimeout(id);
    this.#timers.clear();
    this.#front.close();
    this.#back.close();
    await Promise.all(this.#loops);
  }
}
