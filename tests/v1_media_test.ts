import assert from "node:assert/strict";
import {
  decodeMediaPacket,
  decodeV1Packet,
  encodeMediaPacket,
  encodeV1Packet,
  MediaKind,
  tokenToBytes,
} from "../lib/protocol/media_packet.ts";
import { serveMedia } from "../lib/server/relay/udp_server.ts";
import { FakeRoom } from "./relay_fake_room.ts";
import { receive, to, udp } from "./udp_helpers.ts";
import { RawClient } from "./chat_test_client.ts";
import { parseServerArgs } from "../lib/server/args.ts";
import { startServer } from "../server.ts";

const JPEG_A = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0xaa, 0xff, 0xd9);
const JPEG_B = Uint8Array.of(0xff, 0xd8, 0xff, 0xdb, 0xbb, 0xbb, 0xff, 0xd9);

/** A relay with one registered v2 client (Ana) and a v1 member (Viejo) at 127.0.0.1. */
async function setup(acceptV1: boolean) {
  const room = new FakeRoom();
  const relaySocket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const relayPort = (relaySocket.addr as Deno.NetAddr).port;
  const server = serveMedia(relaySocket, { room, acceptV1 });
  const v2 = udp();
  const v1 = udp();
  const token = room.joinV2("Ana", 1_000_001);
  room.joinV1("Viejo", "127.0.0.1");
  await v2.send(
    encodeMediaPacket({
      kind: MediaKind.Register,
      clientId: 1_000_001,
      seq: 0,
      ts: 0,
      payload: tokenToBytes(token),
    }),
    to(relayPort),
  );
  const ack = decodeMediaPacket(await receive(v2));
  assert.ok(ack.ok && ack.packet.kind === MediaKind.Registered);
  return { room, server, relayPort, v1, v2 };
}

Deno.test("A raw v1 client and a v2 client exchange frames through the relay", async () => {
  const { room, server, relayPort, v1, v2 } = await setup(true);
  // The v1 client speaks first, as the original does: room 1 | its id | JPEG.
  await v1.send(encodeV1Packet(654_321, JPEG_A), to(relayPort));
  const atV2 = decodeMediaPacket(await receive(v2));
  assert.ok(atV2.ok);
  assert.equal(atV2.packet.kind, MediaKind.Video);
  assert.equal(atV2.packet.clientId, 654_321);
  assert.deepEqual(atV2.packet.payload, JPEG_A);
  assert.deepEqual(room.learned, [["Viejo", 654_321]]);

  // The v2 client's frame reaches the v1 client with a v1 header.
  await v2.send(
    encodeMediaPacket({
      kind: MediaKind.Video,
      clientId: 1_000_001,
      seq: 1,
      ts: 0,
      payload: JPEG_B,
    }),
    to(relayPort),
  );
  const atV1 = decodeV1Packet(await receive(v1));
  assert.ok(atV1.ok);
  assert.deepEqual(atV1.packet, { room: 1, clientId: 1_000_001, payload: JPEG_B });

  // More v1 frames keep flowing and are counted for the v1 member.
  await v1.send(encodeV1Packet(654_321, JPEG_B), to(relayPort));
  const again = decodeMediaPacket(await receive(v2));
  assert.ok(again.ok);
  assert.deepEqual(again.packet.payload, JPEG_B);
  const viejo = server.stats().members.find((m) => m.name === "Viejo");
  assert.deepEqual([viejo?.protocol, viejo?.framesIn, viejo?.framesOut], [1, 2, 1]);
  await server.close();
  v1.close();
  v2.close();
});

Deno.test("With v1 media off, v1 datagrams are dropped and the v1 client gets nothing", async () => {
  const { room, server, relayPort, v1, v2 } = await setup(false);
  const v1Got = v1.receive();
  await v1.send(encodeV1Packet(654_321, JPEG_A), to(relayPort));
  // Ana's frame afterwards goes nowhere (she is alone among bound members) and is not echoed.
  await v2.send(
    encodeMediaPacket({
      kind: MediaKind.Video,
      clientId: 1_000_001,
      seq: 1,
      ts: 0,
      payload: JPEG_B,
    }),
    to(relayPort),
  );
  // A register repeat is answered, which proves both earlier datagrams were handled.
  await v2.send(
    encodeMediaPacket({
      kind: MediaKind.Register,
      clientId: 1_000_001,
      seq: 2,
      ts: 0,
      payload: tokenToBytes(room.members.get("Ana")!.token),
    }),
    to(relayPort),
  );
  const ack = decodeMediaPacket(await receive(v2));
  assert.ok(ack.ok);
  assert.equal(ack.packet.kind, MediaKind.Registered, "no video came back to the sender");
  const stats = server.stats();
  assert.equal(stats.dropped.v1_refused, 1);
  assert.equal(stats.frames, 1);
  assert.equal(stats.sent, 2, "two acks and nothing else");
  assert.deepEqual(room.learned, []);
  v1.close();
  await assert.rejects(v1Got);
  await server.close();
  v2.close();
});

// ---- Through the whole server (server.ts): chat signaling on TCP, media on UDP ----

async function startWholeServer(v1Media: "on" | "off") {
  const storage = await Deno.makeTempDir({ prefix: "pc3_media_" });
  const parsed = parseServerArgs([
    "--host=127.0.0.1",
    "--chat-port=0",
    "--file-port=0",
    "--media-port=0",
    `--storage=${storage}`,
    "--lang=en",
    `--v1-media=${v1Media}`,
  ]);
  assert.equal(parsed.kind, "run");
  if (parsed.kind !== "run") throw new Error("Bad flags");
  const lines: string[] = [];
  const server = await startServer(parsed.config, {
    print: (l) => lines.push(l),
    error: (l) => lines.push(l),
  });
  return {
    server,
    lines,
    async stop() {
      await server.close();
      await Deno.remove(storage, { recursive: true });
    },
  };
}

Deno.test("server.ts: a v1 client and a v2 client share call video, v1 id announced in chat", async () => {
  const s = await startWholeServer("on");
  assert.ok(s.lines.some((l) => /v1/i.test(l) && /accepted/i.test(l)), s.lines.join("\n"));
  const { client: ana } = await RawClient.hello(s.server.chatPort, "Ana");
  const viejo = await RawClient.open(s.server.chatPort);
  await viejo.send({ name: "Viejo" });
  await ana.until((m) => m.type === "system" && m.name === "Viejo");
  await ana.send({ type: "call", action: "start" });
  const joined = await ana.until((m) => m.type === "call_joined");
  assert.ok(joined);
  await viejo.send({ type: "call", action: "start" });
  await ana.until((m) => m.type === "call" && m.from === "Viejo" && m.action === "start");

  const v2 = udp();
  const v1 = udp();
  const media = s.server.mediaPort;
  await v2.send(
    encodeMediaPacket({
      kind: MediaKind.Register,
      clientId: Number(joined.client_id),
      seq: 0,
      ts: 0,
      payload: tokenToBytes(String(joined.token)),
    }),
    to(media),
  );
  const ack = decodeMediaPacket(await receive(v2));
  assert.ok(ack.ok && ack.packet.kind === MediaKind.Registered);

  await v1.send(encodeV1Packet(111_222, JPEG_A), to(media));
  const atV2 = decodeMediaPacket(await receive(v2));
  assert.ok(atV2.ok);
  assert.equal(atV2.packet.clientId, 111_222);
  const learned = await ana.until((m) => m.type === "call" && m.action === "media");
  assert.deepEqual([learned?.from, learned?.client_id], ["Viejo", 111_222]);

  await v2.send(
    encodeMediaPacket({
      kind: MediaKind.Video,
      clientId: Number(joined.client_id),
      seq: 1,
      ts: 0,
      payload: JPEG_B,
    }),
    to(media),
  );
  const atV1 = decodeV1Packet(await receive(v1));
  assert.ok(atV1.ok);
  assert.deepEqual(atV1.packet, { room: 1, clientId: Number(joined.client_id), payload: JPEG_B });

  v1.close();
  v2.close();
  ana.close();
  viejo.close();
  await s.stop();
  assert.ok(s.lines.some((l) => l.startsWith("Video relay: ")), s.lines.join("\n"));
});

Deno.test("server.ts with --v1-media off says so and relays no v1 datagram", async () => {
  const s = await startWholeServer("off");
  assert.ok(s.lines.some((l) => /v1/i.test(l) && /refused/i.test(l)), s.lines.join("\n"));
  const viejo = await RawClient.open(s.server.chatPort);
  await viejo.send({ name: "Viejo" });
  await viejo.send({ type: "call", action: "start" });
  await viejo.until((m) => m.type === "call");
  const { client: ana } = await RawClient.hello(s.server.chatPort, "Ana");
  await ana.send({ type: "call", action: "start" });
  const joined = await ana.until((m) => m.type === "call_joined");
  assert.ok(joined);
  const v1 = udp();
  const v2 = udp();
  await v1.send(encodeV1Packet(111_222, JPEG_A), to(s.server.mediaPort));
  // The register is queued after the v1 datagram: its ack proves both were handled.
  await v2.send(
    encodeMediaPacket({
      kind: MediaKind.Register,
      clientId: Number(joined.client_id),
      seq: 0,
      ts: 0,
      payload: tokenToBytes(String(joined.token)),
    }),
    to(s.server.mediaPort),
  );
  const ack = decodeMediaPacket(await receive(v2));
  assert.ok(ack.ok && ack.packet.kind === MediaKind.Registered);
  // The relay's own stats line at shutdown counts the refusal.
  viejo.close();
  ana.close();
  v2.close();
  await s.stop();
  v1.close();
  assert.ok(s.lines.some((l) => /v1_refused=1/.test(l)), s.lines.join("\n"));
});
