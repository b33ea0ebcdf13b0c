/**
 * The room's events as the teacher's log sees them: a join, a leave, a
 * published file, a call starting or ending become {@link ServerLogEvent}s
 * (lib/server/log_event.ts). Read from the events the room broadcasts, so
 * every module that emits them (hello, requests, call) is covered by one
 * hook in the room's `emit`.
 *
 * @module
 */

import type { Message } from "../../protocol/frame.ts";
import type { LogSink, ServerLogEvent } from "../log_event.ts";

/**
 * The log event for one broadcast room event, or null when the teacher's
 * log does not show that event. `ipOf` gives a member's address by name.
 *
 * @example
 * ```ts
 * import { roomLogEvent } from "./room_log.ts";
 * const e = roomLogEvent({ type: "system", event: "join", name: "Ana" }, () => "10.0.0.5");
 * // { kind: "joined", name: "Ana", ip: "10.0.0.5" }
 * ```
 */
export function roomLogEvent(
  event: Message,
  ipOf: (name: string) => string | undefined,
): ServerLogEvent | null {
  const str = (v: unknown) => typeof v === "string" ? v : "";
  if (event.type === "system" && event.event === "join") {
    return { kind: "joined", name: str(event.name), ip: ipOf(str(event.name)) ?? "?" };
  }
  if (event.type === "system" && event.event === "leave") {
    return { kind: "left", name: str(event.name), reason: str(event.reason) };
  }
  if (event.type === "file_available") {
    const size = typeof event.size === "number" ? event.size : 0;
    return {
      kind: "file_published",
      name: str(event.filename),
      size,
      by: str(event.from),
      id: str(event.file_id),
    };
  }
  if (event.type === "call" && event.action === "start" && event.first === true) {
    return { kind: "call_started", by: str(event.from) };
  }
  if (event.type === "call" && event.action === "stop" && event.ended === true) {
    return { kind: "call_ended" };
  }
  return null;
}

/** Sends the log event of `event` (if any) to `log`. */
export function logRoomEvent(
  log: LogSink | undefined,
  event: Message,
  ipOf: (name: string) => string | undefined,
): void {
  if (log === undefined) return;
  const e = roomLogEvent(event, ipOf);
  if (e !== null) log(e);
}
