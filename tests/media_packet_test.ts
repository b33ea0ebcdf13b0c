import assert from "node:assert/strict";
import {
  bytesToToken,
  decodeH264Payload,
  decodeMediaPacket,
  decodeV1Packet,
  encodeH264Payload,
  encodeMediaPacket,
  encodeV1Packet,
  H264_KEYFRAME,
  HEADER_SIZE,
  isV2Datagram,
  MAX_DATAGRAM,
  MAX_OPUS_PACKET,
  MAX_PAYLOAD,
  MediaKind,
  tokenToBytes,
} from "../lib/protocol/media_packet.ts";

const JPEG = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9);

Deno.test("encodeMediaPacket() writes the 16-byte header field by field", () => {
  const bytes = encodeMediaPacket({
    kind: MediaKind.Video,
    clientId: 1_000_042,
    seq: 0x01020304,
    ts: 0xa0b0c0d0,
    payload: JPEG,
  });
  assert.equal(bytes.length, HEADER_SIZE + JPEG.length);
  assert.deepEqual(
    [...bytes.subarray(0, HEADER_SIZE)],
    [0x50, 0x33, 2, 3, 0x00, 0x0f, 0x42, 0x6a, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0],
  );
  assert.deepEqual(bytes.subarray(HEADER_SIZE), JPEG);
});

Deno.test("decodeMediaPacket() reads back what encodeMediaPacket() wrote, for every kind", () => {
  const token = tokenToBytes("00112233445566778899aabbccddeeff");
  const cases = [
    { kind: MediaKind.Register, payload: token },
    { kind: MediaKind.Registered, payload: new Uint8Array(0) },
    { kind: MediaKind.Video, payload: JPEG },
    { kind: MediaKind.Audio, payload: Uint8Array.of(1, 2) },
    { kind: MediaKind.Keepalive, payload: new Uint8Array(0) },
    { kind: MediaKind.Bye, payload: new Uint8Array(0) },
    { kind: MediaKind.H264, payload: Uint8Array.of(H264_KEYFRAME, 0, 0, 0, 1, 0x65) },
  ];
  for (const c of cases) {
    const bytes = encodeMediaPacket({ ...c, clientId: 4_294_967_295, seq: 9, ts: 77 });
    const result = decodeMediaPacket(bytes);
    assert.ok(result.ok, `kind ${c.kind}`);
    assert.equal(result.packet.kind, c.kind);
    assert.equal(result.packet.clientId, 4_294_967_295);
    assert.equal(result.packet.seq, 9);
    assert.equal(result.packet.ts, 77);
    assert.deepEqual(result.packet.payload, c.payload);
  }
});

Deno.test("encodeMediaPacket() wraps seq and ts modulo 2^32", () => {
  const now = 1_764_035_000_123;
  const result = decodeMediaPacket(
    encodeMediaPacket({ kind: MediaKind.Keepalive, clientId: 1, seq: 2 ** 32 + 5, ts: now }),
  );
  assert.ok(result.ok);
  assert.equal(result.packet.seq, 5);
  assert.equal(result.packet.ts, now % 2 ** 32);
});

Deno.test("encodeMediaPacket() refuses bad ids, kinds and oversized payloads", () => {
  const base = { kind: MediaKind.Video, seq: 0, ts: 0, payload: JPEG } as const;
  assert.throws(() => encodeMediaPacket({ ...base, clientId: -1 }), RangeError);
  assert.throws(() => encodeMediaPacket({ ...base, clientId: 2 ** 32 }), RangeError);
  assert.throws(() => encodeMediaPacket({ ...base, clientId: 1.5 }), RangeError);
  assert.throws(
    () => encodeMediaPacket({ ...base, clientId: 1, kind: 9 as MediaKind }),
    RangeError,
  );
  assert.throws(
    () => encodeMediaPacket({ ...base, clientId: 1, payload: new Uint8Array(MAX_PAYLOAD + 1) }),
    /Media payload too large: 59985 bytes \(limit 59984\)/,
  );
  const biggest = encodeMediaPacket({ ...base, clientId: 1, payload: new Uint8Array(MAX_PAYLOAD) });
  assert.equal(biggest.length, MAX_DATAGRAM);
});

Deno.test("decodeMediaPacket() names the reason for each malformed datagram", () => {
  const good = encodeMediaPacket({
    kind: MediaKind.Video,
    clientId: 1,
    seq: 0,
    ts: 0,
    payload: JPEG,
  });
  const patch = (at: number, value: number) => {
    const copy = good.slice();
    copy[at] = value;
    return copy;
  };
  const reasons = (bytes: Uint8Array) => {
    const r = decodeMediaPacket(bytes);
    return r.ok ? "ok" : r.reason;
  };
  assert.equal(reasons(new Uint8Array(0)), "too_short");
  assert.equal(reasons(good.subarray(0, 15)), "too_short");
  assert.equal(reasons(Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 5)), "bad_magic");
  assert.equal(reasons(patch(0, 0x51)), "bad_magic");
  assert.equal(reasons(patch(2, 1)), "bad_version");
  assert.equal(reasons(patch(3, 0)), "bad_kind");
  assert.equal(reasons(patch(3, 8)), "bad_kind");
  assert.equal(reasons(good.subarray(0, HEADER_SIZE)), "bad_payload"); // empty video
  assert.equal(reasons(patch(3, MediaKind.Keepalive)), "bad_payload"); // bytes on keepalive
  assert.equal(reasons(patch(3, MediaKind.Register)), "bad_payload"); // 9-byte token
  assert.equal(reasons(new Uint8Array(MAX_DATAGRAM + 1)), "too_large");
});

Deno.test("decodeMediaPacket() and decodeV1Packet() never throw on random bytes", () => {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 5000; i++) {
    const bytes = new Uint8Array(Math.floor(random() * 64));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
    if (i % 3 === 0 && bytes.length > 3) bytes.set([0x50, 0x33, 2]); // reach the deeper checks
    const v2 = decodeMediaPacket(bytes);
    const v1 = decodeV1Packet(bytes);
    if (v2.ok) assert.ok(v2.packet.kind >= 1 && v2.packet.kind <= 7);
    if (v1.ok) assert.equal(v1.packet.payload[0], 0xff);
  }
});

Deno.test("encodeV1Packet() and decodeV1Packet() use room | client_id | JPEG", () => {
  const bytes = encodeV1Packet(123_456, JPEG);
  assert.deepEqual([...bytes.subarray(0, 8)], [0, 0, 0, 1, 0, 1, 0xe2, 0x40]);
  const result = decodeV1Packet(bytes);
  assert.ok(result.ok);
  assert.deepEqual(result.packet, { room: 1, clientId: 123_456, payload: JPEG });
  assert.equal(isV2Datagram(bytes), false);
  assert.throws(() => encodeV1Packet(1, new Uint8Array(MAX_DATAGRAM - 7)), RangeError);
});

Deno.test("decodeV1Packet() refuses short datagrams, non-JPEG images and oversize", () => {
  const reason = (bytes: Uint8Array) => {
    const r = decodeV1Packet(bytes);
    return r.ok ? "ok" : r.reason;
  };
  assert.equal(reason(Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 2)), "too_short");
  assert.equal(reason(Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 2, 0x89, 0x50, 0x4e)), "bad_payload");
  const big = new Uint8Array(MAX_DATAGRAM + 1);
  big.set([0xff, 0xd8], 8);
  assert.equal(reason(big), "too_large");
  const v2 = encodeMediaPacket({
    kind: MediaKind.Video,
    clientId: 1,
    seq: 0,
    ts: 0,
    payload: JPEG,
  });
  assert.equal(reason(v2), "bad_payload");
  assert.ok(isV2Datagram(v2));
});

Deno.test("tokenToBytes() and bytesToToken() convert the 32-hex media token", () => {
  const hex = "00ff10203040506070809a0b0c0d0e0f";
  const bytes = tokenToBytes(hex);
  assert.equal(bytes.length, 16);
  assert.equal(bytes[1], 0xff);
  assert.equal(bytesToToken(bytes), hex);
  assert.equal(bytesToToken(tokenToBytes(hex.toUpperCase())), hex);
  assert.throws(() => tokenToBytes("abc"), TypeError);
  assert.throws(() => tokenToBytes("zz".repeat(16)), /Media token must be 32 hex characters: z/);
});

Deno.test("audio payloads must be one Opus packet: 1..1275 bytes", () => {
  const audio = (n: number) =>
    decodeMediaPacket(
      encodeMediaPacket({
        kind: MediaKind.Audio,
        clientId: 1,
        seq: 0,
        ts: 0,
        payload: new Uint8Array(n),
      }),
    );
  assert.ok(audio(1).ok);
  assert.ok(audio(MAX_OPUS_PACKET).ok);
  const empty = audio(0);
  assert.ok(!empty.ok && empty.reason === "bad_payload");
  const big = audio(MAX_OPUS_PACKET + 1);
  assert.ok(!big.ok && big.reason === "bad_payload");
});

Deno.test("h264 payloads carry a flags byte then an access unit", () => {
  const au = Uint8Array.of(0, 0, 0, 1, 0x65, 0x88, 0x84);
  const key = encodeH264Payload(au, true);
  assert.equal(key[0], H264_KEYFRAME);
  assert.deepEqual(decodeH264Payload(key), { keyframe: true, accessUnit: au });
  assert.deepEqual(decodeH264Payload(encodeH264Payload(au, false)).keyframe, false);
  assert.equal(decodeH264Payload(Uint8Array.of(0xfe, 1)).keyframe, false); // unknown bits ignored
  assert.throws(() => encodeH264Payload(new Uint8Array(0), true), RangeError);
  const flagsOnly = decodeMediaPacket(
    encodeMediaPacket({
      kind: MediaKind.H264,
      clientId: 1,
      seq: 0,
      ts: 0,
      payload: Uint8Array.of(1),
    }),
  );
  assert.ok(!flagsOnly.ok && flagsOnly.reason === "bad_payload");
});
