/**
 * The `call` requests of a member (PROTOCOL.md section 4): `start` (with the
 * codec offer, audio and initial mute), `stop`, `keyframe`, `mute`, `unmute`
 * and `rebind`. Checks the fields and hands the work to {@link Call}.
 *
 * @module
 */

import { parseCodecList } from "../../protocol/call_codecs.ts";
import type { Message } from "../../protocol/frame.ts";
import type { CallPrefs } from "./call.ts";
import type { Member } from "./connection.ts";
import type { RoomCore } from "./core.ts";

/** Largest media client id (u32). */
const MAX_CLIENT_ID = 0xffff_ffff;

/**
 * The preferences of a `call start`, or the name of the malformed field.
 * `audio` defaults to false, `muted` to true (microphones start muted).
 */
export function parseCallPrefs(msg: Message): CallPrefs | { bad: string } {
  const video = parseCodecList(msg.video);
  if (video === null) return { bad: "video" };
  if (msg.audio !== undefined && typeof msg.audio !== "boolean") return { bad: "audio" };
  if (msg.muted !== undefined && typeof msg.muted !== "boolean") return { bad: "muted" };
  return { video, audio: msg.audio === true, muted: msg.muted !== false };
}

/** Handles one `call` request of `member`. */
export function callRequest(core: RoomCore, member: Member, msg: Message, ref?: string): void {
  const bad = (detail: string) =>
    core.errors.badFrame(member, "bad_message", core.t("bad_message", { detail }), ref);
  const notInCall = () => core.errors.reply(member, "not_in_call", core.t("not_in_call"), ref);
  switch (msg.action) {
    case "start": {
      const prefs = parseCallPrefs(msg);
      if ("bad" in prefs) bad(prefs.bad);
      else core.call.join(member, prefs);
      return;
    }
    case "stop":
      if (!core.call.has(member.name!)) notInCall();
      else core.call.leave(member, "left");
      return;
    case "keyframe": {
      const id = msg.client_id;
      if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > MAX_CLIENT_ID) {
        bad("client_id");
      } else if (!core.call.requestKeyframe(member, id)) notInCall();
      return;
    }
    case "mute":
    case "unmute":
      if (!core.call.setMuted(member, msg.action === "mute")) notInCall();
      return;
    case "rebind":
      if (!core.call.rebind(member)) notInCall();
      return;
    default:
      bad("action");
  }
}
