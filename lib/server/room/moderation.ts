/**
 * The teacher's controls (PROTOCOL.md 2.8, issue 11.5): who is here (with
 * addresses), kick, mute and unmute, lock and unlock, announcements, the
 * file list and deleting a file, and the read-only mode for students. The
 * server console and teacher clients (`admin` requests, admin.ts) run the
 * same {@link runTeacherCommand}.
 *
 * Every action is announced to the room (`system` event `moderation`) and
 * logged. Removed and muted members are remembered for the session by
 * address AND by name: a kicked student can come back neither from the same
 * PC under another name nor under the same name from another PC, until the
 * teacher's `/unban NAME`; a muted student who rejoins is muted again until
 * `/unmute NAME`.
 *
 * @module
 */

import { encodeFrame, type Message } from "../../protocol/frame.ts";
import { adminKeyBytes } from "../../protocol/auth_proof.ts";
import { nameKey } from "../../protocol/names.ts";
import type { TeacherCommand } from "../../protocol/teacher_commands.ts";
import type { Member } from "./connection.ts";
import type { TeacherHost } from "./teacher_host.ts";
import { filePage } from "./listing.ts";
import type { RoomFile } from "./types.ts";

/** A command of the teacher (console line or `admin` request), already parsed. */
export type { TeacherCommand };

/** One member as the teacher sees it. */
export interface TeacherMemberView {
  name: string;
  ip: string;
  port: number;
  protocol: 1 | 2;
  since: number;
  muted: boolean;
  teacher: boolean;
  /** Connection gone, held in its grace period (room/resume.ts). */
  reconnecting: boolean;
}

/** What a teacher command gave. */
export type TeacherResult =
  | { ok: true; action: "who"; members: TeacherMemberView[] }
  | { ok: true; action: "files"; files: RoomFile[]; total: number }
  | { ok: true; action: TeacherCommand["action"]; name?: string }
  | { ok: false; code: "not_found" | "bad_request"; message: string };

/** Options of {@link Moderation}. */
export interface ModerationOptions {
  /** Only teachers post and share (`--students-read-only`). */
  studentsReadOnly?: boolean;
  /** Removes a shared file by id; the removed record, or undefined when unknown. */
  deleteFile?: (id: string) => RoomFile | undefined;
  /** The teacher key (`admin` login); absent: no teacher clients. */
  adminKey?: string;
}

/** A remembered removal or mute: the address and the name it was given to. */
interface Mark {
  ip: string;
  key: string;
  name: string;
}

/** The room's moderation state (one per room). */
export class Moderation {
  /** Whether only teachers may post and share. */
  readonly studentsReadOnly: boolean;
  /** The teacher key as UTF-8 bytes (the HMAC key of the admin proof), or null. */
  readonly adminKey: Uint8Array | null;
  readonly #deleteFile?: (id: string) => RoomFile | undefined;
  readonly #teachers = new WeakSet<Member>();
  readonly #muted = new WeakSet<Member>();
  #mutes: Mark[] = [];
  #bans: Mark[] = [];
  #locked = false;

  /** Moderation with nobody muted or removed and the room unlocked. */
  constructor(options: ModerationOptions = {}) {
    this.studentsReadOnly = options.studentsReadOnly ?? false;
    this.#deleteFile = options.deleteFile;
    this.adminKey = options.adminKey === undefined ? null : adminKeyBytes(options.adminKey);
  }

  /** Whether the room takes no new members. */
  get locked(): boolean {
    return this.#locked;
  }

  /** Whether `member` proved the teacher key. */
  isTeacher(member: Member): boolean {
    return this.#teachers.has(member);
  }

  /** Gives `member` the teacher's powers (after its proof). */
  addTeacher(member: Member): void {
    this.#teachers.add(member);
  }

  /** Whether `member` is muted. */
  isMuted(member: Member): boolean {
    return this.#muted.has(member);
  }

  /** Whether `member` may post messages and share files now. */
  mayShare(member: Member): boolean {
    if (this.#muted.has(member)) return false;
    return !this.studentsReadOnly || this.#teachers.has(member);
  }

  /**
   * The error code and text key that keep `name` from `ip` out (removed
   * earlier, or the room is locked), or null when it may join.
   */
  joinRefusal(ip: string, name: string): "banned" | "room_locked" | null {
    const key = nameKey(name);
    if (this.#bans.some((b) => b.ip === ip || b.key === key)) return "banned";
    return this.#locked ? "room_locked" : null;
  }

  /** A member just joined: muted again if its address or name was muted this session. */
  joined(member: Member): void {
    const key = nameKey(member.name!);
    if (this.#mutes.some((m) => m.ip === member.handle.ip || m.key === key)) {
      this.#muted.add(member);
    }
  }

  /** Runs one command on the room; `by` is who asked (a teacher's name, or the console). */
  run(core: TeacherHost, command: TeacherCommand, by: string): TeacherResult {
    switch (command.action) {
      case "who":
        return { ok: true, action: "who", members: this.#who(core) };
      case "files": {
        // The newest page, like `/files` (listing.ts): bounded whatever the names.
        const page = filePage(core.files()?.list() ?? [], { offset: 0, limit: 50 });
        return { ok: true, action: "files", files: page.files, total: page.total };
      }
      case "lock":
      case "unlock":
        this.#locked = command.action === "lock";
        announce(core, { action: command.action, by, kind: `${command.action}ed` });
        return { ok: true, action: command.action };
      case "say":
        return this.#say(core, command.text, by);
      case "delete":
        return this.#delete(core, command.id, by);
      default:
        return this.#onMember(core, command, by);
    }
  }

  #who(core: TeacherHost): TeacherMemberView[] {
    const out: TeacherMemberView[] = [];
    for (const m of core.members.values()) {
      if (m.name === null) continue;
      out.push({
        name: m.name!,
        ip: m.handle.ip,
        port: m.handle.port,
        protocol: m.protocol ?? 2,
        since: m.since,
        muted: this.#muted.has(m),
        teacher: this.#teachers.has(m),
        reconnecting: !m.ready,
      });
    }
    return out;
  }

  #say(core: TeacherHost, text: string, by: string): TeacherResult {
    const clean = text.trim();
    if (clean === "") return refused(core, "bad_request", "bad_request", { detail: "text" });
    core.emit(
      {
        type: "system",
        event: "announce",
        by,
        message: clean,
        text: core.t("announce", { by, text: clean }),
      },
      true,
    );
    core.log({ kind: "announced", by, text: clean });
    return { ok: true, action: "say" };
  }

  #delete(core: TeacherHost, id: string, by: string): TeacherResult {
    const removed = this.#deleteFile?.(id);
    if (removed === undefined) return refused(core, "not_found", "not_found", { value: id });
    announce(core, {
      action: "delete",
      by,
      kind: "deleted",
      name: removed.filename,
      id: removed.file_id,
    });
    return { ok: true, action: "delete", name: removed.filename };
  }

  /** kick, mute, unmute, unban: commands about one member by name. */
  #onMember(
    core: TeacherHost,
    command: Extract<TeacherCommand, { name: string }>,
    by: string,
  ): TeacherResult {
    const key = nameKey(command.name);
    if (command.action === "unban") {
      const before = this.#bans.length;
      this.#bans = this.#bans.filter((b) => b.key !== key && b.ip !== command.name);
      if (this.#bans.length === before) {
        return refused(core, "not_found", "not_banned", { name: command.name });
      }
      announce(core, { action: "unban", by, kind: "unbanned", name: command.name });
      return { ok: true, action: "unban", name: command.name };
    }
    const target = core.members.atKey(key);
    if (command.action === "unmute") {
      const had = this.#mutes.length;
      const ip = target?.handle.ip;
      this.#mutes = this.#mutes.filter((m) => m.key !== key && m.ip !== ip);
      const wasMuted = target !== undefined && this.#muted.delete(target);
      if (!wasMuted && this.#mutes.length === had) {
        return refused(core, "not_found", "not_muted", { name: command.name });
      }
      announce(core, { action: "unmute", by, kind: "unmuted", name: target?.name ?? command.name });
      return { ok: true, action: "unmute", name: target?.name ?? command.name };
    }
    // A member held in its grace period (reconnecting, room/resume.ts) counts: removed or muted
    // now, its return is refused or muted.
    if (target === undefined || target.name === null) {
      return refused(core, "not_found", "no_member", { name: command.name });
    }
    const name = target.name!;
    const ip = target.handle.ip;
    if (command.action === "mute") {
      this.#muted.add(target);
      this.#mutes.push({ ip, key, name });
      core.call.setMuted(target, true);
      announce(core, { action: "mute", by, kind: "muted", name, ip });
      return { ok: true, action: "mute", name };
    }
    // kick
    const reason = command.reason?.trim() || core.t("no_reason");
    this.#bans.push({ ip, key, name });
    announce(core, { action: "kick", by, kind: "kicked", name, ip, reason });
    core.errors.reply(target, "kicked", core.t("kicked_you", { by, reason }));
    core.leave(target, "kicked");
    return { ok: true, action: "kick", name };
  }
}

/** A refused command, with its text in the server's language. */
function refused(
  core: TeacherHost,
  code: "not_found" | "bad_request",
  key: "not_found" | "bad_request" | "not_banned" | "not_muted" | "no_member",
  params: Record<string, string>,
): TeacherResult {
  return { ok: false, code, message: core.t(key, params) };
}

/** Fields of one moderation action: its announcement and its log line. */
interface Action {
  action: string;
  by: string;
  kind: string;
  name?: string;
  ip?: string;
  reason?: string;
  id?: string;
}

/** Tells the room (a `moderation` system event) and the log about an action. */
function announce(core: TeacherHost, a: Action): void {
  const params = {
    by: a.by,
    name: a.name ?? "",
    reason: a.reason ?? "",
    id: a.id ?? "",
  };
  const event: Message = {
    type: "system",
    event: "moderation",
    action: a.action,
    by: a.by,
    text: core.t(`mod_${a.action}` as "mod_kick", params),
  };
  if (a.name !== undefined) event.name = a.name;
  if (a.reason !== undefined) event.reason = a.reason;
  if (a.id !== undefined) event.file_id = a.id;
  core.emit(event);
  const log = { kind: a.kind, by: a.by, name: a.name, ip: a.ip ?? "", reason: a.reason, id: a.id };
  core.log(log);
}

/** Sends `message` to one member as a frame (for replies of admin requests). */
export function sendTo(core: TeacherHost, member: Member, message: Message): void {
  core.send(member, encodeFrame(message));
}
