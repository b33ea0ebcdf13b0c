/**
 * What the room does with what a connection's socket reports: a frame
 * payload (decoded, then the hello or, past the rate limits, a request) and
 * the timers that fire (hello, idle, unfinished frame). The coordinator
 * (room.ts) runs each inside one entry point.
 *
 * @module
 */

import { decodeMessage, type Message, ProtocolError } from "../../protocol/frame.ts";
import type { Member, TimeoutKind } from "./connection.ts";
import type { RoomCore } from "./core.ts";
import { decodeErrorCode } from "./errors.ts";
import { handleHello } from "./hello.ts";
import { admit, handleRequest } from "./requests.ts";

const textEncoder = new TextEncoder();

/** One frame payload of `member`: its hello, or a request the rate limits admit. */
export function receiveFrame(
  core: RoomCore,
  member: Member,
  payload: Uint8Array,
  floodLimit: number,
): void {
  let msg: Message;
  try {
    msg = decodeMessage(payload);
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    const code = decodeErrorCode(e.code);
    // decodeMessage's bad_message is always "valid JSON, not an object".
    const text = core.t(code === "bad_message" ? "not_object" : code);
    core.errors.badFrame(member, code, text);
    return;
  }
  if (member.name === null) handleHello(core, member, msg);
  else if (admit(core, member, msg, { floodLimit })) handleRequest(core, member, msg);
}

/**
 * A timer of `member` fired: the error and close that go with it
 * (`seconds`: the limit of an unfinished frame). After a shutdown every
 * timer closes with `server_shutdown`.
 */
export function timedOut(core: RoomCore, member: Member, kind: TimeoutKind, seconds: number): void {
  const { errors, t } = core;
  if (core.isClosed()) errors.fail(member, "server_shutdown", t("server_shutdown"), "shutdown");
  else if (kind === "idle") {
    core.resume.vanished(member);
    errors.fail(member, "idle_timeout", t("idle_timeout"), "timeout");
  } else if (kind === "frame") {
    errors.fail(member, "frame_timeout", t("frame_timeout", { seconds }), "timeout");
  } else if (member.name === null) {
    errors.fail(member, "hello_timeout", t("hello_timeout"), "timeout");
  }
}

/** Encodes a message (or raw text) as a frame payload, for tests and tools that feed the room by hand. */
export function payload(message: Message | string): Uint8Array {
  return textEncoder.encode(typeof message === "string" ? message : JSON.stringify(message));
}
