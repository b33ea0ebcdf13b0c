/**
 * The room's side of reconnection (lib/server/room/resume.ts): reconnect
 * tokens, the grace period on a fake clock, takeovers and the catch-up
 * from `since`.
 */
import assert from "node:assert/strict";
import { decodeMessage, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import type { ServerLogEvent } from "../lib/server/log_event.ts";
import { parseServerArgs } from "../lib/server/args.ts";
import { payload, Room, type RoomOptions } from "../lib/server/room/room.ts";
import { FakeClock } from "./fake_clock.ts";

/** A fake connection that decodes what the room sends it. */
class Fake {
  constructor(readonly ip = "10.0.0.5") {}
  frames: Message[] = [];
  #decoder = new FrameDecoder({ maxFrame: 16 << 20 });
  closedWith: string | null = null;
  readonly port = 40000;
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
  events(): string[] {
    return this.take().filter((f) => f.type === "system").map((f) => `${f.event}:${f.name}`);
  }
}

const GRACE = 30_000;

function setup(options: RoomOptions = {}) {
  const clock = new FakeClock();
  const log: ServerLogEvent[] = [];
  const room = new Room({
    now: () => clock.now(),
    clock,
    graceMs: GRACE,
    log: (e) => log.push(e),
    ...options,
  });
  const join = (name: string, extra: Message = {}, ip = "10.0.0.5") => {
    const fake = new Fake(ip);
    const conn = room.connect(fake);
    conn.receive(payload({ type: "hello", version: 2, name, ...extra }));
    const welcome = fake.frames.find((f) => f.type === "welcome");
    return { fake, conn, welcome };
  };
  return { room, join, clock, log };
}

Deno.test("the welcome carries a secret reconnect token, new for every session", () => {
  const { join } = setup();
  const a = join("Ana");
  const b = join("Beto");
  assert.match(String(a.welcome?.resume_token), /^[0-9a-f]{32}$/);
  assert.notEqual(a.welcome?.resume_token, b.welcome?.resume_token);
  assert.notEqual(a.welcome?.resume_token, a.welcome?.token);
});

Deno.test("a vanished member is held during the grace period, then its leave is announced", () => {
  const { join, clock, room, log } = setup();
  const a = join("Ana");
  const b = join("Beto");
  b.fake.take();
  a.conn.disconnect();
  clock.advance(GRACE - 1);
  assert.deepEqual(b.fake.events(), [], "no leave during the grace period");
  assert.equal(room.size, 2, "still listed");
  // The name stays taken while held (for another machine).
  const other = join("Ana", {}, "10.0.0.77");
  assert.equal(other.fake.take()[0].code, "name_taken");
  clock.advance(1);
  assert.deepEqual(b.fake.events(), ["leave:Ana"]);
  assert.equal(room.size, 1);
  assert.deepEqual(log.filter((e) => e.kind === "reconnecting"), [{
    kind: "reconnecting",
    name: "Ana",
  }]);
  assert.equal(clock.pending, 0);
});

Deno.test("a quit, a v1 member and a room without grace announce the leave at once", () => {
  const { join, room } = setup();
  const b = join("Beto");
  const a = join("Ana");
  b.fake.take();
  a.conn.receive(payload({ type: "quit" }));
  assert.deepEqual(b.fake.events(), ["leave:Ana"]);
  const v1 = new Fake();
  const conn = room.connect(v1);
  conn.receive(payload({ name: "Viejo" }));
  b.fake.take();
  conn.disconnect();
  assert.deepEqual(b.fake.events(), ["leave:Viejo"]);
  const plain = setup({ graceMs: 0 });
  const x = plain.join("Xana");
  const y = plain.join("Yago");
  y.fake.take();
  x.conn.disconnect();
  assert.deepEqual(y.fake.events(), ["leave:Xana"]);
});

Deno.test("a hello with the reconnect token takes over a held member quietly", () => {
  const { join, clock, log, room } = setup();
  const a = join("Ana");
  const b = join("Beto");
  a.conn.disconnect();
  b.conn.receive(payload({ type: "message", text: "mientras" }));
  b.fake.take();
  const seen = a.fake.frames.filter((f) => typeof f.seq === "number").at(-1)!.seq as number;
  const again = join("ana", { resume: a.welcome!.resume_token, since: seen });
  const frames = again.fake.take();
  assert.equal(frames[0].type, "welcome");
  assert.equal(frames[0].name, "ana");
  assert.notEqual(frames[0].resume_token, a.welcome!.resume_token, "a new token each session");
  assert.deepEqual(frames.slice(1).map((f) => f.text), ["mientras"], "exactly what was missed");
  assert.equal(frames[1].history, true);
  assert.equal(frames[0].missed, undefined);
  assert.deepEqual(b.fake.events(), [], "no leave, no join");
  clock.advance(GRACE * 2);
  assert.deepEqual(b.fake.events(), [], "the old grace timer is gone");
  assert.equal(room.size, 2);
  assert.ok(log.some((e) => e.kind === "reconnected" && e.name === "ana"));
  // The old session's file token died, the new one lives.
  assert.equal(room.nameByToken(String(a.welcome!.token)), undefined);
  assert.equal(room.nameByToken(String(frames[0].token)), "ana");
});

Deno.test("the reconnect token takes over a connection the server still holds", () => {
  const { join } = setup();
  const a = join("Ana");
  const b = join("Beto");
  b.fake.take();
  const again = join("Ana", { resume: a.welcome!.resume_token });
  assert.equal(again.welcome?.name, "Ana");
  assert.equal(a.fake.closedWith, "replaced");
  assert.deepEqual(b.fake.events(), []);
  // The old connection's late EOF changes nothing.
  a.conn.disconnect();
  assert.deepEqual(b.fake.events(), []);
  again.conn.receive(payload({ type: "message", text: "sigo aquí" }));
  assert.equal(b.fake.take().at(-1)?.from, "Ana");
});

Deno.test("a wrong, missing or other member's token does not take a name", () => {
  const { join } = setup();
  const a = join("Ana");
  const b = join("Beto");
  for (const resume of ["0".repeat(32), b.welcome!.resume_token, 42, undefined, ""]) {
    const x = join("Ana", resume === undefined ? {} : { resume });
    assert.equal(x.fake.take()[0].code, "name_taken", String(resume));
  }
  assert.equal(a.fake.closedWith, null);
});

Deno.test("since: the history after that seq, and how many are no longer kept", () => {
  const { join } = setup({ historySize: 3 });
  const a = join("Ana");
  for (let i = 1; i <= 6; i++) a.conn.receive(payload({ type: "message", text: `m${i}` }));
  const seqs = a.fake.frames.filter((f) => f.type === "message").map((f) => f.seq as number);
  const at = (since: number) => {
    const x = join(`X${since}`, { since });
    const frames = x.fake.take();
    const texts = frames.filter((f) => f.history === true).map((f) => f.text);
    return { missed: frames[0].missed, texts };
  };
  assert.deepEqual(at(seqs[4]), { missed: undefined, texts: ["m6"] });
  assert.deepEqual(at(seqs[2]), { missed: undefined, texts: ["m4", "m5", "m6"] });
  assert.deepEqual(at(seqs[1]), { missed: 1, texts: ["m4", "m5", "m6"] });
  assert.deepEqual(at(seqs[0] - 1), { missed: 3, texts: ["m4", "m5", "m6"] });
  assert.deepEqual(at(seqs[5]), { missed: undefined, texts: [] });
  // A seq the server never issued (its history was lost): the whole history, no count.
  assert.deepEqual(at(seqs[5] + 1000), { missed: undefined, texts: ["m4", "m5", "m6"] });
  for (const since of [-1, 1.5, "3"]) {
    const x = join(`Y${String(since)}`, { since });
    assert.equal(x.fake.take().filter((f) => f.history === true).length, 3);
  }
});

Deno.test("missed is counted across a restart from the restored history", () => {
  const history = {
    nextSeq: 20,
    messages: [10, 12, 15].map((seq) => ({ type: "message", from: "Ana", text: `s${seq}`, seq })),
  };
  const { join } = setup({ history, historySize: 2 });
  const x = join("Eva", { since: 9 });
  const frames = x.fake.take();
  assert.equal(frames[0].missed, 1, "s10 is gone (historySize 2)");
  assert.deepEqual(frames.filter((f) => f.history).map((f) => f.text), ["s12", "s15"]);
});

Deno.test("shutdown cancels the grace timers", () => {
  const { join, clock, room } = setup();
  const a = join("Ana");
  join("Beto");
  a.conn.disconnect();
  room.shutdown();
  assert.equal(clock.pending, 0);
});

Deno.test("--grace takes seconds from 0 (no wait) to 3600", () => {
  const grace = (value: string) => {
    const p = parseServerArgs(["--grace", value]);
    return p.kind === "run" ? p.config.graceMs : p.kind;
  };
  assert.equal(grace("0"), 0);
  assert.equal(grace("2.5"), 2_500);
  assert.equal(grace("3600"), 3_600_000);
  for (const bad of ["-1", "3601", "x", ""]) assert.equal(grace(bad), "error", bad);
});

Deno.test("a restarted client (no token) takes over its held name from the same address only, announced", () => {
  const { join, room } = setup();
  const a = join("Ana");
  const b = join("Beto");
  // Live: the name is taken even from the same address.
  assert.equal(join("Ana").fake.take()[0].code, "name_taken");
  a.conn.disconnect();
  b.fake.take();
  assert.equal(join("Ana", {}, "10.0.0.99").fake.take()[0].code, "name_taken", "another machine");
  const again = join("Ana");
  assert.equal(again.welcome?.name, "Ana");
  // Without the token the others are told (it may be someone else at that address): a join.
  assert.deepEqual(b.fake.events(), ["join:Ana"], "no leave, one join");
  assert.equal(room.size, 2);
});

Deno.test("a member the server closed for its errors is not held: its leave comes at once", () => {
  const { join } = setup();
  const a = join("Ana");
  const b = join("Beto");
  b.fake.take();
  a.conn.frameTooLarge(70_000, 65_536);
  assert.equal(a.fake.closedWith, "disconnect");
  assert.deepEqual(b.fake.events(), ["leave:Ana"]);
});

Deno.test("an idle timeout counts as a vanished connection: held, then the leave", () => {
  const { join, clock } = setup();
  const a = join("Ana");
  const b = join("Beto");
  b.fake.take();
  a.conn.timeout("idle");
  assert.deepEqual(b.fake.events(), []);
  clock.advance(GRACE);
  const leave = b.fake.take().find((f) => f.event === "leave");
  assert.equal(leave?.name, "Ana");
  assert.equal(leave?.reason, "timeout");
});

Deno.test("who and a newcomer's welcome list a held member as reconnecting, until it is back", () => {
  const { join } = setup();
  const a = join("Ana");
  const b = join("Beto");
  const listed = () => {
    b.fake.take();
    b.conn.receive(payload({ type: "who" }));
    const who = b.fake.take().find((f) => f.type === "who")!;
    return (who.members as Message[]).map((m) => `${m.name}${m.reconnecting ? "?" : ""}`);
  };
  assert.deepEqual(listed(), ["Ana", "Beto"]);
  a.conn.disconnect();
  assert.deepEqual(listed(), ["Ana?", "Beto"]);
  const c = join("Carla");
  assert.deepEqual((c.welcome!.members as Message[]).map((m) => m.reconnecting === true), [
    true,
    false,
    false,
  ]);
  join("Ana", { resume: a.welcome!.resume_token });
  assert.deepEqual(listed(), ["Beto", "Carla", "Ana"]);
});

Deno.test("missed_more: after a restart with a full history, older gaps cannot be counted", () => {
  const history = {
    nextSeq: 40,
    messages: [30, 31].map((seq) => ({ type: "message", from: "Ana", text: `s${seq}`, seq })),
  };
  const { join } = setup({ history, historySize: 2 });
  const old = join("Eva", { since: 10 }).welcome!;
  assert.equal(old.missed, undefined);
  assert.equal(old.missed_more, true, "seqs 11..29 may have been messages");
  const recent = join("Iris", { since: 29 }).welcome!;
  assert.equal(recent.missed_more, undefined, "nothing unknown after 29");
  // A history that was not full holds every message there was: no doubt.
  const { join: join2 } = setup({ history, historySize: 5 });
  assert.equal(join2("Eva", { since: 10 }).welcome!.missed_more, undefined);
});

Deno.test("missed counts over the last 10,000 messages, and says when there may be more", () => {
  const { join, clock } = setup({ historySize: 2 });
  const a = join("Ana");
  for (let i = 1; i <= 10_003; i++) {
    clock.advance(1_000); // One a second: within every rate limit.
    a.conn.receive(payload({ type: "message", text: `m${i}` }));
  }
  const w = join("Eva", { since: 0 }).welcome!;
  assert.equal(w.missed, 9_998, "messages 4..10001 (1..3 fell off the trail)");
  assert.equal(w.missed_more, true);
});
