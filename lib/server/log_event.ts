/**
 * What the server tells the teacher: one event per thing that happened
 * (a join, a published file, a refusal, a full disk). Modules that see such
 * things take an optional {@link LogSink} in their options and call it; the
 * server's console and `--log FILE` (lib/server/log.ts) turn each event into
 * one line. The line's text is the server catalogue's key `log_<kind>`, with
 * the event's fields as its parameters, so every kind is translated.
 *
 * @module
 */

/** A field of a {@link ServerLogEvent}: plain values only, so it is JSON as is. */
export type LogField = string | number | boolean | undefined;

/**
 * One event for the server's log.
 *
 * @example
 * ```ts
 * import type { ServerLogEvent } from "./log_event.ts";
 * const e: ServerLogEvent = { kind: "joined", name: "Ana", ip: "192.168.1.20" };
 * ```
 */
export interface ServerLogEvent {
  /** What happened; the text is the catalogue key `log_<kind>`. */
  kind: string;
  /** The event's fields (names, sizes, addresses, counts). */
  [field: string]: LogField;
}

/** Receives the server's log events. Must not throw and must not block. */
export type LogSink = (event: ServerLogEvent) => void;

/** A sink that drops every event (the default when nobody listens). */
export const noLog: LogSink = () => {};
