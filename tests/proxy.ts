/**
 * A TCP proxy for tests that need the network to fail on cue: it forwards
 * 127.0.0.1 connections to a target port and can cut them like a cable
 * pulled out (every open connection at once, or each after some bytes),
 * turn new connections away for a while (a Wi-Fi blip that lasts), slow
 * the bytes down (so a transfer is still running when a test cuts it) and
 * follow a server that came back on another port.
 *
 * @example
 * ```ts
 * import { TcpProxy } from "./proxy.ts";
 * const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const proxy = TcpProxy.start(server.addr.port);
 * proxy.cutAll(); // every connection through it ends now
 * await proxy.close();
 * server.close();
 * ```
 *
 * @module
 */

/** Options of {@link TcpProxy.start}. */
export interface ProxyOptions {
  /** Bytes from the client after which a connection is cut (default: never). */
  cutAfter?: number;
  /** Bytes from the server after which a connection is cut (default: never). */
  cutReplyAfter?: number;
  /** Whether `cutAfter`/`cutReplyAfter` apply to every connection (default: the first only). */
  every?: boolean;
  /** Bytes per second in each direction (default: as fast as possible). */
  bytesPerSecond?: number;
}

interface Pair {
  client: Deno.Conn;
  server: Deno.Conn;
}

/** A running proxy; {@link TcpProxy.close} it in `finally`. */
export class TcpProxy {
  /** The port clients connect to. */
  readonly port: number;
  /** The port connections are forwarded to (may be changed: a restarted server). */
  target: number;
  /** While true, new connections are accepted and closed at once (the server seems down). */
  refusing = false;
  /** Connections accepted so far (refused ones included). */
  accepted = 0;
  /** Bytes forwarded from clients to the target so far. */
  forwarded = 0;
  #listener: Deno.TcpListener;
  #options: ProxyOptions;
  #pairs = new Set<Pair>();
  #tasks: Promise<void>[] = [];
  #accepting: Promise<void>;

  private constructor(target: number, options: ProxyOptions) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = this.#listener.addr.port;
    this.target = target;
    this.#options = options;
    this.#accepting = this.#accept();
  }

  /** Starts a proxy to `target` on a free port. */
  static start(target: number, options: ProxyOptions = {}): TcpProxy {
    return new TcpProxy(target, options);
  }

  /** Connections open now. */
  get open(): number {
    return this.#pairs.size;
  }

  /** Cuts every open connection at once (both sides see the connection end). */
  cutAll(): void {
    for (const pair of this.#pairs) closePair(pair);
    this.#pairs.clear();
  }

  /** Stops accepting, cuts everything and waits for the forwarding tasks. */
  async close(): Promise<void> {
    this.#listener.close();
    await this.#accepting;
    this.cutAll();
    await Promise.all(this.#tasks);
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) {
        const first = this.accepted++ === 0;
        if (this.refusing) {
          closeQuietly(client);
          continue;
        }
        let server: Deno.Conn;
        try {
          server = await Deno.connect({ hostname: "127.0.0.1", port: this.target });
        } catch {
          closeQuietly(client); // Nothing behind: like a refused connection.
          continue;
        }
        const pair = { client, server };
        this.#pairs.add(pair);
        const cut = first || this.#options.every === true;
        const up = cut ? this.#options.cutAfter ?? Infinity : Infinity;
        const down = cut ? this.#options.cutReplyAfter ?? Infinity : Infinity;
        this.#tasks.push(
          this.#forward(pair, client, server, up, (n) => this.forwarded += n),
          this.#forward(pair, server, client, down),
        );
      }
    } catch {
      // The listener was closed.
    }
  }

  async #forward(
    pair: Pair,
    from: Deno.Conn,
    to: Deno.Conn,
    limit: number,
    onMoved?: (n: number) => void,
  ): Promise<void> {
    const rate = this.#options.bytesPerSecond;
    const buf = new Uint8Array(rate === undefined ? 64 * 1024 : Math.max(1024, rate / 20));
    let moved = 0;
    try {
      while (moved < limit) {
        const n = await from.read(buf.subarray(0, Math.min(buf.length, limit - moved)));
        if (n === null) break;
        let off = 0;
        while (off < n) off += await to.write(buf.subarray(off, n));
        moved += n;
        onMoved?.(n);
        // Throttling: each chunk takes its share of a second.
        if (rate !== undefined) await new Promise((r) => setTimeout(r, (n / rate) * 1000));
      }
    } catch {
      // Closed by the other side or by cutAll().
    }
    this.#pairs.delete(pair);
    closePair(pair);
  }
}

function closePair(pair: Pair): void {
  closeQuietly(pair.client);
  closeQuietly(pair.server);
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
