/**
 * The real relay (lib/server/relay/udp_server.ts) with the real Room and the real call
 * client (lib/media/call_media.ts, ffmpeg's test source): the pieces the other tests
 * exercise against fakes, put together.
 */
import assert from "node:assert/strict";
import { CallMedia, type CallMediaOptions } from "../lib/media/call_media.ts";
import { decodeMessage, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import { serveMedia } from "../lib/server/relay/udp_server.ts";
import { Room } from "../lib/server/room/room.ts";
import { waitFor } from "./wait.ts";

const encoder = new TextEncoder();

function member(room: Room, name: string, port: number) {
  const decoder = new FrameDecoder();
  const frames: Message[] = [];
  const conn = room.connect({
    ip: "127.0.0.1",
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
  say({ type: "hello", version: 2, name });
  say({ type: "call", action: "start" });
  const joined = frames.findLast((f) => f.type === "call_joined");
  assert.ok(joined, "call_joined");
  return { say, frames, token: String(joined.token), clientId: Number(joined.client_id) };
}

Deno.test("CallMedia clients register with the real relay and see each other's video", async () => {
  const room = new Room({ lang: "en" });
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const server = serveMedia(socket, { room, acceptV1: true });
  const mediaPort = (socket.addr as Deno.NetAddr).port;
  const ana = member(room, "Ana", 40001);
  const bea = member(room, "Bea", 40002);
  const members = room.callMembers();
  const options = (who: typeof ana): CallMediaOptions => ({
    host: "127.0.0.1",
    mediaPort,
    token: who.token,
    clientId: who.clientId,
    source: "test",
    view: "none",
    width: 160,
    height: 120,
    fps: 15,
    lang: "en",
    log() {},
    onLeave() {},
  });
  const a = await CallMedia.start(options(ana));
  const b = await CallMedia.start(options(bea));
  try {
    a.setMembers(members);
    b.setMembers(members);
    await waitFor(() => a.registered && b.registered, {
      message: "both registered",
      timeoutMs: 15_000,
    });
    await waitFor(() => a.counters.received > 5 && b.counters.received > 5, {
      message: "frames both ways",
      timeoutMs: 15_000,
    });
    const stats = server.stats();
    assert.deepEqual(stats.members.map((m) => [m.name, m.protocol]), [["Ana", 2], ["Bea", 2]]);
    assert.equal(stats.dropped.spoofed + stats.dropped.malformed + stats.dropped.too_large, 0);
    assert.match(b.statsLines().join("\n"), /Ana: [\d.]+ fps/);

    // Bea leaves the call on the chat port: the relay drops her binding at once.
    bea.say({ type: "call", action: "stop" });
    assert.deepEqual(server.stats().members.map((m) => m.name), ["Ana"]);
  } finally {
    await a.close();
    await b.close();
    await server.close();
  }
});
