import assert from "node:assert/strict";
import {
  decodeMediaPacket,
  decodeV1Packet,
  encodeMediaPacket,
  encodeV1Packet,
  MediaKind,
  tokenToBytes,
} from "../lib/protocol/media_packet.ts";
import { Relay } from "../lib/server/relay/relay.ts";
import type { Outgoing, RelayAddress } from "../lib/server/relay/types.ts";
import { FakeRoom } from "./relay_fake_room.ts";

const JPEG = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 10, 20, 30, 0xff, 0xd9);
const ANA: RelayAddress = { hostname: "127.0.0.1", port: 40001 };
const BEA: RelayAddress = { hostname: "127.0.0.1", port: 40002 };
const CAR: RelayAddress = { hostname: "127.0.0.1", port: 40003 };
const EVE: RelayAddress = { hostname: "127.0.0.1", port: 40666 };
const V1: RelayAddress = { hostname: "10.0.0.7", port: 50000 };

function register(token: string, clientId: number, seq = 0, ts = 0): Uint8Array {
  return encodeMediaPacket({
    kind: MediaKind.Register,
    clientId,
    seq,
    ts,
    payload: tokenToBytes(token),
  });
}

function video(clientId: number, seq = 0): Uint8Array {
  return encodeMediaPacket({ kind: MediaKind.Video, clientId, seq, ts: 5, payload: JPEG });
}

function keepalive(clientId: number): Uint8Array {
  return encodeMediaPacket({ kind: MediaKind.Keepalive, clientId, seq: 0, ts: 0 });
}

/** Flattens outgoing datagrams to "port" -> bytes. */
function sends(out: Outgoing[]): Map<number, Uint8Array> {
  const map = new Map<number, Uint8Array>();
  for (const o of out) for (const to of o.to) map.set(to.port, o.bytes);
  return map;
}

/** A room with Ana (1000001) and Bea (1000002) in the call, both registered. */
function twoMembers(options: { acceptV1?: boolean; maxFps?: number } = {}) {
  const room = new FakeRoom();
  const relay = new Relay(room, { acceptV1: options.acceptV1 ?? true, maxFps: options.maxFps });
  const ana = room.joinV2("Ana", 1_000_001);
  const bea = room.joinV2("Bea", 1_000_002);
  relay.receive(register(ana, 1_000_001), ANA, 0);
  relay.receive(register(bea, 1_000_002), BEA, 0);
  return { room, relay, ana, bea };
}

Deno.test("Relay answers a register with a token of the call with a registered ack", () => {
  const room = new FakeRoom();
  const relay = new Relay(room, { acceptV1: true });
  const token = room.joinV2("Ana", 1_000_001);
  const out = relay.receive(register(token, 1_000_001, 3, 777), ANA, 0);
  assert.equal(out.length, 1);
  assert.deepEqual(out[0].to, [ANA]);
  const ack = decodeMediaPacket(out[0].bytes);
  assert.ok(ack.ok);
  assert.deepEqual(
    { kind: ack.packet.kind, id: ack.packet.clientId, seq: ack.packet.seq, ts: ack.packet.ts },
    { kind: MediaKind.Registered, id: 1_000_001, seq: 3, ts: 777 },
  );
  assert.equal(relay.size, 1);
  // A repeated register is answered again and keeps one binding.
  assert.equal(relay.receive(register(token, 1_000_001), ANA, 500).length, 1);
  assert.equal(relay.size, 1);
  relay.close();
});

Deno.test("Relay ignores a register with an unknown token or someone else's client id", () => {
  const room = new FakeRoom();
  const relay = new Relay(room, { acceptV1: true });
  const token = room.joinV2("Ana", 1_000_001);
  assert.deepEqual(relay.receive(register("ab".repeat(16), 1_000_001), EVE, 0), []);
  assert.deepEqual(relay.receive(register(token, 1_000_099), EVE, 0), []);
  assert.equal(relay.size, 0);
  const stats = relay.stats();
  assert.equal(stats.dropped.bad_token, 1);
  assert.equal(stats.dropped.spoofed, 1);
  assert.equal(stats.droppedTotal, 2);
  relay.close();
});

Deno.test("Relay refuses a register from another IP than the member's chat connection", () => {
  const room = new FakeRoom();
  room.reportIp = true;
  const relay = new Relay(room, { acceptV1: true });
  const token = room.joinV2("Ana", 1_000_001, "10.0.0.5");
  // Ana's token, but the datagram claims to come from a victim's address.
  assert.deepEqual(relay.receive(register(token, 1_000_001), V1, 0), []);
  assert.equal(relay.stats().dropped.spoofed, 1);
  const mapped = { hostname: "::ffff:10.0.0.5", port: 4000 };
  assert.equal(relay.receive(register(token, 1_000_001), mapped, 0).length, 1);
  relay.close();
});

Deno.test("Relay forwards a video datagram unchanged to every other member, never back", () => {
  const room = new FakeRoom();
  const relay = new Relay(room, { acceptV1: true });
  const tokens = [room.joinV2("Ana", 1_000_001), room.joinV2("Bea", 1_000_002)];
  tokens.push(room.joinV2("Car", 1_000_003));
  [ANA, BEA, CAR].forEach((addr, i) => relay.receive(register(tokens[i], 1_000_001 + i), addr, 0));
  const frame = video(1_000_001, 42);
  const out = relay.receive(frame, ANA, 10);
  assert.equal(out.length, 1, "one buffer for every v2 receiver");
  assert.equal(out[0].bytes, frame, "the received bytes themselves");
  assert.deepEqual(out[0].to, [BEA, CAR]);
  const stats = relay.stats();
  assert.equal(stats.frames, 1);
  assert.deepEqual(
    stats.members.map((m) => [m.name, m.framesIn, m.framesOut]),
    [["Ana", 1, 0], ["Bea", 0, 1], ["Car", 0, 1]],
  );
  relay.close();
});

Deno.test("Relay sends nothing anywhere for datagrams from an unregistered address", () => {
  const { relay } = twoMembers();
  assert.deepEqual(relay.receive(video(1_000_001), EVE, 1), []); // spoofs Ana's id
  assert.deepEqual(relay.receive(video(5), EVE, 1), []);
  assert.deepEqual(relay.receive(keepalive(1_000_001), EVE, 1), []);
  assert.equal(relay.stats().dropped.unregistered, 3);
  assert.equal(relay.stats().frames, 0);
  relay.close();
});

Deno.test("Relay drops a member's datagram carrying another member's client id", () => {
  const { relay } = twoMembers();
  assert.deepEqual(relay.receive(video(1_000_002), ANA, 1), []); // Ana pretends to be Bea
  assert.equal(relay.stats().dropped.spoofed, 1);
  // Ana's own frames still flow.
  assert.deepEqual([...sends(relay.receive(video(1_000_001), ANA, 2)).keys()], [BEA.port]);
  relay.close();
});

Deno.test("Relay drops malformed and oversized datagrams and counts them", () => {
  const { relay } = twoMembers();
  const bad = video(1_000_001).slice();
  bad[2] = 9; // version
  assert.deepEqual(relay.receive(bad, ANA, 1), []);
  assert.deepEqual(relay.receive(Uint8Array.of(0x50, 0x33, 2), ANA, 1), []);
  assert.deepEqual(relay.receive(Uint8Array.of(1, 2, 3), ANA, 1), []); // neither format
  const big = new Uint8Array(60_001);
  big.set([0x50, 0x33, 2, 3]);
  assert.deepEqual(relay.receive(big, ANA, 1), []);
  const stats = relay.stats();
  assert.equal(stats.dropped.malformed, 3);
  assert.equal(stats.dropped.too_large, 1);
  relay.close();
});

Deno.test("Relay honours a lower maxDatagram", () => {
  const room = new FakeRoom();
  const relay = new Relay(room, { acceptV1: true, maxDatagram: 40 });
  const token = room.joinV2("Ana", 1_000_001);
  const bea = room.joinV2("Bea", 1_000_002);
  relay.receive(register(token, 1_000_001), ANA, 0); // 32 bytes
  relay.receive(register(bea, 1_000_002), BEA, 0);
  assert.equal(relay.receive(video(1_000_001), ANA, 1).length, 1); // 25 bytes
  const big = encodeMediaPacket({
    kind: MediaKind.Video,
    clientId: 1_000_001,
    seq: 1,
    ts: 0,
    payload: new Uint8Array(25).fill(0xff),
  });
  assert.deepEqual(relay.receive(big, ANA, 1), []); // 41 bytes
  assert.equal(relay.stats().dropped.too_large, 1);
  relay.close();
});

Deno.test("Relay drops a sender's frames over maxFps and accepts them again later", () => {
  const { relay } = twoMembers({ maxFps: 10 });
  let forwarded = 0;
  for (let i = 0; i < 15; i++) forwarded += relay.receive(video(1_000_001, i), ANA, 100).length;
  assert.equal(forwarded, 10);
  assert.equal(relay.stats().dropped.rate_limited, 5);
  // Bea's budget is her own.
  assert.equal(relay.receive(video(1_000_002), BEA, 100).length, 1);
  // Half a second later, five more frames fit.
  forwarded = 0;
  for (let i = 0; i < 8; i++) forwarded += relay.receive(video(1_000_001, i), ANA, 600).length;
  assert.equal(forwarded, 5);
  relay.close();
});

Deno.test("Relay forgets a silent member and takes it out of the call", () => {
  const { room, relay } = twoMembers();
  relay.receive(keepalive(1_000_002), BEA, 9_000); // Bea keeps alive, Ana is silent
  relay.tick(10_000);
  assert.deepEqual(room.left, []);
  relay.tick(10_001);
  assert.deepEqual(room.left, [["Ana", "media_timeout"]]);
  assert.equal(relay.stats().expired, 1);
  assert.deepEqual(relay.stats().members.map((m) => m.name), ["Bea"]);
  // Ana's old address now gets nothing and can send nothing.
  assert.deepEqual(relay.receive(video(1_000_002), BEA, 10_002), []);
  assert.deepEqual(relay.receive(video(1_000_001), ANA, 10_002), []);
  relay.close();
});

Deno.test("Relay stops forwarding to and from a member that leaves the call at once", () => {
  const { room, relay } = twoMembers();
  room.leave("Bea");
  assert.deepEqual(relay.receive(video(1_000_001), ANA, 1), []);
  assert.deepEqual(relay.receive(video(1_000_002), BEA, 1), []);
  assert.equal(relay.stats().dropped.unregistered, 1);
  relay.close();
});

Deno.test("Relay notices a departure even when the room does not notify it", () => {
  const { room, relay } = twoMembers();
  const car = room.joinV2("Car", 1_000_003);
  relay.receive(register(car, 1_000_003), CAR, 0);
  room.notify = false;
  room.leave("Bea");
  // The sender check catches Bea herself...
  assert.deepEqual(relay.receive(video(1_000_002), BEA, 1), []);
  assert.equal(relay.stats().dropped.not_in_call, 1);
  room.leave("Car");
  // ...and the next tick catches Car as a receiver.
  relay.tick(2);
  assert.deepEqual(relay.receive(video(1_000_001), ANA, 3), []);
  relay.close();
});

Deno.test("Relay moves a member to a new address only with a fresh token (call rebind)", () => {
  const { room, relay, ana } = twoMembers();
  const moved: RelayAddress = { hostname: "127.0.0.1", port: 40111 };
  // A replayed register (the token already bound) never moves the binding.
  assert.deepEqual(relay.receive(register(ana, 1_000_001), moved, 5), []);
  assert.equal(relay.stats().dropped.replayed, 1);
  assert.deepEqual([...sends(relay.receive(video(1_000_002), BEA, 6)).keys()], [ANA.port]);
  // Repeating it from the bound address still refreshes and is acknowledged.
  assert.equal(relay.receive(register(ana, 1_000_001), ANA, 6).length, 1);
  // After a rebind the old token is dead and the fresh one moves the binding.
  const fresh = room.rebind("Ana");
  assert.deepEqual(relay.receive(register(ana, 1_000_001), moved, 7), []);
  assert.equal(relay.receive(register(fresh, 1_000_001), moved, 7).length, 1);
  assert.deepEqual([...sends(relay.receive(video(1_000_002), BEA, 8)).keys()], [moved.port]);
  assert.deepEqual(relay.receive(video(1_000_001), ANA, 8), []); // old address forgotten
  // The fresh token, once bound, cannot be replayed from elsewhere either.
  assert.deepEqual(relay.receive(register(fresh, 1_000_001), EVE, 9), []);
  assert.deepEqual([...sends(relay.receive(video(1_000_002), BEA, 9)).keys()], [moved.port]);
  relay.close();
});

Deno.test("Relay refuses a replayed register after bye, and a register onto another's address", () => {
  const { room, relay, ana } = twoMembers();
  relay.receive(
    encodeMediaPacket({ kind: MediaKind.Bye, clientId: 1_000_001, seq: 0, ts: 0 }),
    ANA,
    1,
  );
  assert.deepEqual(relay.receive(register(ana, 1_000_001), EVE, 2), []);
  assert.equal(relay.stats().dropped.replayed, 1);
  // A member's valid fresh register from Bea's bound address does not take it over.
  const fresh = room.rebind("Ana");
  assert.deepEqual(relay.receive(register(fresh, 1_000_001), BEA, 3), []);
  assert.equal(relay.stats().dropped.spoofed, 1);
  assert.equal(relay.receive(register(fresh, 1_000_001), ANA, 4).length, 1);
  relay.close();
});

Deno.test("Relay unbinds a member on bye and forwards nothing more to it", () => {
  const { relay } = twoMembers();
  relay.receive(
    encodeMediaPacket({ kind: MediaKind.Bye, clientId: 1_000_001, seq: 0, ts: 0 }),
    ANA,
    1,
  );
  assert.equal(relay.size, 1);
  assert.deepEqual(relay.receive(video(1_000_002), BEA, 2), []);
  relay.close();
});

Deno.test("Relay drops kinds a client may not send (registered)", () => {
  const { relay } = twoMembers();
  const ack = encodeMediaPacket({ kind: MediaKind.Registered, clientId: 1_000_001, seq: 0, ts: 0 });
  assert.deepEqual(relay.receive(ack, ANA, 1), []);
  assert.equal(relay.stats().dropped.unexpected_kind, 1);
  relay.close();
});

Deno.test("Relay translates v1 media to v2 receivers and v2 media to v1 receivers", () => {
  const { room, relay } = twoMembers();
  room.joinV1("Viejo", "10.0.0.7");
  const v1Frame = encodeV1Packet(123_456, JPEG);
  const out = sends(relay.receive(v1Frame, V1, 100));
  assert.deepEqual(room.learned, [["Viejo", 123_456]]);
  assert.deepEqual([...out.keys()], [ANA.port, BEA.port]);
  const got = decodeMediaPacket(out.get(ANA.port)!);
  assert.ok(got.ok);
  assert.equal(got.packet.kind, MediaKind.Video);
  assert.equal(got.packet.clientId, 123_456);
  assert.deepEqual(got.packet.payload, JPEG);
  // Ana's v2 frame reaches the v1 client as room 1 | Ana's id | JPEG, Bea gets the v2 bytes.
  const frame = video(1_000_001);
  const back = sends(relay.receive(frame, ANA, 101));
  assert.equal(back.get(BEA.port), frame);
  const v1 = decodeV1Packet(back.get(V1.port)!);
  assert.ok(v1.ok);
  assert.deepEqual(v1.packet, { room: 1, clientId: 1_000_001, payload: JPEG });
  // The v1 frame goes to the other v1 receivers unchanged (here: none besides itself).
  assert.equal(relay.stats().members.find((m) => m.name === "Viejo")?.protocol, 1);
  relay.close();
});

Deno.test("Relay refuses v1 media when v1 is off, or from an address with no v1 member", () => {
  const off = twoMembers({ acceptV1: false });
  off.room.joinV1("Viejo", "10.0.0.7");
  assert.deepEqual(off.relay.receive(encodeV1Packet(1, JPEG), V1, 1), []);
  assert.equal(off.relay.stats().dropped.v1_refused, 1);
  assert.deepEqual(off.room.learned, []);
  off.relay.close();

  const on = twoMembers();
  assert.deepEqual(on.relay.receive(encodeV1Packet(1, JPEG), V1, 1), []);
  assert.equal(on.relay.stats().dropped.v1_not_in_call, 1);
  on.relay.close();
});

Deno.test("Relay keeps a v1 client to its learned id and its address", () => {
  const { room, relay } = twoMembers();
  room.joinV1("Viejo", "10.0.0.7");
  relay.receive(encodeV1Packet(777, JPEG), V1, 1);
  assert.deepEqual(relay.receive(encodeV1Packet(778, JPEG), V1, 2), []);
  const other: RelayAddress = { hostname: "10.0.0.7", port: 50001 };
  assert.deepEqual(relay.receive(encodeV1Packet(779, JPEG), other, 2), []);
  // A v1 datagram may not take a v2 member's id either.
  room.joinV1("Otro", "10.0.0.8");
  assert.deepEqual(
    relay.receive(encodeV1Packet(1_000_001, JPEG), { hostname: "10.0.0.8", port: 1 }, 3),
    [],
  );
  assert.equal(relay.stats().dropped.spoofed, 3);
  // Its own id from another port of its IP does not move the binding either.
  assert.deepEqual(relay.receive(encodeV1Packet(777, JPEG), other, 4), []);
  assert.equal(relay.stats().dropped.spoofed, 4);
  assert.equal(relay.receive(encodeV1Packet(777, JPEG), V1, 5).length, 1);
  relay.close();
});

Deno.test("Relay matches IPv4-mapped IPv6 sources to v1 members by their IPv4 address", () => {
  const { room, relay } = twoMembers();
  room.joinV1("Viejo", "10.0.0.7");
  const mapped: RelayAddress = { hostname: "::ffff:10.0.0.7", port: 50000 };
  assert.equal(relay.receive(encodeV1Packet(777, JPEG), mapped, 1).length, 1);
  relay.close();
});

Deno.test("Relay never sends to an address that did not register, whatever it receives", () => {
  const { room, relay } = twoMembers();
  room.joinV1("Viejo", "10.0.0.7");
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const bound = new Set([ANA.port, BEA.port]);
  for (let i = 0; i < 3000; i++) {
    const bytes = new Uint8Array(Math.floor(random() * 40));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
    if (i % 2 === 0 && bytes.length > 8) bytes.set([0x50, 0x33, 2, 1 + (i % 6)]);
    const from = { hostname: "127.0.0.1", port: 41000 + (i % 50) };
    for (const o of relay.receive(bytes, from, i)) {
      for (const to of o.to) assert.ok(bound.has(to.port), `sent to ${to.port}`);
    }
  }
  relay.close();
});

Deno.test("Relay watches the room's call until close(); the room takes one listener", () => {
  const room = new FakeRoom();
  const relay = new Relay(room, { acceptV1: true });
  assert.equal(room.watched, true);
  assert.throws(() => new Relay(room, { acceptV1: true }), /already has a listener/);
  relay.close();
  relay.close();
  assert.equal(room.watched, false);
  const next = new Relay(room, { acceptV1: true });
  assert.equal(room.watched, true, "a new relay may watch once the old one closed");
  next.close();
});
