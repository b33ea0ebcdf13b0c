import assert from "node:assert/strict";
import { decodeMessage, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import {
  decodeMediaPacket,
  encodeMediaPacket,
  encodeV1Packet,
  MediaKind,
  tokenToBytes,
} from "../lib/protocol/media_packet.ts";
import { Relay } from "../lib/server/relay/relay.ts";
import type { RelayAddress } from "../lib/server/relay/types.ts";
import { Room } from "../lib/server/room/room.ts";

const JPEG = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 7, 7, 0xff, 0xd9);
const encoder = new TextEncoder();

/** A member connected to a real Room through fake send/close callbacks. */
function member(room: Room, ip: string, port: number, hello: Message) {
  const decoder = new FrameDecoder();
  const frames: Message[] = [];
  const conn = room.connect({
    ip,
    port,
    send(bytes) {
      decoder.push(bytes);
      let p: Uint8Array | null;
      while ((p = decoder.next()) !== null) frames.push(decodeMessage(p));
      return true;
    },
    close() {},
  });
  const say = (m: Message) => conn.receive(encoder.encode(JSON.stringify(m)));
  say(hello);
  return { conn, frames, say };
}

function joinCall(m: ReturnType<typeof member>): { token: string; clientId: number } {
  m.say({ type: "call", action: "start" });
  const joined = m.frames.findLast((f) => f.type === "call_joined");
  assert.ok(joined, "call_joined received");
  return { token: String(joined.token), clientId: Number(joined.client_id) };
}

function register(token: string, clientId: number): Uint8Array {
  return encodeMediaPacket({
    kind: MediaKind.Register,
    clientId,
    seq: 0,
    ts: 0,
    payload: tokenToBytes(token),
  });
}

function video(clientId: number): Uint8Array {
  return encodeMediaPacket({ kind: MediaKind.Video, clientId, seq: 0, ts: 0, payload: JPEG });
}

const ANA: RelayAddress = { hostname: "10.0.0.1", port: 5001 };
const BEA: RelayAddress = { hostname: "10.0.0.2", port: 5002 };
const VIEJO: RelayAddress = { hostname: "10.0.0.3", port: 5003 };

function setup() {
  const room = new Room({ lang: "en" });
  const ana = member(room, "10.0.0.1", 40001, { type: "hello", version: 2, name: "Ana" });
  const bea = member(room, "10.0.0.2", 40002, { type: "hello", version: 2, name: "Bea" });
  const relay = new Relay(room, { acceptV1: true, silenceMs: 10_000 });
  const a = joinCall(ana);
  const b = joinCall(bea);
  assert.equal(relay.receive(register(a.token, a.clientId), ANA, 0).length, 1);
  assert.equal(relay.receive(register(b.token, b.clientId), BEA, 0).length, 1);
  return { room, relay, ana, bea, a, b };
}

Deno.test("Relay with the real Room: tokens from call_joined register and frames flow", () => {
  const { relay, a, b } = setup();
  const out = relay.receive(video(a.clientId), ANA, 1);
  assert.deepEqual(out.map((o) => o.to), [[BEA]]);
  assert.deepEqual(relay.receive(video(b.clientId), BEA, 1)[0].to, [ANA]);
  relay.close();
});

Deno.test("Relay with the real Room: a register from another IP than the chat's is refused", () => {
  const { relay, a } = setup();
  const elsewhere = { hostname: "10.0.0.99", port: 5001 };
  assert.deepEqual(relay.receive(register(a.token, a.clientId), elsewhere, 2), []);
  assert.equal(relay.stats().dropped.spoofed, 1);
  relay.close();
});

Deno.test("Relay with the real Room: call stop unbinds the member at once", () => {
  const { relay, bea, a, b } = setup();
  bea.say({ type: "call", action: "stop" });
  assert.deepEqual(relay.receive(video(a.clientId), ANA, 1), []);
  assert.deepEqual(relay.receive(video(b.clientId), BEA, 1), []);
  assert.equal(relay.size, 1);
  relay.close();
});

Deno.test("Relay with the real Room: silence makes the room announce a media_timeout stop", () => {
  const { relay, ana, bea, b } = setup();
  relay.receive(
    encodeMediaPacket({ kind: MediaKind.Keepalive, clientId: b.clientId, seq: 0, ts: 0 }),
    BEA,
    9_000,
  );
  relay.tick(10_001);
  const stop = bea.frames.find((f) => f.type === "call" && f.action === "stop");
  assert.ok(stop, "a call stop event");
  assert.equal(stop.from, "Ana");
  assert.equal(stop.reason, "media_timeout");
  assert.ok(ana.frames.some((f) => f.type === "call" && f.action === "stop"));
  assert.deepEqual(relay.stats().members.map((m) => m.name), ["Bea"]);
  relay.close();
});

Deno.test("Relay with the real Room: a v1 member's first datagram teaches its id to everyone", () => {
  const { room, relay, ana, a } = setup();
  const viejo = member(room, "10.0.0.3", 40003, { name: "Viejo" });
  viejo.say({ type: "call", action: "start" });
  const out = relay.receive(encodeV1Packet(424_242, JPEG), VIEJO, 5);
  assert.equal(out.length, 1);
  const translated = decodeMediaPacket(out[0].bytes);
  assert.ok(translated.ok);
  assert.equal(translated.packet.clientId, 424_242);
  const media = ana.frames.find((f) => f.type === "call" && f.action === "media");
  assert.ok(media, "a call media event");
  assert.deepEqual([media.from, media.client_id], ["Viejo", 424_242]);
  const viejoRef = room.callMembers().find((m) => m.name === "Viejo");
  assert.deepEqual([viejoRef?.name, viejoRef?.clientId, viejoRef?.video], [
    "Viejo",
    424_242,
    "mjpeg",
  ]);
  // Ana's frames now reach the v1 member too.
  const back = relay.receive(video(a.clientId), ANA, 6);
  assert.ok(back.some((o) => o.to.some((to) => to.port === VIEJO.port)));
  relay.close();
});

Deno.test("Relay with the real Room: a muted member's audio is dropped until it unmutes", () => {
  const room = new Room({ lang: "en" });
  const ana = member(room, "10.0.0.1", 40001, { type: "hello", version: 2, name: "Ana" });
  const bea = member(room, "10.0.0.2", 40002, { type: "hello", version: 2, name: "Bea" });
  const relay = new Relay(room, { acceptV1: true });
  const talk = { type: "call", action: "start", audio: true, muted: false };
  ana.say(talk);
  bea.say(talk);
  const [a, b] = [ana, bea].map((m) => {
    const joined = m.frames.findLast((f) => f.type === "call_joined")!;
    return { token: String(joined.token), clientId: Number(joined.client_id) };
  });
  relay.receive(register(a.token, a.clientId), ANA, 0);
  relay.receive(register(b.token, b.clientId), BEA, 0);
  const audio = (seq: number) =>
    encodeMediaPacket({ kind: MediaKind.Audio, clientId: a.clientId, seq, ts: 0, payload: JPEG });
  assert.deepEqual(relay.receive(audio(1), ANA, 1).map((o) => o.to), [[BEA]]);
  // Muted (by itself here; the teacher's /mute goes through the same call state): dropped,
  // so a client that ignores its mute is not heard either.
  ana.say({ type: "call", action: "mute" });
  assert.deepEqual(relay.receive(audio(2), ANA, 2), []);
  assert.equal(relay.stats().dropped.muted, 1);
  ana.say({ type: "call", action: "unmute" });
  assert.deepEqual(relay.receive(audio(3), ANA, 3).map((o) => o.to), [[BEA]]);
  relay.close();
});
