/**
 * The teacher's gate at the hello (PROTOCOL.md 2.7, 2.8): members removed
 * this session, a locked room, the room password's challenge, and v1
 * clients in a room with a password. hello.ts calls it; the rules live in
 * auth.ts and moderation.ts.
 *
 * @module
 */

import type { Message } from "../../protocol/frame.ts";
import type { Member } from "./connection.ts";
import type { RoomCore } from "./core.ts";

/**
 * The teacher's gate for a v2 hello whose name passed the checks: a member
 * removed this session is refused (`banned`), a locked room refuses
 * newcomers (`room_locked`; taking over one's own member still passes),
 * then the password challenge, skipped only when the hello `proved` an
 * earlier authenticated session with its reconnect token. Returns true when
 * the hello stops here (refused, or waiting for the proof); the proof re-runs
 * the hello.
 */
export function teacherGate(
  core: RoomCore,
  member: Member,
  hello: { name: string; msg: Message; resuming: boolean; proved: boolean },
): boolean {
  if (refuseJoin(core, member, hello.name, hello.resuming)) return true;
  if (hello.proved) return false;
  return core.auth.challenge(core, member, hello.name, hello.msg);
}

/**
 * The gate for a v1 hello: refused when the room has a password (unless
 * `--allow-v1`), when its address or name was removed, or when the room is
 * locked. Returns true when refused.
 */
export function teacherGateV1(core: RoomCore, member: Member, name: unknown): boolean {
  if (core.auth.refuseV1(core, member)) return true;
  member.protocol = 1;
  return refuseJoin(core, member, typeof name === "string" ? name : "", false);
}

/** `banned` or `room_locked` and close, when the moderation says so; true if refused. */
function refuseJoin(core: RoomCore, member: Member, name: string, resuming: boolean): boolean {
  const refusal = core.moderation.joinRefusal(member.handle.ip, name);
  if (refusal === null || (refusal === "room_locked" && resuming)) return false;
  const ip = member.handle.ip;
  core.log({ kind: refusal === "banned" ? "banned_refused" : "locked_refused", name, ip });
  core.errors.fail(member, refusal, core.t(refusal), "disconnect");
  return true;
}
