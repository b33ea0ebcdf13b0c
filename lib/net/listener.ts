/**
 * The accept loop shared by the TCP services: accepts connections, counts
 * them per IP address, runs one handler task per connection and stops
 * gracefully.
 *
 * Accept errors are told apart: running out of descriptors or memory
 * (EMFILE, ENFILE, ENOBUFS, ENOMEM) pauses accepting briefly, with one log line
 * per episode; an error about one connection (reset or aborted before it was
 * accepted) is skipped at once, so a connect-then-reset flood cannot stall the
 * service. Any other accept error is skipped too, and the first one is logged.
 *
 * @module
 */

/** What the loop needs from a listener: `Deno.Listener` fits. */
export interface AcceptSource<C> {
  accept(): Promise<C>;
  close(): void;
}

/** What the loop needs from an accepted connection: `Deno.Conn` fits. */
export interface AcceptedConn {
  readonly remoteAddr: Deno.Addr;
  close(): void;
}

/** Who connected, handed to the handler with the connection. */
export interface PeerInfo {
  /** Remote IP address (or the socket path for Unix sockets). */
  ip: string;
  /** Remote port (0 when there is none). */
  port: number;
  /** Open connections from `ip`, this one included. */
  fromIp: number;
  /** Whether `fromIp` is over the `maxPerIp` option: the handler should refuse politely. */
  overLimit: boolean;
}

/** Options of {@link ConnectionListener}. */
export interface ConnectionListenerOptions {
  /** Connections per IP address before `overLimit` is set (default: no limit). */
  maxPerIp?: number;
  /** Pause after a resource-exhaustion accept error, in ms (default 100). */
  exhaustionPauseMs?: number;
  /** Where accept trouble and handler failures are reported (default console.error). */
  log?: (line: string) => void;
  /** Prefix of log lines, e.g. `"chat"` (default `"listener"`). */
  name?: string;
  /** Timer used for the pause (tests inject one). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Deno error codes and errno numbers that mean "out of resources", not "bad connection". */
const EXHAUSTION_CODES = new Set(["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM"]);
const EXHAUSTION_ERRNO = /\(os error (24|23|105|12)\)/;

/**
 * Whether an accept error means the process or system ran out of descriptors,
 * buffers or memory (so accepting again at once would fail again).
 */
export function isResourceExhaustion(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && EXHAUSTION_CODES.has(code)) return true;
  return EXHAUSTION_ERRNO.test(error.message);
}

/** Errors about one connection that went away before it was accepted. */
function isPerConnection(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.NotConnected;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Accepts connections from `listener` (owned from now on) and runs
 * `handle(conn, peer)` for each until {@link stop}. The handler owns the
 * connection; a rejection from it is logged.
 *
 * @example
 * ```ts
 * import { ConnectionListener } from "./listener.ts";
 * const server = new ConnectionListener(
 *   Deno.listen({ hostname: "127.0.0.1", port: 0 }),
 *   async (conn, peer) => {
 *     if (!peer.overLimit) await conn.write(new TextEncoder().encode("hola\n"));
 *     conn.close();
 *   },
 *   { maxPerIp: 8, name: "greeter" },
 * );
 * await server.stop();
 * await server.settled(1000);
 * ```
 */
export class ConnectionListener<C extends AcceptedConn> {
  #listener: AcceptSource<C>;
  #handle: (conn: C, peer: PeerInfo) => Promise<void>;
  #maxPerIp: number;
  #pauseMs: number;
  #log: (line: string) => void;
  #name: string;
  #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  #perIp = new Map<string, number>();
  #tasks = new Set<Promise<void>>();
  #stopping = new AbortController();
  #loop: Promise<void>;
  #stopped: Promise<void> | null = null;

  constructor(
    listener: AcceptSource<C>,
    handle: (conn: C, peer: PeerInfo) => Promise<void>,
    options: ConnectionListenerOptions = {},
  ) {
    this.#listener = listener;
    this.#handle = handle;
    this.#maxPerIp = options.maxPerIp ?? Infinity;
    this.#pauseMs = options.exhaustionPauseMs ?? 100;
    this.#log = options.log ?? ((line) => console.error(line));
    this.#name = options.name ?? "listener";
    this.#sleep = options.sleep ?? defaultSleep;
    this.#loop = this.#acceptLoop();
  }

  /** Handler tasks still running. */
  get active(): number {
    return this.#tasks.size;
  }

  /** Whether {@link stop} was called. */
  get stopping(): boolean {
    return this.#stopping.signal.aborted;
  }

  /** Open connections from `ip` right now. */
  connectionsFrom(ip: string): number {
    return this.#perIp.get(ip) ?? 0;
  }

  /**
   * Closes the listener and resolves when the accept loop has ended. Running
   * handlers go on (see {@link settled}). Safe to call twice.
   */
  stop(): Promise<void> {
    if (this.#stopped !== null) return this.#stopped;
    this.#stopping.abort();
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    this.#stopped = this.#loop;
    return this.#stopped;
  }

  /**
   * Resolves true once every handler has finished, or false after
   * `timeoutMs` (default: no deadline) with some still running.
   */
  async settled(timeoutMs = Infinity): Promise<boolean> {
    const all = (async () => {
      while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
    })();
    if (timeoutMs === Infinity) {
      await all;
      return true;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = await Promise.race([
      all.then(() => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), timeoutMs)),
    ]);
    clearTimeout(timer);
    return done;
  }

  async #acceptLoop(): Promise<void> {
    const signal = this.#stopping.signal;
    let exhausted = false;
    let reported = false;
    while (!signal.aborted) {
      let conn: C;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (signal.aborted || error instanceof Deno.errors.BadResource) return;
        if (isResourceExhaustion(error)) {
          if (!exhausted) this.#log(`${this.#name}: accept paused: ${error}`);
          exhausted = true;
          await this.#sleep(this.#pauseMs, signal);
        } else if (!isPerConnection(error) && !reported) {
          reported = true;
          this.#log(`${this.#name}: accept failed: ${error}`);
        }
        continue;
      }
      exhausted = false;
      if (signal.aborted) {
        conn.close();
        return;
      }
      this.#start(conn);
    }
  }

  #start(conn: C): void {
    const addr = conn.remoteAddr;
    const ip = "hostname" in addr ? addr.hostname : "path" in addr ? addr.path : "";
    const port = "port" in addr ? addr.port : 0;
    const fromIp = (this.#perIp.get(ip) ?? 0) + 1;
    this.#perIp.set(ip, fromIp);
    const peer = { ip, port, fromIp, overLimit: fromIp > this.#maxPerIp };
    const task = (async () => {
      try {
        await this.#handle(conn, peer);
      } catch (error) {
        this.#log(`${this.#name}: ${ip}:${port}: ${(error as Error)?.stack ?? error}`);
      } finally {
        const left = (this.#perIp.get(ip) ?? 1) - 1;
        if (left <= 0) this.#perIp.delete(ip);
        else this.#perIp.set(ip, left);
      }
    })();
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }
}
