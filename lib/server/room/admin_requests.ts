/**
 * `admin` requests on the chat port (PROTOCOL.md 2.8): a member proves the
 * teacher key printed in the server's banner (challenge and HMAC, the key
 * never crosses the wire) and then sends the same commands as the server
 * console. Failed proofs count against the address like wrong passwords.
 *
 * @module
 */

import { encodeFrame, type Message } from "../../protocol/frame.ts";
import { proof, sameProof } from "../../protocol/auth_proof.ts";
import { MAX_NAME } from "../../protocol/names.ts";
import type { Member } from "./connection.ts";
import type { RoomCore } from "./core.ts";
import type { TeacherCommand } from "./moderation.ts";

/** Longest text of `say` and `reason`, in UTF-16 units (the message limit still applies). */
const MAX_TEXT = 4096;

/** Nonces of admin challenges sent and not answered yet. */
const challenges = new WeakMap<Member, string>();

/**
 * Handles one `admin` request. Without a teacher key on the server every
 * admin request is `not_admin` (or `auth_failed` for a login).
 */
export function adminRequest(core: RoomCore, member: Member, msg: Message): void {
  const adminKey = core.moderation.adminKey;
  const ref = typeof msg.ref === "string" ? msg.ref : undefined;
  const reply = (m: Message) => {
    if (ref !== undefined) m.ref = ref;
    core.send(member, encodeFrame(m));
  };
  const error = (code: string, message: string, extra: Message = {}) =>
    reply({ type: "error", code, message, ...extra });
  if (msg.action === "login") {
    login(core, member, msg, adminKey, { reply, error });
    return;
  }
  if (adminKey === null || !core.moderation.isTeacher(member)) {
    error("not_admin", core.t("not_admin"));
    return;
  }
  const command = parseCommand(msg);
  if (command === null) {
    core.errors.badFrame(member, "bad_message", core.t("bad_message", { detail: "action" }), ref);
    return;
  }
  const result = core.moderation.run(core, command, member.name!);
  if (!result.ok) {
    error(result.code, result.message);
    return;
  }
  if (result.action === "who" && "members" in result) {
    reply({ type: "admin_who", members: result.members });
  } else if (result.action === "files" && "files" in result) {
    reply({ type: "admin_files", files: result.files, total: result.total });
  } else {
    const done: Message = { type: "admin_done", action: result.action };
    if ("name" in result && result.name !== undefined) done.name = result.name;
    reply(done);
  }
}

interface Replies {
  reply(m: Message): void;
  error(code: string, message: string, extra?: Message): void;
}

/**
 * Whether `member` may post or share now; a muted member, or a student in a
 * read-only room, gets `muted` / `read_only` (the connection stays open).
 */
export function mayShare(core: RoomCore, member: Member, ref?: string): boolean {
  if (core.moderation.mayShare(member)) return true;
  const code = core.moderation.isMuted(member) ? "muted" : "read_only";
  core.errors.reply(member, code, core.t(code), ref);
  return false;
}

/**
 * A `call` request as the teacher's controls allow it: a member who may not
 * share (muted, or a student of a read-only room) joins calls with the
 * microphone muted and cannot unmute (`error` `muted` / `read_only`); null
 * when refused.
 */
export function callAsAllowed(
  core: RoomCore,
  member: Member,
  msg: Message,
  ref?: string,
): Message | null {
  if (core.moderation.mayShare(member)) return msg;
  if (msg.action === "unmute") {
    mayShare(core, member, ref);
    return null;
  }
  return msg.action === "start" ? { ...msg, muted: true } : msg;
}

/** `login` without `proof`: a challenge; with `proof`: the check. */
function login(
  core: RoomCore,
  member: Member,
  msg: Message,
  adminKey: Uint8Array | null,
  { reply, error }: Replies,
): void {
  const ip = member.handle.ip;
  const wait = core.auth.waitSeconds(ip, core.now());
  if (wait > 0) {
    error("auth_wait", core.t("auth_wait", { seconds: wait }), { retry_after: wait });
    return;
  }
  if (msg.proof === undefined) {
    const nonce = core.randomHex(16);
    challenges.set(member, nonce);
    reply({ type: "admin_challenge", nonce });
    return;
  }
  const nonce = challenges.get(member);
  challenges.delete(member);
  const ok = adminKey !== null && nonce !== undefined &&
    sameProof(msg.proof, proof(adminKey, "admin", nonce, member.name!));
  if (!ok) {
    const blocked = core.auth.fail(ip, core.now());
    core.log({ kind: "admin_failed", name: member.name!, ip });
    const extra: Message = blocked > 0 ? { retry_after: blocked } : {};
    error("auth_failed", core.t("admin_failed"), extra);
    return;
  }
  core.moderation.addTeacher(member);
  core.log({ kind: "admin_login", name: member.name!, ip });
  core.emit({
    type: "system",
    event: "moderation",
    action: "teacher",
    name: member.name!,
    by: member.name!,
    text: core.t("mod_teacher", { name: member.name! }),
  });
  reply({ type: "admin_ok", name: member.name! });
}

/** The command an `admin` request asks for, or null when a field is missing or wrong. */
export function parseCommand(msg: Message): TeacherCommand | null {
  const name = typeof msg.name === "string" ? msg.name.trim() : "";
  const okName = name !== "" && [...name].length <= Math.max(MAX_NAME, 64);
  switch (msg.action) {
    case "who":
    case "files":
    case "lock":
    case "unlock":
      return { action: msg.action };
    case "kick": {
      if (!okName) return null;
      if (msg.reason !== undefined && typeof msg.reason !== "string") return null;
      const reason = typeof msg.reason === "string" ? msg.reason.slice(0, MAX_TEXT) : undefined;
      return reason === undefined ? { action: "kick", name } : { action: "kick", name, reason };
    }
    case "mute":
    case "unmute":
    case "unban":
      return okName ? { action: msg.action, name } : null;
    case "say":
      return typeof msg.text === "string" && msg.text.trim() !== "" && msg.text.length <= MAX_TEXT
        ? { action: "say", text: msg.text }
        : null;
    case "delete":
      return typeof msg.file_id === "string" && msg.file_id !== "" && msg.file_id.length <= 200
        ? { action: "delete", id: msg.file_id }
        : null;
    default:
      return null;
  }
}
