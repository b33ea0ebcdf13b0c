/**
 * The relay's per-kind forwarding (PROTOCOL.md 5.5): audio to every other v2
 * member only, H.264 only to H.264 receivers, MJPEG only to MJPEG receivers
 * (and to H.264 receivers of a sender that cannot send H.264), rate limits.
 */
import assert from "node:assert/strict";
import type { VideoCodec } from "../lib/protocol/call_codecs.ts";
import {
  encodeH264Payload,
  encodeMediaPacket,
  encodeV1Packet,
  MediaKind,
  tokenToBytes,
} from "../lib/protocol/media_packet.ts";
import { Relay } from "../lib/server/relay/relay.ts";
import type { Outgoing, RelayAddress } from "../lib/server/relay/types.ts";
import { FakeRoom } from "./relay_fake_room.ts";

const JPEG = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 10, 20, 30, 0xff, 0xd9);
const AU = encodeH264Payload(Uint8Array.of(0, 0, 0, 1, 0x65, 0x88, 0x84), true);
const at = (port: number): RelayAddress => ({ hostname: "127.0.0.1", port });
const V1: RelayAddress = { hostname: "10.0.0.7", port: 50000 };

function packet(kind: MediaKind, clientId: number, payload?: Uint8Array, seq = 0): Uint8Array {
  return encodeMediaPacket({ kind, clientId, seq, ts: 0, payload });
}

function ports(out: Outgoing[]): number[] {
  return out.flatMap((o) => o.to.map((to) => to.port)).sort();
}

/** H (h264 first, port 1), M (mjpeg only, port 2), T (mjpeg first but can h264, port 3) and a v1 member. */
function call() {
  const room = new FakeRoom();
  const relay = new Relay(room, { acceptV1: true });
  const offers: Array<[string, number, VideoCodec[]]> = [
    ["H", 1, ["h264", "mjpeg"]],
    ["M", 2, ["mjpeg"]],
    ["T", 3, ["mjpeg", "h264"]],
  ];
  for (const [name, n, offer] of offers) {
    const token = room.joinV2(name, 1_000_000 + n, "127.0.0.1", offer);
    assert.equal(
      relay.receive(packet(MediaKind.Register, 1_000_000 + n, tokenToBytes(token)), at(n), 0)
        .length,
      1,
    );
  }
  room.joinV1("Viejo", "10.0.0.7");
  assert.equal(relay.receive(encodeV1Packet(4242, JPEG), V1, 0).length, 1);
  return { room, relay };
}

Deno.test("Relay forwards audio unchanged to every other v2 member, never to v1, never back", () => {
  const { relay } = call();
  const audio = packet(MediaKind.Audio, 1_000_001, Uint8Array.of(0xfc, 1, 2));
  const out = relay.receive(audio, at(1), 10);
  assert.deepEqual(ports(out), [2, 3]);
  assert.equal(out[0].bytes, audio);
  assert.equal(relay.stats().audio, 1);
  relay.close();
});

Deno.test("Relay limits audio to 100 packets/s per sender (bursts of 100), apart from video", () => {
  const { relay } = call();
  let passed = 0;
  for (let i = 0; i < 150; i++) {
    const out = relay.receive(packet(MediaKind.Audio, 1_000_002, Uint8Array.of(1), i), at(2), 10);
    if (out.length > 0) passed++;
  }
  assert.equal(passed, 100);
  assert.equal(relay.stats().dropped.rate_limited, 50);
  // Video of the same sender is not charged for the audio.
  assert.ok(relay.receive(packet(MediaKind.Video, 1_000_002, JPEG), at(2), 10).length > 0);
  // 100 ms later, 10 more packets pass.
  let later = 0;
  for (let i = 0; i < 20; i++) {
    if (
      relay.receive(packet(MediaKind.Audio, 1_000_002, Uint8Array.of(1)), at(2), 110).length > 0
    ) later++;
  }
  assert.equal(later, 10);
  relay.close();
});

Deno.test("Relay sends H.264 only to members receiving H.264", () => {
  const { relay } = call();
  const h264 = packet(MediaKind.H264, 1_000_003, AU);
  const out = relay.receive(h264, at(3), 10);
  assert.deepEqual(ports(out), [1]);
  assert.equal(out[0].bytes, h264);
  relay.close();
});

Deno.test("Relay sends MJPEG only to MJPEG receivers when its sender also sends H.264", () => {
  const { relay } = call();
  // H can send H.264, so its MJPEG is for M, T and the v1 member only.
  assert.deepEqual(
    ports(relay.receive(packet(MediaKind.Video, 1_000_001, JPEG), at(1), 10)),
    [
      2,
      3,
      V1.port,
    ].sort(),
  );
  // M cannot send H.264: its MJPEG also goes to H.
  assert.deepEqual(
    ports(relay.receive(packet(MediaKind.Video, 1_000_002, JPEG), at(2), 10)),
    [
      1,
      3,
      V1.port,
    ].sort(),
  );
  // v1 video (translated) goes to every v2 member.
  assert.deepEqual(ports(relay.receive(encodeV1Packet(4242, JPEG), V1, 10)), [1, 2, 3]);
  relay.close();
});

Deno.test("Relay limits video and H.264 per sender apart: a sender of both is not cut", () => {
  const { relay } = call();
  let mjpeg = 0;
  let h264 = 0;
  for (let i = 0; i < 60; i++) {
    if (relay.receive(packet(MediaKind.Video, 1_000_003, JPEG, i), at(3), 10).length > 0) mjpeg++;
    if (relay.receive(packet(MediaKind.H264, 1_000_003, AU, i), at(3), 10).length > 0) h264++;
  }
  assert.deepEqual([mjpeg, h264], [60, 60]);
  assert.equal(relay.receive(packet(MediaKind.H264, 1_000_003, AU, 61), at(3), 10).length, 0);
  assert.equal(relay.stats().dropped.rate_limited, 1);
  relay.close();
});
