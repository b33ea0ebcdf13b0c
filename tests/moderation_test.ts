/**
 * The teacher's controls in the room (lib/server/room/moderation.ts,
 * admin_requests.ts, PROTOCOL.md 2.7): the admin login, kick (and no way
 * back under another name or from another PC until /unban), mute (and muted
 * again on return), lock, read-only, announcements, who and delete; and the
 * console's and the teacher client's line parsers.
 */
import assert from "node:assert/strict";
import { AdminSession, parseAdminLine } from "../lib/client/admin.ts";
import { proof } from "../lib/protocol/auth_proof.ts";
import { FakeClock } from "./fake_clock.ts";
import { decodeMessage, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import { parseConsoleLine, ServerConsole } from "../lib/server/console.ts";
import { payload, Room, type RoomFile, type RoomTeacherOptions } from "../lib/server/room/room.ts";

const KEY = "ABCDE-FGHJK-MNPQR";

class Fake {
  frames: Message[] = [];
  #decoder = new FrameDecoder({ maxFrame: 16 << 20 });
  closedWith: string | null = null;
  constructor(readonly ip: string, readonly port = 40000) {}
  send = (bytes: Uint8Array): boolean => {
    this.#decoder.push(bytes);
    let p: Uint8Array | null;
    while ((p = this.#decoder.next()) !== null) this.frames.push(decodeMessage(p));
    return true;
  };
  close = (reason: string): void => {
    this.closedWith ??= reason;
  };
  take(): Message[] {
    return this.frames.splice(0);
  }
  last(type: string): Message | undefined {
    return this.frames.filter((f) => f.type === type).at(-1);
  }
}

const FILE: RoomFile = {
  file_id: "k3f9ab",
  filename: "tema1.pdf",
  size: 10,
  sha256: "",
  from: "Ana",
  ts: 1,
};

function setup(teacher: RoomTeacherOptions = {}) {
  const files = [FILE];
  const room = new Room({
    now: () => 1_000_000,
    files: { list: () => files, claimV1: () => undefined },
    teacher: {
      adminKey: KEY,
      deleteFile: (id) => {
        const i = files.findIndex((f) => f.file_id === id.toLowerCase());
        return i < 0 ? undefined : files.splice(i, 1)[0];
      },
      ...teacher,
    },
  });
  const join = (name: string, ip = "10.0.0.5", proto: 1 | 2 = 2) => {
    const fake = new Fake(ip);
    const conn = room.connect(fake);
    conn.receive(payload(proto === 2 ? { type: "hello", version: 2, name } : { name }));
    const token = String(fake.frames[0]?.token ?? "");
    return { fake, conn, token, say: (m: Message) => conn.receive(payload(m)) };
  };
  /** A member that logged in with the teacher key. */
  const teacher_ = (name = "Profe", ip = "10.0.0.1") => {
    const t = join(name, ip);
    t.say({ type: "admin", action: "login" });
    const nonce = String(t.fake.last("admin_challenge")!.nonce);
    t.say({
      type: "admin",
      action: "login",
      proof: proof(new TextEncoder().encode(KEY.replaceAll("-", "")), "admin", nonce, name),
    });
    assert.ok(t.fake.last("admin_ok"), "teacher logged in");
    return t;
  };
  return { room, join, teacher: teacher_, files };
}

const codes = (f: Fake) => f.take().filter((m) => m.type === "error").map((m) => m.code);

Deno.test("admin login: a challenge, the proof of the key, announced; a wrong proof is refused and counted", () => {
  const { join, teacher } = setup();
  const ana = join("Ana", "10.0.0.5");
  ana.say({ type: "admin", action: "kick", name: "Beto" });
  assert.deepEqual(codes(ana.fake), ["not_admin"], "no powers before the login");
  ana.say({ type: "admin", action: "login" });
  assert.equal(ana.fake.last("admin_challenge")?.type, "admin_challenge");
  ana.say({ type: "admin", action: "login", proof: "0".repeat(64) });
  assert.deepEqual(codes(ana.fake), ["auth_failed"]);
  assert.equal(ana.fake.closedWith, null, "a wrong key does not close the chat");
  // The proof is bound to the name and the nonce: a replayed proof fails.
  teacher("Profe");
  const seen = ana.fake.take().find((m) => m.event === "moderation" && m.action === "teacher");
  assert.equal(seen?.name, "Profe", "everyone is told who the teacher is");
});

Deno.test("kick: the member is told and closed, everyone sees it, and no way back by address or by name until unban", () => {
  const { join, teacher, room } = setup();
  const profe = teacher();
  const beto = join("Beto", "10.0.0.7");
  const ana = join("Ana", "10.0.0.5");
  ana.fake.take();
  profe.say({ type: "admin", action: "kick", name: "beto", reason: "molesta" });
  const kicked = beto.fake.frames.find((m) => m.type === "error");
  assert.equal(kicked?.code, "kicked");
  assert.match(String(kicked?.message), /molesta/);
  assert.equal(beto.fake.closedWith, "kicked");
  const seen = ana.fake.take();
  assert.ok(seen.some((m) => m.event === "moderation" && m.action === "kick" && m.name === "Beto"));
  assert.ok(seen.some((m) => m.event === "leave" && m.name === "Beto" && m.reason === "kicked"));
  assert.equal(profe.fake.last("admin_done")?.action, "kick");
  // Back from the same PC under another name, or under the same name from another PC: refused.
  for (
    const [name, ip] of [["Roberto", "10.0.0.7"], ["Beto", "10.0.0.99"], ["Viejo", "10.0.0.7"]]
  ) {
    const again = join(name, ip, name === "Viejo" ? 1 : 2);
    assert.ok(again.fake.closedWith !== null, `${name}@${ip} refused`);
    assert.equal(room.size, 3 - 1, "Profe and Ana only");
  }
  profe.say({ type: "admin", action: "unban", name: "Beto" });
  const back = join("Beto", "10.0.0.7");
  assert.equal(back.fake.frames[0].type, "welcome");
});

Deno.test("mute: the member reads but cannot post or share, is muted again under another name, until unmute", () => {
  const { join, teacher, room } = setup();
  const profe = teacher();
  const ana = join("Ana", "10.0.0.5");
  const beto = join("Beto", "10.0.0.7");
  assert.equal(room.canShare(beto.token), true, "may share before the mute");
  profe.say({ type: "admin", action: "mute", name: "Beto" });
  beto.fake.take();
  ana.fake.take();
  beto.say({ type: "message", text: "spam" });
  assert.deepEqual(codes(beto.fake), ["muted"]);
  assert.ok(!ana.fake.take().some((m) => m.type === "message"), "nobody sees it");
  assert.equal(room.canShare(beto.token), false);
  ana.say({ type: "message", text: "hola" });
  assert.ok(beto.fake.take().some((m) => m.type === "message" && m.text === "hola"), "still reads");
  // Leaves and comes back from the same PC as someone else: still muted.
  beto.say({ type: "quit" });
  const again = join("Roberto", "10.0.0.7");
  const token = again.token;
  assert.equal(room.canShare(token), false, "no uploads either");
  again.say({ type: "message", text: "soy otro" });
  assert.deepEqual(codes(again.fake), ["muted"]);
  profe.say({ type: "admin", action: "unmute", name: "Roberto" });
  again.fake.take();
  again.say({ type: "message", text: "perdón" });
  assert.ok(again.fake.take().some((m) => m.type === "message" && m.text === "perdón"));
  assert.equal(room.canShare(token), true);
});

Deno.test("lock: no new members while locked, members already in stay; unlock lets them in", () => {
  const { join, room } = setup();
  const ana = join("Ana");
  room.teacher({ action: "lock" }, "Profesor");
  assert.ok(ana.fake.take().some((m) => m.event === "moderation" && m.action === "lock"));
  const late = join("Tarde", "10.0.0.8");
  assert.equal(late.fake.frames[0].code, "room_locked");
  assert.ok(late.fake.closedWith !== null);
  ana.say({ type: "message", text: "sigo aquí" });
  assert.ok(ana.fake.take().some((m) => m.type === "message"));
  room.teacher({ action: "unlock" }, "Profesor");
  assert.equal(join("Tarde", "10.0.0.8").fake.frames[0].type, "welcome");
});

Deno.test("students read-only: only teachers post and share; students still read", () => {
  const { join, teacher, room } = setup({ studentsReadOnly: true });
  const ana = join("Ana");
  ana.say({ type: "message", text: "hola" });
  assert.deepEqual(codes(ana.fake), ["read_only"]);
  assert.equal(room.canShare(ana.token), false);
  const profe = teacher();
  assert.equal(room.canShare(profe.token), true);
  profe.say({ type: "message", text: "Bienvenidos" });
  assert.ok(ana.fake.take().some((m) => m.type === "message" && m.text === "Bienvenidos"));
});

Deno.test("say, who and delete: an announcement in the history, addresses, a file removed and announced", () => {
  const { join, room, files } = setup();
  const ana = join("Ana", "10.0.0.5");
  room.teacher({ action: "say", text: "Examen a las 10" }, "Profesor");
  const notice = ana.fake.take().find((m) => m.event === "announce");
  assert.equal(notice?.by, "Profesor");
  assert.match(String(notice?.text), /Examen a las 10/);
  // Later arrivals see it in the history.
  const beto = join("Beto", "10.0.0.7");
  assert.ok(beto.fake.frames.some((m) => m.event === "announce" && m.history === true));
  const who = room.teacher({ action: "who" }, "Profesor");
  assert.ok(who.ok && "members" in who);
  if (who.ok && "members" in who) {
    assert.deepEqual(who.members.map((m) => `${m.name}@${m.ip}`), [
      "Ana@10.0.0.5",
      "Beto@10.0.0.7",
    ]);
  }
  assert.equal(room.teacher({ action: "delete", id: "nope" }, "Profesor").ok, false);
  const del = room.teacher({ action: "delete", id: "K3F9AB" }, "Profesor");
  assert.ok(del.ok);
  assert.equal(files.length, 0);
  assert.ok(ana.fake.take().some((m) => m.event === "moderation" && m.action === "delete"));
  assert.equal(room.teacher({ action: "kick", name: "Nadie" }, "Profesor").ok, false);
});

Deno.test("parseConsoleLine() reads the teacher's words; plain text is an announcement", () => {
  assert.deepEqual(parseConsoleLine("/kick Beto molesta mucho"), {
    kind: "command",
    command: { action: "kick", name: "Beto", reason: "molesta mucho" },
  });
  assert.deepEqual(parseConsoleLine("/kick Beto"), {
    kind: "command",
    command: { action: "kick", name: "Beto" },
  });
  assert.deepEqual(parseConsoleLine("/mute  Ana \r\n"), {
    kind: "command",
    command: { action: "mute", name: "Ana" },
  });
  assert.deepEqual(parseConsoleLine("/LOCK"), { kind: "command", command: { action: "lock" } });
  assert.deepEqual(parseConsoleLine("Hola"), {
    kind: "command",
    command: { action: "say", text: "Hola" },
  });
  assert.deepEqual(parseConsoleLine("/delete k3f9ab"), {
    kind: "command",
    command: { action: "delete", id: "k3f9ab" },
  });
  assert.equal(parseConsoleLine("/kick").kind, "error");
  assert.equal(parseConsoleLine("/nope").kind, "error");
  assert.equal(parseConsoleLine("/help").kind, "help");
  assert.equal(parseConsoleLine("   ").kind, "empty");
});

Deno.test("parseAdminLine() turns the same words into admin requests and leaves chat lines alone", () => {
  assert.deepEqual(parseAdminLine("/kick Beto molesta"), {
    kind: "request",
    request: { type: "admin", action: "kick", name: "Beto", reason: "molesta" },
  });
  assert.deepEqual(parseAdminLine("/say Examen"), {
    kind: "request",
    request: { type: "admin", action: "say", text: "Examen" },
  });
  assert.deepEqual(parseAdminLine("/who"), {
    kind: "request",
    request: { type: "admin", action: "who" },
  });
  assert.equal(parseAdminLine("/mute").kind, "usage");
  assert.equal(parseAdminLine("hola").kind, "not_admin");
  assert.equal(parseAdminLine("/upload a.txt").kind, "not_admin");
});

Deno.test("ServerConsole prints outcomes and usage in the server's language", () => {
  for (
    const [lang, usage] of [["es", "Uso: /kick NOMBRE [motivo]"], [
      "en",
      "Usage: /kick NAME [reason]",
    ]] as const
  ) {
    const lines: string[] = [];
    const console_ = new ServerConsole({
      lang,
      run: (command) =>
        command.action === "who"
          ? {
            ok: true,
            action: "who",
            members: [{
              name: "Ana\u001b[2J",
              ip: "10.0.0.5",
              port: 40000,
              protocol: 2,
              since: 0,
              muted: true,
              teacher: false,
            }],
          }
          : { ok: false, code: "not_found", message: "x" },
      print: (l) => lines.push(l),
      time: () => "09:00",
    });
    console_.line("/kick");
    assert.equal(lines[0], usage);
    console_.line("/who");
    assert.match(lines[2], /^ {2}Ana {2}10\.0\.0\.5:40000 {2}09:00 {2}\((silenciado|muted)\)$/);
  }
});

Deno.test("a muted member's microphone is muted in the call and stays muted; read-only students join muted", () => {
  const { join, teacher } = setup();
  const profe = teacher();
  const ana = join("Ana", "10.0.0.5");
  ana.say({ type: "call", action: "start", audio: true, muted: false });
  const mutes = () => ana.fake.take().filter((m) => m.type === "call" && m.action === "mute");
  ana.fake.take();
  profe.say({ type: "admin", action: "mute", name: "Ana" });
  assert.deepEqual(mutes().map((m) => m.muted), [true], "muted in the call by the teacher");
  ana.say({ type: "call", action: "unmute" });
  assert.deepEqual(codes(ana.fake), ["muted"]);
  // Leaving and starting again with the microphone on: joins muted.
  ana.say({ type: "call", action: "stop" });
  ana.say({ type: "call", action: "start", audio: true, muted: false });
  const joined = ana.fake.take().find((m) => m.type === "call_joined");
  const me = (joined?.members as Message[] | undefined)?.find((m) => m.name === "Ana");
  assert.equal(me?.muted, true);

  const ro = setup({ studentsReadOnly: true });
  const eva = ro.join("Eva", "10.0.0.9");
  eva.say({ type: "call", action: "start", audio: true, muted: false });
  const evaJoined = eva.fake.take().find((m) => m.type === "call_joined");
  assert.equal((evaJoined?.members as Message[]).find((m) => m.name === "Eva")?.muted, true);
  eva.say({ type: "call", action: "unmute" });
  assert.deepEqual(codes(eva.fake), ["read_only"]);
});

Deno.test("AdminSession proves the key for its name, then takes the teacher's words", () => {
  const sent: Message[] = [];
  const printed: string[] = [];
  const session = new AdminSession({
    key: "abcde-fghjk-mnpqr",
    lang: "en",
    send: (r) => sent.push(r) > 0,
    name: () => "Profe",
    print: (lines) => printed.push(...lines),
  });
  assert.equal(session.line("/who"), false, "the chat's own /who before the login");
  session.login();
  assert.deepEqual(sent.pop(), { type: "admin", action: "login" });
  session.frame({ type: "admin_challenge", nonce: "00ff".repeat(8) });
  const bytes = new TextEncoder().encode(KEY.replaceAll("-", ""));
  assert.deepEqual(sent.pop(), {
    type: "admin",
    action: "login",
    proof: proof(bytes, "admin", "00ff".repeat(8), "Profe"),
  });
  assert.equal(session.frame({ type: "admin_ok", name: "Profe" }), true);
  assert.equal(session.ok, true);
  assert.equal(session.line("/who"), true);
  assert.deepEqual(sent.pop(), { type: "admin", action: "who" });
  assert.equal(session.line("/mute"), true, "a usage mistake is answered here");
  assert.match(printed.at(-1)!, /Usage: \/mute NAME/);
  assert.equal(session.line("hola"), false, "chat goes to the chat");
  assert.equal(session.frame({ type: "message", text: "x" }), false);
});

Deno.test("a member that is reconnecting (held in its grace period) can be removed: its return is refused", () => {
  const clock = new FakeClock(1_000_000);
  const room = new Room({
    now: () => clock.now(),
    clock,
    graceMs: 30_000,
    teacher: { adminKey: KEY },
  });
  const fake = new Fake("10.0.0.7");
  const conn = room.connect(fake);
  conn.receive(payload({ type: "hello", version: 2, name: "Beto" }));
  const token = String(fake.frames[0].resume_token);
  conn.disconnect();
  assert.equal(room.teacher({ action: "kick", name: "Beto" }, "Profesor").ok, true);
  const back = new Fake("10.0.0.7");
  room.connect(back).receive(payload({ type: "hello", version: 2, name: "Beto", resume: token }));
  assert.equal(back.frames[0].code, "banned");
});

Deno.test("console /stop (or /parar) asks the server to stop, and is not a room command", () => {
  assert.deepEqual(parseConsoleLine("/stop"), { kind: "stop" });
  assert.deepEqual(parseConsoleLine("  /PARAR \r\n"), { kind: "stop" });
  assert.equal(parseConsoleLine("/stop ya").kind, "error", "no arguments");
  const ran: string[] = [];
  let stops = 0;
  const console = new ServerConsole({
    lang: "es",
    run: (command) => {
      ran.push(command.action);
      return { ok: true, action: command.action } as never;
    },
    print: () => {},
    onStop: () => stops++,
  });
  console.line("/stop");
  assert.equal(stops, 1);
  assert.deepEqual(ran, [], "the room never sees it");
});
