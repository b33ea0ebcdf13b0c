/**
 * The server's log (issue 8.4): every {@link ServerLogEvent} becomes one line
 * on the console, with the local time, in the server's language (catalogue
 * key `log_<kind>`), and, with `--log FILE`, one JSON object per line in that
 * file (`{"ts":...,"kind":...,...fields}`).
 *
 * Noisy kinds (refusals, rate limits, ordinary network errors) are
 * summarised: the first event of a kind is written at once, the others of
 * the next 10 s are counted and written as one summary line when the window
 * ends. A network error is always one plain line, never a stack trace:
 * {@link netErrorName} tells the ordinary ones (reset, broken pipe) apart.
 *
 * No `Deno.*` here: the console and the file come in as writers, time as a
 * {@link Clock}, so tests drive it by hand.
 *
 * @module
 */

import { type Clock, systemClock, type TimerId } from "../protocol/clock.ts";
import { type Lang, type Params, translator } from "../protocol/i18n.ts";
import { safe } from "../protocol/safe_text.ts";
import type { LogSink, ServerLogEvent } from "./log_event.ts";
import { serverText } from "./text.ts";
import { formatSize } from "../protocol/sizes.ts";

/** Kinds written at most once per window (with a count); see {@link ServerLogOptions.summarised}. */
export const SUMMARISED_KINDS: readonly string[] = ["refused", "rate_limited", "net_error"];

/** Default length of a summary window: 10 s. */
export const SUMMARY_WINDOW_MS = 10_000;

/** Options of {@link ServerLog}. */
export interface ServerLogOptions {
  /** Language of the console lines. */
  lang: Lang;
  /** Writes one console line (the server's standard output). */
  print(line: string): void;
  /** Writes one JSON line to the `--log` file (no newline included); absent without `--log`. */
  json?: (line: string) => void;
  /** Time of the lines and of the summary windows (default: the system clock). */
  clock?: Clock;
  /** Kinds to summarise (default {@link SUMMARISED_KINDS}). */
  summarised?: readonly string[];
  /** Summary window in ms (default {@link SUMMARY_WINDOW_MS}). */
  windowMs?: number;
  /** Formats the time of a line (default local `HH:MM:SS`). */
  time?: (ms: number) => string;
}

/** Events of one summarised kind held back during its window. */
interface Window {
  timer: TimerId;
  /** Events held back (after the first, which was written). */
  events: number;
  /** Sum of their `count` fields (1 for an event without one). */
  count: number;
  /** Distinct addresses among them. */
  ips: Set<string>;
  /** The last one held back: its fields go into the summary. */
  last: ServerLogEvent | null;
}

/** Numeric fields that are byte counts: shown as `1.5 MB` on the console (raw in JSON). */
const SIZE_FIELDS: ReadonlySet<string> = new Set(["size", "free", "needed", "bytes"]);

const catalogue = serverText as Record<string, Record<Lang, string>>;

/** Local wall-clock time as `HH:MM:SS`. */
function localTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * Turns log events into console lines and JSON lines. `sink` is what the
 * server's modules are given.
 *
 * @example
 * ```ts
 * import { ServerLog } from "./log.ts";
 * const log = new ServerLog({ lang: "en", print: (line) => console.log(line) });
 * log.sink({ kind: "joined", name: "Ana", ip: "192.168.1.20" });
 * log.close();
 * ```
 */
export class ServerLog {
  readonly #print: (line: string) => void;
  readonly #json?: (line: string) => void;
  readonly #clock: Clock;
  readonly #t: (key: string, params?: Params) => string;
  readonly #summarised: ReadonlySet<string>;
  readonly #windowMs: number;
  readonly #time: (ms: number) => string;
  readonly #windows = new Map<string, Window>();
  #closed = false;

  /** A log writing to `options.print` (and `options.json`). */
  constructor(options: ServerLogOptions) {
    this.#print = options.print;
    this.#json = options.json;
    this.#clock = options.clock ?? systemClock;
    this.#t = translator(catalogue, options.lang);
    this.#summarised = new Set(options.summarised ?? SUMMARISED_KINDS);
    this.#windowMs = options.windowMs ?? SUMMARY_WINDOW_MS;
    this.#time = options.time ?? localTime;
  }

  /** The sink to hand to the server's modules (bound; never throws). */
  readonly sink: LogSink = (event) => {
    try {
      this.#receive(event);
    } catch {
      // A broken console or log file must never take the server down.
    }
  };

  /** Writes pending summaries and stops the summary timers. Safe twice. */
  close(): void {
    if (this.#closed) return;
    for (const kind of [...this.#windows.keys()]) this.#endWindow(kind);
    this.#closed = true;
  }

  /** The console text of an event (without the time), in the log's language. */
  text(event: ServerLogEvent): string {
    const key = `log_${event.kind}`;
    const params: Params = {};
    for (const [k, v] of Object.entries(event)) {
      if (v === undefined) continue;
      if (typeof v === "number" && SIZE_FIELDS.has(k)) params[k] = formatSize(v);
      else if (k === "what" && typeof v === "string" && `log_what_${v}` in catalogue) {
        // What was refused or limited, told in the log's language.
        params[k] = this.#t(`log_what_${v}`);
      } else if (typeof v === "string") params[k] = safe(v);
      else params[k] = typeof v === "boolean" ? String(v) : v;
    }
    if (key in catalogue) return this.#t(key, params);
    // A kind nobody gave a text yet: still one readable line.
    const fields = Object.entries(params).filter(([k]) => k !== "kind");
    return `${event.kind} ${fields.map(([k, v]) => `${k}=${v}`).join(" ")}`.trim();
  }

  #receive(event: ServerLogEvent): void {
    if (this.#closed) return;
    if (!this.#summarised.has(event.kind)) {
      this.#write(event);
      return;
    }
    const open = this.#windows.get(event.kind);
    if (open === undefined) {
      this.#write(event);
      const timer = this.#clock.setTimeout(() => this.#endWindow(event.kind), this.#windowMs);
      this.#windows.set(event.kind, { timer, events: 0, count: 0, ips: new Set(), last: null });
      return;
    }
    open.events++;
    open.count += typeof event.count === "number" ? event.count : 1;
    if (typeof event.ip === "string") open.ips.add(event.ip);
    open.last = event;
  }

  /** The window of `kind` ends: one summary line for what it held back. */
  #endWindow(kind: string): void {
    const w = this.#windows.get(kind);
    if (w === undefined) return;
    this.#clock.clearTimeout(w.timer);
    this.#windows.delete(kind);
    if (w.last === null) return;
    const summary: ServerLogEvent = {
      ...w.last,
      count: w.count,
      summary: true,
      events: w.events,
      ips: w.ips.size,
      seconds: Math.round(this.#windowMs / 1000),
    };
    this.#write(summary);
  }

  #write(event: ServerLogEvent): void {
    const now = this.#clock.now();
    let line = `${this.#time(now)} ${this.text(event)}`;
    if (event.summary === true) {
      line += " " + this.#t("logSummary", {
        events: Number(event.events),
        ips: Number(event.ips),
        seconds: Number(event.seconds),
      });
    }
    this.#print(line);
    if (this.#json !== undefined) {
      this.#json(JSON.stringify({ ts: new Date(now).toISOString(), ...event }));
    }
  }
}

/**
 * The name of an ordinary network failure (the peer reset the connection,
 * closed it while we wrote, or the link broke), or null for anything else:
 * those are worth one plain log line, never a stack trace.
 *
 * @example
 * ```ts
 * import { netErrorName } from "./log.ts";
 * netErrorName(new Deno.errors.BrokenPipe("Broken pipe (os error 32)")); // "BrokenPipe"
 * netErrorName(new TypeError("bug")); // null
 * ```
 */
export function netErrorName(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const ordinary = [
    "BrokenPipe",
    "ConnectionReset",
    "ConnectionAborted",
    "NotConnected",
    "UnexpectedEof",
    "TimedOut",
  ];
  if (ordinary.includes(error.name)) return error.name;
  const code = (error as { code?: unknown }).code;
  const codes: Record<string, string> = {
    EPIPE: "BrokenPipe",
    ECONNRESET: "ConnectionReset",
    ECONNABORTED: "ConnectionAborted",
    ETIMEDOUT: "TimedOut",
  };
  return typeof code === "string" && code in codes ? codes[code] : null;
}
