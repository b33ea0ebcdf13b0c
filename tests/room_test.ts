import assert from "node:assert/strict";
import { decodeMessage, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import { payload, Room, type RoomFile, type RoomOptions } from "../lib/server/room/room.ts";

/** A fake connection: decodes everything the room sends it (a frame may come in pieces). */
class Fake {
  frames: Message[] = [];
  raw: Uint8Array[] = [];
  #decoder = new FrameDecoder({ maxFrame: 16 << 20 });
  closedWith: string | null = null;
  full = false;
  constructor(readonly ip = "10.0.0.5", readonly port = 40000) {}
  send = (bytes: Uint8Array): boolean => {
    if (this.full) return false;
    this.raw.push(bytes);
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
  types(): string[] {
    return this.take().map((f) => String(f.type) + (f.event ? `:${f.event}` : ""));
  }
}

function setup(options: RoomOptions = {}) {
  let clock = 1_000_000;
  const room = new Room({ now: () => clock, ...options });
  const join = (name: string, proto: 1 | 2 = 2, ip = "10.0.0.5", port = 40000) => {
    const fake = new Fake(ip, port);
    const conn = room.connect(fake);
    conn.receive(payload(proto === 2 ? { type: "hello", version: 2, name } : { name }));
    return { fake, conn };
  };
  return { room, join, tick: (ms: number) => clock += ms, now: () => clock };
}

Deno.test("hello v2 gets welcome, history and its own join in that order", () => {
  const { join } = setup();
  const a = join("Ana");
  a.conn.receive(payload({ type: "message", text: "hola" }));
  const b = join("Beto");
  const frames = b.fake.take();
  assert.equal(frames[0].type, "welcome");
  assert.equal(frames[0].name, "Beto");
  assert.match(String(frames[0].token), /^[0-9a-f]{32}$/);
  assert.deepEqual((frames[0].members as Message[]).map((m) => m.name), ["Ana", "Beto"]);
  assert.equal(frames[1].type, "message");
  assert.equal(frames[1].history, true);
  assert.equal(frames[1].text, "hola");
  assert.equal(frames[2].event, "join");
  assert.equal(frames[2].name, "Beto");
});

Deno.test("events carry strictly increasing seq and the same bytes go to everyone", () => {
  const { join } = setup();
  const a = join("Ana");
  const b = join("Beto");
  a.fake.take();
  b.fake.take();
  a.fake.raw.length = b.fake.raw.length = 0;
  a.conn.receive(payload({ type: "message", text: "uno" }));
  b.conn.receive(payload({ type: "message", text: "dos" }));
  assert.deepEqual(a.fake.raw, b.fake.raw);
  const seqs = a.fake.take().map((f) => f.seq as number);
  assert.equal(seqs[1], seqs[0] + 1);
  assert.deepEqual(b.fake.take().map((f) => f.text), ["uno", "dos"]);
});

Deno.test("hello v2 refuses bad names with name_invalid and closes", () => {
  const { room } = setup();
  for (const name of ["", "   ", "a\u0007b", "x".repeat(33), "SISTEMA", "server", "a\u200bb", 42]) {
    const fake = new Fake();
    room.connect(fake).receive(payload({ type: "hello", version: 2, name }));
    const [err] = fake.take();
    assert.equal(err.code, "name_invalid", `name ${JSON.stringify(name)}`);
    assert.equal(fake.closedWith, "disconnect");
  }
  assert.equal(room.size, 0);
});

Deno.test("hello v2 accepts 32 code points and right-to-left letters", () => {
  const { join } = setup();
  assert.equal(join("ñ".repeat(32)).fake.take()[0].type, "welcome");
  assert.equal(join("שלום").fake.take()[0].type, "welcome");
  assert.equal(join("😀".repeat(32)).fake.take()[0].type, "welcome");
});

Deno.test("names are unique regardless of case and normalisation", () => {
  const { join } = setup();
  join("José");
  const b = join("JOSE\u0301");
  const [err] = b.fake.take();
  assert.equal(err.code, "name_taken");
  assert.equal(b.fake.closedWith, "disconnect");
});

Deno.test("a refused hello announces no leave", () => {
  const { join } = setup();
  const a = join("Ana");
  a.fake.take();
  join("ana");
  assert.deepEqual(a.fake.take(), []);
});

Deno.test("wrong hello version, non-hello first frame and bad JSON close the connection", () => {
  const { room } = setup();
  const cases: Array<[Message | string, string]> = [
    [{ type: "hello", version: 3, name: "Ana" }, "unsupported_version"],
    [{ type: "hello", version: "2", name: "Ana" }, "bad_message"],
    [{ type: "message", text: "hola" }, "hello_required"],
    ["{nope", "bad_json"],
    ["[1,2]", "bad_message"],
  ];
  for (const [msg, code] of cases) {
    const fake = new Fake();
    room.connect(fake).receive(payload(msg));
    assert.equal(fake.take()[0].code, code);
    assert.equal(fake.closedWith, "disconnect");
  }
  const fake = new Fake();
  room.connect(fake).receive(new Uint8Array([0x7b, 0xff, 0x7d]));
  assert.equal(fake.take()[0].code, "bad_utf8");
});

Deno.test("a frame that is JSON but not an object is explained with no placeholder left", () => {
  const { room } = setup();
  const fake = new Fake();
  room.connect(fake).receive(payload("[1,2]"));
  const [reply] = fake.take();
  assert.equal(reply.code, "bad_message");
  assert.equal(reply.message, "El mensaje debe ser un objeto JSON");
});

Deno.test("v1 hello is repaired and suffixed, and told its final name", () => {
  const { join } = setup();
  join("Ana", 1);
  const b = join("ana", 1);
  const frames = b.fake.take();
  assert.equal(frames[0].type, "system");
  assert.match(String(frames[0].text), /Ana_2|ana_2/);
  assert.equal(frames.at(-1)!.name, "ana_2");
  const c = join("\u0001  Luis\u0007 ", 1);
  assert.equal(c.fake.take().at(-1)!.name, "Luis");
  const d = join("", 1, "10.0.0.9", 51234);
  assert.equal(d.fake.take().at(-1)!.name, "user_51234");
  const e = join("SISTEMA", 1);
  assert.equal(e.fake.take().at(-1)!.name, "SISTEMA_2");
});

Deno.test("v1 hello without a name becomes user_<port>", () => {
  const { room } = setup();
  const fake = new Fake("10.0.0.1", 6000);
  room.connect(fake).receive(payload({}));
  assert.equal(fake.take().at(-1)!.name, "user_6000");
});

Deno.test("history keeps the last 50 messages and is replayed oldest first", () => {
  const { join } = setup();
  const a = join("Ana");
  for (let i = 0; i < 60; i++) {
    a.conn.receive(payload({ type: "message", text: `m${i}` }));
  }
  // The rate limit refused some; what was delivered is what the history holds.
  const delivered = a.fake.take().filter((f) => f.type === "message").map((f) => f.text);
  const b = join("Beto");
  const history = b.fake.take().filter((f) => f.history).map((f) => f.text);
  assert.deepEqual(history, delivered.slice(-50));
});

Deno.test("history holds at most 50 messages", () => {
  const { join, tick } = setup();
  const a = join("Ana");
  for (let i = 0; i < 70; i++) {
    tick(100);
    a.conn.receive(payload({ type: "message", text: `m${i}` }));
  }
  const history = join("Beto").fake.take().filter((f) => f.history).map((f) => f.text);
  assert.equal(history.length, 50);
  assert.equal(history[0], "m20");
  assert.equal(history[49], "m69");
});

Deno.test("seq continues from a restored history", () => {
  const { join } = setup({
    history: {
      nextSeq: 500,
      messages: [{ type: "message", seq: 499, ts: 1, from: "X", text: "old" }],
    },
  });
  const a = join("Ana");
  const frames = a.fake.take();
  assert.equal(frames[1].text, "old");
  assert.equal(frames[2].seq, 500);
});

Deno.test("onHistory receives the next seq and the messages", () => {
  let saved: { nextSeq: number; messages: Message[] } | undefined;
  const { join } = setup({ onHistory: (h) => saved = h });
  join("Ana").conn.receive(payload({ type: "message", text: "hola" }));
  assertExists(saved);
  assert.equal(saved.messages.length, 1);
  assert.equal(saved.nextSeq, (saved.messages[0].seq as number) + 1);
});

function assertExists<T>(v: T | undefined): asserts v is T {
  assert.notEqual(v, undefined);
}

Deno.test("a message over the limit is refused with message_too_long, never cut", () => {
  const { join } = setup({ maxMessage: 10 });
  const a = join("Ana");
  a.fake.take();
  a.conn.receive(payload({ type: "message", text: "ñññññ" })); // 10 bytes
  a.conn.receive(payload({ type: "message", text: "ññññññ", ref: "r1" })); // 12 bytes
  const frames = a.fake.take();
  assert.equal(frames[0].text, "ñññññ");
  assert.equal(frames[1].code, "message_too_long");
  assert.equal(frames[1].ref, "r1");
  assert.equal(frames.length, 2);
});

Deno.test("v1 clients get errors as system frames", () => {
  const { join } = setup({ maxMessage: 4 });
  const a = join("Ana", 1);
  a.fake.take();
  a.conn.receive(payload({ type: "message", text: "hello" }));
  const [f] = a.fake.take();
  assert.equal(f.type, "system");
  assert.match(String(f.text), /^Error: /);
});

Deno.test("bad requests get their codes and the connection goes on", () => {
  const { join } = setup();
  const a = join("Ana");
  a.fake.take();
  const cases: Array<[Message | string, string]> = [
    [{ type: "nope" }, "unknown_type"],
    [{ type: 7 }, "bad_message"],
    [{ type: "message", text: 5 }, "bad_message"],
    [{ type: "message", text: "" }, "bad_message"],
    [{ type: "call", action: "dance" }, "bad_message"],
    [{ type: "file_available", file_id: "x" }, "bad_request"],
    [{ type: "hello", version: 2, name: "Otra" }, "bad_request"],
    ["nope", "bad_json"],
  ];
  for (const [msg, code] of cases) {
    a.conn.receive(payload(msg));
    assert.equal(a.fake.take()[0].code, code);
  }
  assert.equal(a.fake.closedWith, null);
  a.conn.receive(payload({ type: "ping" }));
  assert.equal(a.fake.take()[0].type, "pong");
});

Deno.test("more than 20 bad frames close with too_many_errors and a leave", () => {
  const { join } = setup();
  const a = join("Ana");
  const b = join("Beto");
  for (let i = 0; i < 21; i++) a.conn.receive(payload("x"));
  assert.equal(a.fake.take().at(-1)!.code, "too_many_errors");
  assert.equal(a.fake.closedWith, "disconnect");
  const leave = b.fake.take().at(-1)!;
  assert.equal(leave.event, "leave");
  assert.equal(leave.name, "Ana");
});

Deno.test("rate limit: burst of 40 then rate_limited, refills with time", () => {
  const { join, tick } = setup();
  const a = join("Ana");
  a.fake.take();
  for (let i = 0; i < 45; i++) a.conn.receive(payload({ type: "message", text: `m${i}` }));
  const frames = a.fake.take();
  assert.equal(frames.filter((f) => f.type === "message").length, 40);
  assert.equal(frames.filter((f) => f.code === "rate_limited").length, 5);
  tick(1000);
  for (let i = 0; i < 20; i++) a.conn.receive(payload({ type: "message", text: `n${i}` }));
  assert.equal(a.fake.take().filter((f) => f.type === "message").length, 20);
});

Deno.test("a connection that keeps flooding is closed with reason flood", () => {
  const { join } = setup();
  const a = join("Ana");
  const b = join("Beto");
  for (let i = 0; i < 40 + 201; i++) a.conn.receive(payload({ type: "ping" }));
  assert.equal(a.fake.closedWith, "flood");
  const last = a.fake.take().at(-1)!;
  assert.equal(last.code, "rate_limited");
  assert.match(String(last.message), /conexión cerrada/);
  const leave = b.fake.take().at(-1)!;
  assert.equal(leave.reason, "flood");
});

Deno.test("who, files and quit", () => {
  const files: RoomFile[] = [{
    file_id: "k3f9ab",
    filename: "a.txt",
    size: 3,
    sha256: "ab",
    from: "X",
    ts: 5,
  }];
  const { join } = setup({ files: { list: () => files, claimV1: () => undefined } });
  const a = join("Ana");
  const welcome = a.fake.take()[0];
  assert.deepEqual(welcome.files, files);
  a.conn.receive(payload({ type: "who" }));
  const who = a.fake.take()[0];
  assert.deepEqual((who.members as Message[])[0], {
    name: "Ana",
    since: 1_000_000,
    protocol: 2,
    in_call: false,
  });
  a.conn.receive(payload({ type: "files" }));
  assert.deepEqual(a.fake.take()[0].files, files);
  const b = join("Beto");
  b.fake.take();
  a.conn.receive(payload({ type: "quit" }));
  assert.equal(a.fake.closedWith, "quit");
  assert.equal(b.fake.take()[0].reason, "quit");
});

Deno.test("v1 file_available is announced only when the store claims it", () => {
  const claims: string[] = [];
  const { join } = setup({
    files: {
      list: () => [],
      claimV1: (id, ip, from) => {
        claims.push(`${id}|${ip}|${from}`);
        return id === "good"
          ? { file_id: id, filename: "f.bin", size: 9, sha256: "cd", from, ts: 1 }
          : undefined;
      },
    },
  });
  const a = join("Ana", 1, "10.1.1.1");
  const b = join("Beto");
  a.fake.take();
  b.fake.take();
  a.conn.receive(payload({ type: "file_available", file_id: "fake", filename: "x", size: 1 }));
  assert.equal(a.fake.take()[0].type, "system");
  assert.deepEqual(b.fake.take(), []);
  a.conn.receive(payload({ type: "file_available", file_id: "good", filename: "f.bin", size: 9 }));
  const ev = b.fake.take()[0];
  assert.equal(ev.type, "file_available");
  assert.equal(ev.from, "Ana");
  assert.equal(ev.file_id, "good");
  assert.equal(typeof ev.seq, "number");
  assert.deepEqual(claims, ["fake|10.1.1.1|Ana", "good|10.1.1.1|Ana"]);
});

Deno.test("v1 members receive the listed files after the hello", () => {
  const files: RoomFile[] = [{
    file_id: "id1",
    filename: "a.txt",
    size: 3,
    sha256: "ab",
    from: "X",
    ts: 5,
  }];
  const { join } = setup({ files: { list: () => files, claimV1: () => undefined } });
  const frames = join("Ana", 1).fake.take();
  const f = frames.find((x) => x.type === "file_available")!;
  assert.equal(f.file_id, "id1");
  assert.equal(f.history, true);
});

Deno.test("announceFile() broadcasts a published upload", () => {
  const { room, join } = setup();
  const a = join("Ana");
  a.fake.take();
  room.announceFile({
    file_id: "abc123",
    filename: "v.mp4",
    size: 10,
    sha256: "ff",
    from: "Ana",
    ts: 1,
  });
  const ev = a.fake.take()[0];
  assert.equal(ev.type, "file_available");
  assert.equal(ev.from, "Ana");
});

Deno.test("call start/stop: call_joined, events, ids and tokens", () => {
  const { room, join } = setup();
  const a = join("Ana");
  const b = join("Beto");
  let changes = 0;
  room.watchCall(() => changes++);
  a.fake.take();
  b.fake.take();
  a.conn.receive(payload({ type: "call", action: "start" }));
  const [joined, ev] = a.fake.take();
  assert.equal(joined.type, "call_joined");
  assert.match(String(joined.token), /^[0-9a-f]{32}$/);
  assert.ok((joined.client_id as number) >= 1_000_000);
  assert.equal(joined.media_port, 9020);
  assert.equal(ev.type, "call");
  assert.equal(ev.action, "start");
  assert.equal(ev.first, true);
  assert.equal(b.fake.take()[0].first, true);

  // Start again: same call_joined, nothing announced.
  a.conn.receive(payload({ type: "call", action: "start" }));
  const again = a.fake.take();
  assert.equal(again.length, 1);
  assert.equal(again[0].token, joined.token);

  b.conn.receive(payload({ type: "call", action: "start" }));
  const [bj, bev] = b.fake.take();
  assert.notEqual(bj.client_id, joined.client_id);
  assert.notEqual(bj.token, joined.token);
  assert.equal(bev.first, false);
  // The call's codec fields are the call module's (call_test); here: who and which id.
  assert.deepEqual(room.callMembers().map(({ name, clientId }) => ({ name, clientId })), [
    { name: "Ana", clientId: joined.client_id },
    { name: "Beto", clientId: bj.client_id },
  ]);
  const byToken = room.callByToken(String(bj.token));
  assert.deepEqual(byToken && { name: byToken.name, clientId: byToken.clientId, ip: byToken.ip }, {
    name: "Beto",
    clientId: bj.client_id,
    ip: "10.0.0.5",
  });
  assert.equal(room.callByToken("0".repeat(32)), undefined);

  a.fake.take();
  a.conn.receive(payload({ type: "call", action: "stop" }));
  const stop = a.fake.take()[0];
  assert.equal(stop.action, "stop");
  assert.equal(stop.reason, "left");
  assert.equal(stop.ended, false);
  a.conn.receive(payload({ type: "call", action: "stop", ref: "z" }));
  const err = a.fake.take()[0];
  assert.equal(err.code, "not_in_call");
  assert.equal(err.ref, "z");
  b.conn.disconnect();
  const frames = a.fake.take();
  assert.equal(frames[0].action, "stop");
  assert.equal(frames[0].reason, "disconnect");
  assert.equal(frames[0].ended, true);
  assert.equal(frames[1].event, "leave");
  assert.equal(changes, 4);
});

Deno.test("watchCall() takes exactly one listener; the returned function unregisters it", () => {
  const { room, join } = setup();
  const a = join("Ana");
  let first = 0;
  const stop = room.watchCall(() => first++);
  assert.throws(() => room.watchCall(() => {}), /only one/);
  a.conn.receive(payload({ type: "call", action: "start" }));
  assert.equal(first, 1);
  stop();
  let second = 0;
  room.watchCall(() => second++);
  a.conn.receive(payload({ type: "call", action: "stop" }));
  assert.deepEqual([first, second], [1, 1]);
  stop(); // a stale unregister leaves the new listener in place
  a.conn.receive(payload({ type: "call", action: "start" }));
  assert.equal(second, 2);
});

Deno.test("welcome carries the current call members", () => {
  const { join } = setup();
  const a = join("Ana");
  a.conn.receive(payload({ type: "call", action: "start" }));
  const welcome = join("Beto").fake.take()[0];
  assert.equal((welcome.call as Message[])[0].name, "Ana");
  assert.ok(((welcome.call as Message[])[0].client_id as number) >= 1_000_000);
});

Deno.test("v1 call member: callV1At, setV1ClientId announces media, leaveCall", () => {
  const { room, join } = setup();
  const v1 = join("Viejo", 1, "10.9.9.9");
  const a = join("Ana");
  v1.conn.receive(payload({ type: "call", action: "start" }));
  assert.equal(v1.fake.take().filter((f) => f.type === "call_joined").length, 0);
  const v1At = room.callV1At("10.9.9.9");
  assert.deepEqual(v1At && { name: v1At.name, clientId: v1At.clientId }, {
    name: "Viejo",
    clientId: null,
  });
  assert.equal(room.callV1At("10.9.9.8"), undefined);
  a.fake.take();
  room.setV1ClientId("Viejo", 123456);
  const media = a.fake.take()[0];
  assert.equal(media.action, "media");
  assert.equal(media.from, "Viejo");
  assert.equal(media.client_id, 123456);
  room.leaveCall("Viejo", "media_timeout");
  const stop = a.fake.take()[0];
  assert.equal(stop.reason, "media_timeout");
  assert.deepEqual(room.callMembers(), []);
});

Deno.test("nameByToken() maps the session token to the live name", () => {
  const { room, join } = setup();
  const a = join("Ana");
  const token = String(a.fake.take()[0].token);
  assert.equal(room.nameByToken(token), "Ana");
  a.conn.receive(payload({ type: "quit" }));
  assert.equal(room.nameByToken(token), undefined);
});

Deno.test("a slow consumer leaves after the event it missed, in seq order for others", () => {
  const { join } = setup();
  const a = join("Ana");
  const slow = join("Lento");
  const c = join("Carla");
  a.fake.take();
  c.fake.take();
  slow.fake.full = true;
  a.conn.receive(payload({ type: "message", text: "hola" }));
  assert.equal(slow.fake.closedWith, "slow_consumer");
  for (const f of [a.fake, c.fake]) {
    const frames = f.take();
    assert.equal(frames[0].text, "hola");
    assert.equal(frames[1].event, "leave");
    assert.equal(frames[1].reason, "slow_consumer");
    assert.equal(frames[1].seq, (frames[0].seq as number) + 1);
  }
});

Deno.test("timeouts: hello closes without a leave, idle leaves with reason timeout", () => {
  const { room, join } = setup();
  const a = join("Ana");
  a.fake.take();
  const fake = new Fake();
  room.connect(fake).timeout("hello");
  assert.equal(fake.take()[0].code, "hello_timeout");
  assert.deepEqual(a.fake.take(), []);
  const b = join("Beto");
  a.fake.take();
  b.conn.timeout("idle");
  assert.equal(b.fake.take().at(-1)!.code, "idle_timeout");
  assert.equal(a.fake.take()[0].reason, "timeout");
});

Deno.test("shutdown tells everyone and closes without leave events", () => {
  const { room, join } = setup();
  const a = join("Ana");
  const b = join("Beto", 1);
  a.fake.take();
  b.fake.take();
  room.shutdown();
  for (const f of [a.fake, b.fake]) {
    const frames = f.take();
    assert.equal(frames.length, 1);
    assert.equal(frames[0].event, "shutdown");
    assert.equal(f.closedWith, "shutdown");
  }
  const late = new Fake();
  room.connect(late).receive(payload({ type: "hello", version: 2, name: "Tarde" }));
  assert.equal(late.take()[0].code, "server_shutdown");
});

Deno.test("frames after the connection closed are ignored", () => {
  const { join } = setup();
  const a = join("Ana");
  const b = join("Beto");
  a.conn.receive(payload({ type: "quit" }));
  b.fake.take();
  a.conn.receive(payload({ type: "message", text: "fantasma" }));
  assert.deepEqual(b.fake.take(), []);
});

Deno.test("random payloads and random JSON never throw and never reach other members", () => {
  const { room, join } = setup({ rate: 1_000_000 });
  const watcher = join("Vigía");
  watcher.fake.take();
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const pieces = [
    '"type"',
    '"message"',
    '"text"',
    '"call"',
    '"action"',
    "null",
    "1e999",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    '"\\u0000"',
    "true",
    '"hello"',
    '"name"',
    '"file_available"',
  ];
  for (let round = 0; round < 300; round++) {
    const fake = new Fake();
    const conn = room.connect(fake);
    if (round % 2 === 0) conn.receive(payload({ type: "hello", version: 2, name: `f${round}` }));
    for (let i = 0; i < 10; i++) {
      let bytes: Uint8Array;
      if (rand() < 0.5) {
        bytes = new Uint8Array(Math.floor(rand() * 40)).map(() => Math.floor(rand() * 256));
      } else {
        let text = "";
        const n = Math.floor(rand() * 12);
        for (let k = 0; k < n; k++) text += pieces[Math.floor(rand() * pieces.length)];
        bytes = new TextEncoder().encode(text);
      }
      conn.receive(bytes);
    }
    conn.disconnect();
  }
  // The watcher saw only joins and leaves of the fuzzers (and nothing addressed to them).
  for (const f of watcher.fake.take()) {
    assert.ok(f.type === "system" || f.type === "message" || f.type === "call", String(f.type));
    assert.equal(typeof f.seq, "number");
  }
  assert.equal(room.size, 1);
});
