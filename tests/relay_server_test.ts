import assert from "node:assert/strict";
import {
  decodeMediaPacket,
  encodeMediaPacket,
  MediaKind,
  type MediaPacket,
  tokenToBytes,
} from "../lib/protocol/media_packet.ts";
import { formatRelayStats } from "../lib/server/relay/report.ts";
import { type MediaServer, serveMedia } from "../lib/server/relay/udp_server.ts";
import { FakeClock } from "./fake_clock.ts";
import { FakeRoom } from "./relay_fake_room.ts";
import { portOf, receive, to, type Udp, udp } from "./udp_helpers.ts";
import { waitFor } from "./wait.ts";

const JPEG = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9);

async function receiveV2(socket: Udp): Promise<MediaPacket> {
  const decoded = decodeMediaPacket(await receive(socket));
  assert.ok(decoded.ok, "a valid v2 datagram");
  return decoded.packet;
}

/** Polls `check` until it holds (bounded by the suite's deadline). */
function until(check: () => boolean, what: string): Promise<void> {
  return waitFor(check, { message: what });
}

async function registerOver(
  socket: Udp,
  relayPort: number,
  token: string,
  clientId: number,
): Promise<MediaPacket> {
  const bytes = encodeMediaPacket({
    kind: MediaKind.Register,
    clientId,
    seq: 1,
    ts: 99,
    payload: tokenToBytes(token),
  });
  await socket.send(bytes, { transport: "udp", hostname: "127.0.0.1", port: relayPort });
  return await receiveV2(socket);
}

function video(clientId: number, seq: number): Uint8Array {
  return encodeMediaPacket({ kind: MediaKind.Video, clientId, seq, ts: 0, payload: JPEG });
}

interface Setup {
  room: FakeRoom;
  server: MediaServer;
  relayPort: number;
  ana: Udp;
  bea: Udp;
  anaToken: string;
  beaToken: string;
  logs: string[];
}

async function setup(
  options: { silenceMs?: number; room?: FakeRoom; clock?: FakeClock } = {},
): Promise<Setup> {
  const room = options.room ?? new FakeRoom();
  const socket = udp();
  const logs: string[] = [];
  const server = serveMedia(socket, {
    room,
    acceptV1: true,
    silenceMs: options.silenceMs,
    log: (line) => logs.push(line),
    clock: options.clock,
  });
  const relayPort = portOf(socket);
  const ana = udp();
  const bea = udp();
  const anaToken = room.joinV2("Ana", 1_000_001);
  const beaToken = room.joinV2("Bea", 1_000_002);
  const ackA = await registerOver(ana, relayPort, anaToken, 1_000_001);
  const ackB = await registerOver(bea, relayPort, beaToken, 1_000_002);
  assert.equal(ackA.kind, MediaKind.Registered);
  assert.equal(ackB.clientId, 1_000_002);
  return { room, server, relayPort, ana, bea, anaToken, beaToken, logs };
}

async function teardown(s: Setup, ...more: Udp[]): Promise<void> {
  await s.server.close();
  for (const socket of [s.ana, s.bea, ...more]) socket.close();
}

Deno.test("serveMedia() acknowledges registers and relays frames between members over UDP", async () => {
  const s = await setup();
  await s.ana.send(video(1_000_001, 1), to(s.relayPort));
  const got = await receiveV2(s.bea);
  assert.equal(got.kind, MediaKind.Video);
  assert.equal(got.clientId, 1_000_001);
  assert.equal(got.seq, 1);
  assert.deepEqual(got.payload, JPEG);
  await s.bea.send(video(1_000_002, 7), to(s.relayPort));
  const back = await receiveV2(s.ana);
  assert.equal(back.clientId, 1_000_002);
  const stats = s.server.stats();
  assert.equal(stats.frames, 2);
  assert.equal(stats.sendErrors, 0);
  assert.ok(formatRelayStats(stats, "en")[0].startsWith("Video relay: "));
  assert.ok(formatRelayStats(stats, "es")[0].startsWith("Relé de vídeo: "));
  await teardown(s);
});

Deno.test("serveMedia() sends nothing to an address that never registered", async () => {
  const s = await setup();
  const eve = udp();
  const eveGot = eve.receive();
  // Eve spoofs Ana's id, tries a wrong token, sends garbage and an oversized datagram.
  await eve.send(video(1_000_001, 1), to(s.relayPort));
  await eve.send(
    encodeMediaPacket({
      kind: MediaKind.Register,
      clientId: 1_000_001,
      seq: 0,
      ts: 0,
      payload: tokenToBytes("ab".repeat(16)),
    }),
    to(s.relayPort),
  );
  await eve.send(Uint8Array.of(1, 2, 3), to(s.relayPort));
  const huge = new Uint8Array(65_000);
  huge.set([0x50, 0x33, 2, 3]);
  await eve.send(huge, to(s.relayPort));
  // A legitimate frame sent afterwards arrives, so Eve's datagrams were handled first.
  await s.ana.send(video(1_000_001, 2), to(s.relayPort));
  assert.equal((await receiveV2(s.bea)).seq, 2);
  const stats = s.server.stats();
  assert.equal(stats.dropped.unregistered, 1);
  assert.equal(stats.dropped.bad_token, 1);
  assert.equal(stats.dropped.malformed, 1);
  assert.equal(stats.dropped.too_large, 1);
  eve.close();
  // Eve's pending receive ends with the close, not with a datagram.
  await assert.rejects(eveGot);
  await teardown(s);
});

Deno.test("serveMedia() forgets a silent member and takes it out of the call (fake clock)", async () => {
  const clock = new FakeClock(1_000_000);
  const s = await setup({ silenceMs: 10_000, clock });
  // Bea sends a keepalive every 2 s of fake time; Ana says nothing.
  const keepalive = encodeMediaPacket({
    kind: MediaKind.Keepalive,
    clientId: 1_000_002,
    seq: 0,
    ts: 0,
  });
  const received = () => s.server.stats().received;
  for (let second = 0; second < 12 && s.room.left.length === 0; second += 2) {
    const before = received();
    await s.bea.send(keepalive, to(s.relayPort));
    await until(() => received() > before, "the relay to receive Bea's keepalive");
    clock.advance(2_000);
  }
  await until(() => s.room.left.length > 0, "Ana's media timeout");
  assert.deepEqual(s.room.left, [["Ana", "media_timeout"]]);
  assert.deepEqual(s.server.stats().members.map((m) => m.name), ["Bea"]);
  await teardown(s);
});

Deno.test("serveMedia() survives a room hook that throws and keeps relaying", async () => {
  const room = new FakeRoom();
  const s = await setup({ room });
  const eve = udp();
  const original = room.callByToken.bind(room);
  room.callByToken = (token: string) => {
    if (token === "cd".repeat(16)) throw new Error("Room exploded");
    return original(token);
  };
  await eve.send(
    encodeMediaPacket({
      kind: MediaKind.Register,
      clientId: 5,
      seq: 0,
      ts: 0,
      payload: tokenToBytes("cd".repeat(16)),
    }),
    to(s.relayPort),
  );
  await s.ana.send(video(1_000_001, 3), to(s.relayPort));
  assert.equal((await receiveV2(s.bea)).seq, 3);
  assert.equal(s.logs.length, 1);
  assert.match(s.logs[0], /Room exploded/);
  await teardown(s, eve);
});

Deno.test("serveMedia() close() is safe twice and releases the socket", async () => {
  const room = new FakeRoom();
  const socket = udp();
  const server = serveMedia(socket, { room, acceptV1: false });
  await server.close();
  await server.close();
  assert.throws(() => socket.close()); // already closed by the server
  assert.equal(room.watched, false, "the relay unregistered from the room's call");
});

Deno.test("serveMedia() stops its timer when the socket is closed under it", async () => {
  const room = new FakeRoom();
  const socket = udp();
  const server = serveMedia(socket, { room, acceptV1: true });
  socket.close();
  // Give the loop a turn to see the closed socket; the sanitizer fails the test if the
  // interval were still armed when it ends.
  await until(() => !room.watched, "the relay to let go of the room");
  await server.close();
});
