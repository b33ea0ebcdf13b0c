/**
 * Requests of a member after its hello (PROTOCOL.md 2.2): the rate limit that
 * admits them, then `message`, `ping`, `who`, `files`, `quit`, the v1
 * `file_available` announce and `call` start/stop. Anything else is a bad
 * frame with its code.
 *
 * @module
 */

import { encodeFrame, type Message } from "../../protocol/frame.ts";
import { SERVER_MAX_FRAME } from "../../protocol/limits.ts";
import { utf8Length } from "../../protocol/utf8.ts";
import { callRequest } from "./call_requests.ts";
import { adminRequest, callAsAllowed, mayShare } from "./admin_requests.ts";
import type { Member } from "./connection.ts";
import type { RoomCore } from "./core.ts";
import { filesReply, pageRequest } from "./listing.ts";
import type { RoomFile } from "./types.ts";

/** The rate-limit rules of a room. */
export interface AdmitLimits {
  /** Refused frames after which the connection is closed as a flood. */
  floodLimit: number;
}

/**
 * Whether `member` may send one more frame now (`quit` always may): within
 * its connection's rate and within its address's budgets of frames and
 * message bytes (flood.ts). A refused frame gets `rate_limited`; past
 * `floodLimit` refusals the member is closed as a flood.
 */
export function admit(
  core: RoomCore,
  member: Member,
  msg: Message,
  limits: AdmitLimits,
): boolean {
  if (msg.type === "quit") return true;
  const text = refusal(core, member, msg);
  if (text === null) return true;
  member.refused++;
  if (member.refused > limits.floodLimit) {
    core.errors.fail(member, "rate_limited", core.t("flood"), "flood");
  } else {
    const ref = typeof msg.ref === "string" ? msg.ref : undefined;
    core.errors.reply(member, "rate_limited", text, ref);
  }
  return false;
}

/** The text of the rate limit a frame breaks, or null when it may pass. */
function refusal(core: RoomCore, member: Member, msg: Message): string | null {
  const now = core.now();
  if (!member.bucket.take(now)) return core.t("rate_limited");
  const ip = member.handle.ip;
  // Oversized texts are refused later (message_too_long); they cost at most the limit.
  const bytes = msg.type === "message" && typeof msg.text === "string"
    ? Math.min(utf8Length(msg.text), core.settings.maxMessage)
    : 0;
  if (core.guard.frame(ip, now) && (bytes === 0 || core.guard.text(ip, bytes, now))) return null;
  core.log({ kind: "rate_limited", who: ip, ip, what: "messages", count: 1 });
  return core.t("rate_limited_ip", { ip });
}

/** Handles one admitted request of a member that said hello. */
export function handleRequest(core: RoomCore, member: Member, msg: Message): void {
  const ref = typeof msg.ref === "string" ? msg.ref : undefined;
  const type = msg.type;
  const bad = (detail: string) =>
    core.errors.badFrame(member, "bad_message", core.t("bad_message", { detail }), ref);
  if (typeof type !== "string") {
    bad("type");
    return;
  }
  switch (type) {
    case "message":
      if (mayShare(core, member, ref)) chatMessage(core, member, msg, ref);
      return;
    case "ping":
      core.send(member, encodeFrame({ type: "pong" }));
      return;
    case "who": {
      const inCall = new Set(core.call.list().map((peer) => peer.name));
      const who = { type: "who", members: [], members_total: core.members.size };
      core.members.sendListFrame(who, inCall, (b) => core.send(member, b), {
        maxBytes: SERVER_MAX_FRAME,
      });
      return;
    }
    case "files": {
      // One page (listing.ts): the newest by default, `offset`/`limit`/`query` for the rest.
      const request = pageRequest(msg);
      if ("bad" in request) bad(request.bad);
      else core.send(member, encodeFrame(filesReply(core.files(), request)));
      return;
    }
    case "quit":
      core.leave(member, "quit");
      return;
    case "hello":
      core.errors.badFrame(member, "bad_request", core.t("bad_request", { detail: "hello" }), ref);
      return;
    case "file_available":
      if (mayShare(core, member, ref)) announceV1(core, member, msg, ref);
      return;
    case "admin":
      adminRequest(core, member, msg);
      return;
    case "call": {
      // A member the teacher muted (or a student of a read-only room) stays muted in calls.
      const allowed = callAsAllowed(core, member, msg, ref);
      if (allowed !== null) callRequest(core, member, allowed, ref);
      return;
    }
    default:
      core.errors.badFrame(
        member,
        "unknown_type",
        core.t("unknown_type", { value: type.slice(0, 64) }),
        ref,
      );
  }
}

/** Broadcasts a published file as a `file_available` event from `from`. */
export function announceFile(core: RoomCore, info: RoomFile, from: string): void {
  core.emit({
    type: "file_available",
    from,
    filename: info.filename,
    size: info.size,
    file_id: info.file_id,
    sha256: info.sha256,
  });
}

/** A chat message: refused with `message_too_long` over the limit, never cut. */
function chatMessage(core: RoomCore, member: Member, msg: Message, ref?: string): void {
  if (typeof msg.text !== "string" || msg.text.length === 0) {
    core.errors.badFrame(member, "bad_message", core.t("bad_message", { detail: "text" }), ref);
    return;
  }
  const size = utf8Length(msg.text);
  const limit = core.settings.maxMessage;
  if (size > limit) {
    core.errors.reply(member, "message_too_long", core.t("message_too_long", { size, limit }), ref);
    return;
  }
  core.emit({ type: "message", from: member.name, text: msg.text }, true);
}

/** A v1 client's `file_available`: announced only when the store claims the upload. */
function announceV1(core: RoomCore, member: Member, msg: Message, ref?: string): void {
  if (member.protocol !== 1) {
    const text = core.t("bad_request", { detail: "file_available" });
    core.errors.badFrame(member, "bad_request", text, ref);
    return;
  }
  if (typeof msg.file_id !== "string") {
    core.errors.badFrame(member, "bad_message", core.t("bad_message", { detail: "file_id" }), ref);
    return;
  }
  const info = core.files()?.claimV1(msg.file_id, member.handle.ip, member.name!);
  if (info === undefined) {
    core.errors.reply(member, "not_found", core.t("not_found", { value: msg.file_id }), ref);
    return;
  }
  announceFile(core, info, member.name!);
}
