import assert from "node:assert/strict";
import { decodeMessage, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import {
  AddressGuard,
  addressLimits,
  DEFAULT_ADDRESS_LIMITS,
  isLoopback,
} from "../lib/server/room/flood.ts";
import { DEFAULT_CONFIG, parseServerArgs } from "../lib/server/args.ts";
import { payload, Room, type RoomOptions } from "../lib/server/room/room.ts";
import { FakeClock } from "./fake_clock.ts";
import { serveChat } from "../lib/server/chat_server.ts";
import { RawClient } from "./chat_test_client.ts";
import { type Flooder, startFlooder } from "./flooder.ts";
import { canStorm } from "./reset_storm.ts";
import { withDeadline } from "./wait.ts";

/**
 * A member's socket as the room sees it: frames are decoded (when `decode`)
 * and its outbound queue drains at `readRate` bytes/s of fake time; past
 * `maxQueue` queued bytes `send` returns false, as the real queue does.
 */
class Peer {
  frames: Message[] = [];
  closedWith: string | null = null;
  queued = 0;
  #decoder = new FrameDecoder({ maxFrame: 1 << 20 });
  constructor(
    readonly ip: string,
    readonly port: number,
    readonly options: { readRate?: number; maxQueue?: number; decode?: boolean } = {},
  ) {}
  send = (bytes: Uint8Array): boolean => {
    this.queued += bytes.length;
    if (this.queued > (this.options.maxQueue ?? Infinity)) return false;
    if (this.options.decode !== false) {
      this.#decoder.push(bytes);
      let p: Uint8Array | null;
      while ((p = this.#decoder.next()) !== null) this.frames.push(decodeMessage(p));
    }
    return true;
  };
  close = (reason: string): void => {
    this.closedWith ??= reason;
  };
  drain(ms: number): void {
    const rate = this.options.readRate ?? Infinity;
    this.queued = Math.max(0, this.queued - (rate * ms) / 1000);
  }
}

function setup(options: RoomOptions = {}) {
  const clock = new FakeClock(1_000_000);
  const room = new Room({ now: () => clock.now(), clock, ...options });
  const join = (name: string, peer: Peer, proto: 1 | 2 = 2) => {
    const conn = room.connect(peer);
    conn.receive(payload(proto === 2 ? { type: "hello", version: 2, name } : { name }));
    return conn;
  };
  return { clock, room, join };
}

Deno.test("AddressGuard shares one budget among an address's connections, not others'", () => {
  const guard = new AddressGuard({ frames: 10, frameBurst: 10, exemptLoopback: false });
  let passed = 0;
  for (let i = 0; i < 100; i++) if (guard.frame("10.0.0.66", 0)) passed++;
  assert.equal(passed, 10);
  assert.equal(guard.frame("10.0.0.7", 0), true);
  assert.equal(guard.frame("10.0.0.66", 100), true, "one token back after 100 ms");
  assert.equal(guard.text("10.0.0.66", DEFAULT_ADDRESS_LIMITS.byteBurst, 100), true);
  assert.equal(guard.text("10.0.0.66", 1, 100), false);
});

Deno.test("AddressGuard forgets idle addresses and exempts loopback by default", () => {
  const guard = new AddressGuard({ exemptLoopback: false });
  for (let i = 0; i < 5000; i++) guard.join(`10.1.${i >> 8}.${i & 255}`, 0);
  assert.ok(guard.size <= 5000);
  // An hour later every bucket is full again: the next sweep drops them all.
  for (let i = 0; i < 5000; i++) guard.frame("10.9.9.9", 3_600_000);
  assert.ok(guard.size <= 2, `${guard.size} addresses kept`);
  const open = new AddressGuard({ frames: 1, frameBurst: 1 });
  for (let i = 0; i < 10; i++) assert.equal(open.frame("127.0.0.1", 0), true);
  assert.equal(open.frame("10.0.0.1", 0), true);
  assert.equal(open.frame("10.0.0.1", 0), false);
  assert.equal(
    isLoopback("::1") && isLoopback("::ffff:127.0.0.1") && !isLoopback("10.0.0.1"),
    true,
  );
});

Deno.test("60 connections from one address flooding do not get a slow reader on another cut", () => {
  const { clock, join } = setup({ maxMessage: 4096 });
  // A weak Wi-Fi PC: reads 1.5 MB/s, 4 MiB queue (the chat server's).
  const slow = new Peer("10.0.0.20", 5000, {
    readRate: 1_500_000,
    maxQueue: 4 * 1024 * 1024,
    decode: false,
  });
  join("Lento", slow);
  const flooders = Array.from({ length: 60 }, (_, i) => {
    const peer = new Peer("10.0.0.66", 6000 + i, { decode: false });
    return { peer, conn: join(`F${i}`, peer) };
  });
  const text = "x".repeat(4000);
  let sent = 0;
  // 10 s in 10 ms steps; each flooder sends 19 messages/s (under its own limit of 20).
  const next = flooders.map((_, i) => clock.now() + i);
  for (let step = 0; step < 1000; step++) {
    clock.advance(10);
    slow.drain(10);
    for (const [i, f] of flooders.entries()) {
      while (next[i] <= clock.now()) {
        next[i] += 1000 / 19;
        f.conn.receive(payload({ type: "message", text }));
        sent++;
      }
    }
  }
  assert.ok(sent > 5000, `${sent} messages tried`);
  assert.equal(slow.closedWith, null, "the slow reader was cut");
  // The flooders' address got its budget, no more: about 16 messages of 4 KB per second.
  const limits = DEFAULT_ADDRESS_LIMITS;
  const maxBytes = limits.byteBurst + limits.bytes * 10 + 60 * 4096;
  assert.ok(slow.queued <= 4 * 1024 * 1024);
  assert.ok(flooders.every((f) => f.peer.queued <= maxBytes * 2));
});

Deno.test("a refused frame over the address budget says so, and other addresses go on", () => {
  const { join } = setup({ addressLimits: { frames: 3, frameBurst: 3 } });
  const a = new Peer("10.0.0.66", 1);
  const b = new Peer("10.0.0.66", 2);
  const c = new Peer("10.0.0.77", 3);
  const ca = join("Ana", a);
  const cb = join("Beto", b);
  const cc = join("Carla", c);
  for (let i = 0; i < 2; i++) ca.receive(payload({ type: "message", text: `a${i}` }));
  cb.receive(payload({ type: "message", text: "b0" }));
  cb.receive(payload({ type: "message", text: "b1", ref: "r" }));
  const refused = b.frames.at(-1)!;
  assert.deepEqual([refused.type, refused.code, refused.ref], ["error", "rate_limited", "r"]);
  assert.match(String(refused.message), /10\.0\.0\.66/);
  cc.receive(payload({ type: "message", text: "c0" }));
  const texts = c.frames.filter((f) => f.type === "message").map((f) => f.text);
  assert.deepEqual(texts, ["a0", "a1", "b0", "c0"]);
});

Deno.test("joins per address: a connect-hello-quit loop is refused past the budget", () => {
  const logs: Message[] = [];
  const { clock, join } = setup({ log: (e) => logs.push(e) });
  const observer = new Peer("10.0.0.20", 1);
  join("Observador", observer);
  observer.frames.length = 0;
  let refused = 0;
  // 26,000 cycles in 10 s from one machine (issue 7.7).
  for (let i = 0; i < 26_000; i++) {
    if (i % 26 === 0) clock.advance(10);
    const peer = new Peer("10.0.0.66", 10_000 + (i % 50_000));
    const conn = join(`bot${i}`, peer);
    if (peer.frames[0]?.code === "rate_limited") {
      refused++;
      assert.equal(peer.closedWith, "disconnect");
    } else conn.receive(payload({ type: "quit" }));
  }
  clock.advance(2000);
  const limits = DEFAULT_ADDRESS_LIMITS;
  const admitted = 26_000 - refused;
  assert.ok(admitted <= limits.joinBurst + limits.joins * 11, `${admitted} joins admitted`);
  // The observer saw at most a few events per second, not 215.
  assert.ok(observer.frames.length <= 12 * 7, `${observer.frames.length} events`);
  assert.ok(logs.some((e) => e.kind === "refused" && e.what === "joins"));
});

Deno.test("join/leave churn from many addresses is batched into members events that add up", () => {
  const { clock, room, join } = setup();
  const observer = new Peer("10.0.0.20", 1);
  const v1 = new Peer("10.0.0.21", 2);
  join("Observador", observer);
  join("Viejo", v1, 1);
  const roster = new Set(["Observador", "Viejo"]);
  observer.frames.length = 0;
  const live: Array<ReturnType<typeof join>> = [];
  let n = 0;
  for (let second = 0; second < 5; second++) {
    for (let i = 0; i < 100; i++) {
      clock.advance(10);
      const conn = join(`u${n}`, new Peer(`10.2.${n >> 8}.${n & 255}`, 3000));
      n++;
      live.push(conn);
      if (i % 3 === 0) live.shift()!.receive(payload({ type: "quit" }));
    }
  }
  clock.advance(1000);
  let events = 0;
  for (const f of observer.frames) {
    if (f.type !== "system") continue;
    events++;
    if (f.event === "join") roster.add(String(f.name));
    else if (f.event === "leave") roster.delete(String(f.name));
    else if (f.event === "members") {
      for (const name of f.left as string[]) roster.delete(name);
      for (const name of f.joined as string[]) roster.add(name);
      assert.equal(typeof f.count, "number");
      assert.match(String(f.text), /\d+/);
    }
  }
  assert.ok(events <= 5 * 7, `${events} events for ${n} joins`);
  assert.equal(roster.size, room.size);
  // v1 clients see the summary as a system line with its text.
  assert.ok(v1.frames.some((f) => f.event === "members" && typeof f.text === "string"));
  assert.equal(room.size, 2 + live.length);
});

Deno.test("a quiet room announces joins and leaves one by one, as before", () => {
  const { clock, join } = setup();
  const observer = new Peer("10.0.0.20", 1);
  join("Observador", observer);
  for (let i = 0; i < 20; i++) {
    clock.advance(1000);
    join(`u${i}`, new Peer(`10.3.0.${i}`, 1)).receive(payload({ type: "quit" }));
  }
  const kinds = observer.frames.filter((f) => f.type === "system").map((f) => f.event);
  assert.equal(kinds.filter((k) => k === "join").length, 21);
  assert.equal(kinds.filter((k) => k === "leave").length, 20);
  assert.equal(kinds.includes("members"), false);
});

Deno.test("--ip-rate and --max-members-per-ip reach the configuration; --ip-rate scales the byte budget", () => {
  const p = parseServerArgs(["--ip-rate", "64", "--max-members-per-ip", "300"]);
  assert.equal(p.kind, "run");
  if (p.kind !== "run") return;
  assert.equal(p.config.ipRate, 64);
  assert.equal(p.config.maxMembersPerIp, 300);
  assert.deepEqual(addressLimits(64), {
    frames: 64,
    frameBurst: 128,
    bytes: 128 * 1024,
    byteBurst: 512 * 1024,
  });
  assert.equal(parseServerArgs(["--ip-rate", "0"]).kind, "error");
  // The defaults are what --ip-rate 32 gives.
  const d = addressLimits(DEFAULT_CONFIG.ipRate);
  assert.equal(d.bytes, DEFAULT_ADDRESS_LIMITS.bytes);
  assert.equal(d.byteBurst, DEFAULT_ADDRESS_LIMITS.byteBurst);
});

Deno.test({
  name: "serveChat(): 60 flooding connections from another address do not get a slow reader cut",
  ignore: Deno.build.os !== "linux" || !(await canStorm()),
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    // Loopback is exempt by default; here 127.0.0.2 plays another machine of the LAN.
    const room = new Room({ addressLimits: { exemptLoopback: false } });
    const chat = serveChat(listener, { room, maxQueue: 256 * 1024, log: () => {} });
    const { client: slow } = await RawClient.hello(port, "Lento");
    let flooder: Flooder | null = null;
    try {
      // 60 × 19 messages of 4 KB a second (4.5 MB/s) if nothing held them back.
      flooder = await startFlooder({
        port,
        connections: 60,
        perSecond: 60 * 19,
        textBytes: 4000,
        source: "127.0.0.2",
      });
      // The slow reader takes 16 KiB every 100 ms (160 KB/s) for 3 s.
      const buf = new Uint8Array(16 * 1024);
      let read = 0;
      for (let i = 0; i < 30; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const n = await withDeadline(slow.conn.read(buf), 5000, "the slow reader's bytes");
        assert.notEqual(n, null, "the slow reader was cut");
        read += n!;
      }
      assert.ok(read > 16 * 1024, `${read} bytes read`);
    } finally {
      await flooder?.stop();
      slow.close();
      await chat.close();
    }
  },
});
