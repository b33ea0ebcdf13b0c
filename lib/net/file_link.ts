/**
 * One connection of the file port (PROTOCOL.md section 3), as both ends see
 * it: a header frame, then raw bytes, guarded by a stall timer.
 *
 * The timer measures the peer's silence, not our own work: around a disk
 * sync (or any local wait that says nothing about the peer) it is paused
 * with {@link FileLink.pausedDuring}, and it starts a fresh window when the
 * work ends. A sync that takes longer than the stall timeout therefore never
 * cuts a transfer whose bytes all arrived.
 *
 * The clock is injectable so tests drive timeouts without waiting them out.
 *
 * @module
 */

import { type Clock, systemClock } from "../protocol/clock.ts";
import { FrameDecoder } from "../protocol/frame.ts";

/** The part of the shared {@link Clock} a {@link FileLink} uses (`systemClock` by default). */
export type LinkClock = Pick<Clock, "now" | "setTimeout" | "clearTimeout">;

/** Options of {@link FileLink}. */
export interface FileLinkOptions {
  /** Largest header frame accepted from the peer, in bytes. */
  maxFrame: number;
  /** Time source for the stall timer (default `systemClock`). */
  clock?: LinkClock;
}

/** Options of {@link FileLink.watch}. */
export interface WatchOptions {
  /**
   * `true` (default): the window restarts with every byte moved, a stall
   * timer. `false`: a fixed deadline (a header must be complete by then).
   */
  refresh?: boolean;
  /** Called when the timer expires instead of closing the link. */
  onExpire?: () => void;
}

/**
 * A file-port connection: frame decoder for the header, raw reads and writes
 * for the data, one stall timer.
 *
 * @example
 * ```ts
 * import { FileLink } from "./file_link.ts";
 * import { DEFAULT_FILE_PORT } from "../protocol/limits.ts";
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: DEFAULT_FILE_PORT });
 * const link = new FileLink(conn, { maxFrame: 1024 * 1024 });
 * link.watch(30_000); // closed after 30 s without a byte moving
 * await link.pausedDuring(() => Promise.resolve()); // e.g. a disk sync
 * link.close();
 * ```
 */
export class FileLink {
  /** The socket; reads and writes should go through the link so they count as activity. */
  readonly conn: Deno.Conn;
  /** Decodes the header frames; raw bytes that followed one stay in it (`takeRest`). */
  readonly decoder: FrameDecoder;
  #clock: LinkClock;
  #closed = false;
  #stalled = false;
  #timer: unknown;
  #windowMs = Infinity;
  #refresh = true;
  #onExpire: (() => void) | null = null;
  /** Start of the current window: when it was armed, the last byte moved or a pause ended. */
  #since: number;
  #paused = 0;

  constructor(conn: Deno.Conn, options: FileLinkOptions) {
    this.conn = conn;
    this.decoder = new FrameDecoder({ maxFrame: options.maxFrame });
    this.#clock = options.clock ?? systemClock;
    this.#since = this.#clock.now();
  }

  /** Whether {@link close} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the timer expired without an `onExpire` and closed the link. */
  get stalled(): boolean {
    return this.#stalled;
  }

  /**
   * Arms the timer for `ms` from now, replacing any earlier one. When it
   * expires, `onExpire` runs, or else the link is closed and marked
   * {@link stalled}. `Infinity` disarms it.
   */
  watch(ms: number, options: WatchOptions = {}): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#windowMs = ms;
    this.#refresh = options.refresh ?? true;
    this.#onExpire = options.onExpire ?? null;
    this.#since = this.#clock.now();
    if (Number.isFinite(ms) && !this.#closed) this.#arm(ms);
  }

  /** Disarms the timer (silence is expected, e.g. the peer is syncing a disk). */
  unwatch(): void {
    this.watch(Infinity);
  }

  /**
   * Runs `work` with the timer paused: local work (a disk sync, hashing a
   * file) says nothing about the peer. The window restarts when it ends.
   */
  async pausedDuring<T>(work: () => Promise<T>): Promise<T> {
    this.#paused++;
    try {
      return await work();
    } finally {
      this.#paused--;
      this.#since = this.#clock.now();
    }
  }

  /** Reads into `buf` (resolves null at EOF); a byte read restarts the stall window. */
  async read(buf: Uint8Array): Promise<number | null> {
    const n = await this.conn.read(buf);
    if (n !== null) this.#moved();
    return n;
  }

  /** Writes some of `bytes` (a short write is possible); restarts the stall window. */
  async write(bytes: Uint8Array): Promise<number> {
    const n = await this.conn.write(bytes);
    this.#moved();
    return n;
  }

  /**
   * The payload of the next header frame, or null at EOF. Frame errors of
   * the decoder (`ProtocolError`) and socket errors are thrown.
   */
  async readFrame(): Promise<Uint8Array | null> {
    let buf: Uint8Array | null = null;
    for (;;) {
      const payload = this.decoder.next();
      if (payload !== null) return payload;
      buf ??= new Uint8Array(16 * 1024);
      const n = await this.read(buf);
      if (n === null) return null;
      this.decoder.push(buf.subarray(0, n));
    }
  }

  /** Closes the socket and the timer. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  #moved(): void {
    if (this.#refresh) this.#since = this.#clock.now();
  }

  #arm(ms: number): void {
    this.#timer = this.#clock.setTimeout(() => this.#check(), Math.max(0, ms));
  }

  /** The timer fired: expire, or re-arm for what is left of the window. */
  #check(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    const left = this.#paused > 0
      ? this.#windowMs
      : this.#since + this.#windowMs - this.#clock.now();
    if (left > 0) {
      this.#arm(left);
      return;
    }
    const onExpire = this.#onExpire;
    if (onExpire !== null) {
      this.#onExpire = null;
      onExpire();
    } else {
      this.#stalled = true;
      this.close();
    }
  }
}
