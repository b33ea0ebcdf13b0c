/**
 * The first frame of a chat connection (PROTOCOL.md 2.1 and the v1
 * compatibility of PC3_V1_PROTOCOL.md): a v2 `hello` is checked and answered
 * with `welcome`, a v1 `{name}` is repaired into a free name; both then get
 * the history and are announced with a `join` event.
 *
 * @module
 */

import { encodeFrame, type Message } from "../../protocol/frame.ts";
import { checkName, MAX_NAME, nameKey, repairName } from "../../protocol/names.ts";
import { SERVER_MAX_FRAME } from "../../protocol/limits.ts";
import { VERSION } from "../../protocol/version.ts";
import type { Member } from "./connection.ts";
import type { RoomCore } from "./core.ts";
import type { RoomErrorCode } from "./errors.ts";
import { LIST_BUDGET, welcomeFiles, within } from "./listing.ts";
import { takeOver } from "./resume.ts";
import { teacherGate, teacherGateV1 } from "./gate.ts";

/** Handles the first frame of `member` (before it, the member is not in the room). */
export function handleHello(core: RoomCore, member: Member, msg: Message): void {
  if (core.isClosed()) {
    core.errors.fail(member, "server_shutdown", core.t("server_shutdown"), "shutdown");
    return;
  }
  if (!chargeJoin(core, member)) return;
  if (core.auth.pending(member)) {
    // The answer to the password challenge (auth.ts): a right proof re-runs the hello.
    core.auth.answer(core, member, msg, (_name, hello) => handleHello(core, member, hello));
    return;
  }
  if (msg.type === undefined) {
    if (!teacherGateV1(core, member, msg.name)) helloV1(core, member, msg);
    return;
  }
  const name = checkHelloV2(core, member, msg);
  if (name === null) return;
  // A holder of the name here proved its reconnect token (checkHelloV2): take it over.
  const holder = core.members.get(name);
  // Removed members, a locked room, the room password (auth.ts).
  // Only the reconnect token proves an earlier authenticated session (a take-over by
  // address alone still answers the password challenge).
  const proved = holder !== undefined && core.resume.provesToken(holder, msg.resume);
  if (teacherGate(core, member, { name, msg, resuming: holder !== undefined, proved })) return;
  if (holder !== undefined) takeOver(core, holder);
  member.protocol = 2;
  member.name = name;
  member.since = core.now();
  member.token = core.randomHex(16);
  core.members.add(member);
  const caught = core.resume.catchUp(core.history.messages(), msg.since, core.history.nextSeq);
  const extra: Message = { resume_token: core.resume.issue(member) };
  if (caught.missed > 0) extra.missed = caught.missed;
  if (caught.missedMore) extra.missed_more = true;
  sendWelcome(core, member, extra);
  sendHistory(core, member, caught.messages);
  core.moderation.joined(member);
  // Quiet only with the token; a take-over by address alone is announced as a join.
  if (proved) core.resume.reconnected(name);
  else {core.churn.changed({
      type: "system",
      event: "join",
      name,
      text: core.t("joined", { name }),
    });}
}

/**
 * Takes one join from the address's budget (flood.ts), once per connection;
 * false after the `rate_limited` refusal and close (PROTOCOL.md 2.1).
 */
function chargeJoin(core: RoomCore, member: Member): boolean {
  if (member.joinCharged) return true;
  member.joinCharged = true;
  const ip = member.handle.ip;
  if (core.guard.join(ip, core.now())) return true;
  core.log({ kind: "refused", what: "joins", ip, count: 1 });
  core.errors.fail(member, "rate_limited", core.t("joins_limited", { ip }), "disconnect");
  return false;
}

/** The name a v2 hello may join with, or null after the error reply and close. */
function checkHelloV2(core: RoomCore, member: Member, msg: Message): string | null {
  const ref = typeof msg.ref === "string" ? msg.ref : undefined;
  const fail = (code: RoomErrorCode, text: string) => {
    core.errors.fail(member, code, text, "disconnect", ref);
    return null;
  };
  if (msg.type !== "hello") return fail("hello_required", core.t("hello_required"));
  if (typeof msg.version !== "number" || !Number.isInteger(msg.version)) {
    return fail("bad_message", core.t("bad_message", { detail: "version" }));
  }
  if (msg.version !== 2) {
    return fail("unsupported_version", core.t("unsupported_version", { value: msg.version }));
  }
  const check = checkName(msg.name);
  if (!check.ok) {
    const text = core.t(`name_${check.problem}`, {
      max: MAX_NAME,
      name: typeof msg.name === "string" ? msg.name.trim() : "",
    });
    return fail("name_invalid", text);
  }
  const holder = core.members.atKey(nameKey(check.name));
  if (holder !== undefined && !core.resume.mayTakeOver(holder, msg.resume, member.handle.ip)) {
    // Same letters (any case): taken; a different spelling that looks the same: a look-alike.
    const other = holder.name!;
    const plain = other.toLowerCase() === check.name.toLowerCase();
    const text = plain
      ? core.t("name_taken", { name: check.name })
      : core.t("name_lookalike", { name: check.name, other });
    return fail("name_taken", text);
  }
  return check.name;
}

/**
 * Sends the `welcome` of a v2 member that just joined. Its `members` list is
 * written from each member's cached entry (see `Members.sendListFrame`), so
 * a join costs no garbage in proportion to the room.
 */
function sendWelcome(core: RoomCore, member: Member, extra: Message = {}): void {
  const { settings } = core;
  const call = core.call.list();
  const files = welcomeFiles(core.files());
  // The call's list too is bounded (a huge call would otherwise pass the client's limit).
  const callShown = within(call, LIST_BUDGET);
  const message = {
    type: "welcome",
    version: 2,
    name: member.name,
    token: member.token,
    server: `pc3-server ${VERSION}`,
    file_port: settings.filePort,
    media_port: settings.mediaPort,
    limits: {
      max_frame: settings.maxFrame,
      max_message: settings.maxMessage,
      max_name: MAX_NAME,
      max_upload: settings.maxUpload,
    },
    members: [],
    members_total: core.members.size,
    // The newest files and how many there are in all (listing.ts): bounded whatever the names.
    files: files.files,
    files_total: files.total,
    call: callShown,
    ...(callShown.length < call.length ? { call_total: call.length } : {}),
    ...extra,
  };
  const inCall = new Set(call.map((peer) => peer.name));
  // Never past what a client accepts (SERVER_MAX_FRAME): members past it are left out.
  core.members.sendListFrame(message, inCall, (bytes) => core.send(member, bytes), {
    maxBytes: SERVER_MAX_FRAME,
  });
}

/** A v1 hello: any name is repaired into a free one, and the member is told when it changed. */
function helloV1(core: RoomCore, member: Member, msg: Message): void {
  const name = repairName(msg.name, {
    port: member.handle.port,
    taken: (key) => core.members.has(key),
  });
  member.protocol = 1;
  member.name = name;
  member.since = core.now();
  core.members.add(member);
  core.moderation.joined(member);
  if (typeof msg.name !== "string" || msg.name !== name) {
    const asked = typeof msg.name === "string" ? msg.name : "";
    core.send(member, encodeFrame({ type: "system", text: core.t("renamed", { asked, name }) }));
  }
  sendHistory(core, member);
  for (const f of welcomeFiles(core.files()).files) {
    core.send(
      member,
      encodeFrame({
        type: "file_available",
        from: f.from,
        filename: f.filename,
        size: f.size,
        file_id: f.file_id,
        sha256: f.sha256,
        ts: f.ts,
        history: true,
      }),
    );
  }
  core.churn.changed({ type: "system", event: "join", name, text: core.t("joined", { name }) });
}

/** Replays the kept messages, marked `history: true`. */
function sendHistory(
  core: RoomCore,
  member: Member,
  messages: readonly Message[] = core.history.messages(),
): void {
  for (const m of messages) core.send(member, encodeFrame({ ...m, history: true }));
}
