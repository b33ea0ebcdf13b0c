import assert from "node:assert/strict";
import { MAX_OPUS_PACKET, oggCrc, OggOpusSplitter, OggOpusWriter } from "../lib/media/audio_ogg.ts";
import { findFfmpeg } from "../lib/media/ffmpeg_path.ts";
import { withDeadline } from "./wait.ts";

/** A deterministic generator (mulberry32) so failures reproduce. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function packetOf(length: number, fill: number): Uint8Array {
  const p = new Uint8Array(length);
  for (let i = 0; i < length; i++) p[i] = (fill + i) & 0xff;
  return p;
}

function stream(packets: Uint8Array[]): Uint8Array {
  const w = new OggOpusWriter({ serial: 42 });
  const parts = [w.header(), ...packets.map((p) => w.packet(p))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const SIZES = [1, 2, 80, 254, 255, 256, 510, 511, 1000, MAX_OPUS_PACKET];
const PACKETS = SIZES.map((n, i) => packetOf(n, i * 7));

Deno.test("oggCrc() matches the Ogg checksum of a known page", () => {
  // The CRC of "OggS" alone with the polynomial 0x04c11db7 (no reflection, init 0).
  assert.equal(oggCrc(new TextEncoder().encode("OggS")), 0x5fb0a94f);
});

Deno.test("OggOpusSplitter: writer output splits back into the same packets, headers skipped", () => {
  const s = new OggOpusSplitter();
  assert.deepEqual(s.push(stream(PACKETS)), PACKETS);
  assert.equal(s.stats.packets, PACKETS.length);
  assert.equal(s.stats.skipped, 0);
});

Deno.test("OggOpusSplitter: fed one byte at a time gives the same packets", () => {
  const bytes = stream(PACKETS);
  const s = new OggOpusSplitter();
  const got: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) got.push(...s.push(bytes.subarray(i, i + 1)));
  assert.deepEqual(got, PACKETS);
});

Deno.test("OggOpusSplitter: random split points (seeded) give the same packets", () => {
  const bytes = stream(PACKETS);
  const rnd = seeded(7);
  for (let round = 0; round < 50; round++) {
    const s = new OggOpusSplitter();
    const got: Uint8Array[] = [];
    let at = 0;
    while (at < bytes.length) {
      const n = 1 + Math.floor(rnd() * 700);
      got.push(...s.push(bytes.subarray(at, at + n)));
      at += n;
    }
    assert.deepEqual(got, PACKETS, `round ${round}`);
  }
});

Deno.test("OggOpusSplitter: garbage before and between pages is skipped and counted", () => {
  const w = new OggOpusWriter({ serial: 1 });
  const junk = new TextEncoder().encode("xxOggxOgg"); // false starts too
  const s = new OggOpusSplitter();
  const got = [
    ...s.push(junk),
    ...s.push(w.header()),
    ...s.push(junk),
    ...s.push(w.packet(PACKETS[2])),
  ];
  assert.deepEqual(got, [PACKETS[2]]);
  assert.equal(s.stats.skipped, junk.length * 2);
});

Deno.test("OggOpusSplitter: a page with a bad CRC is dropped and the next one is read", () => {
  const w = new OggOpusWriter({ serial: 1 });
  const bad = w.packet(PACKETS[3]);
  bad[bad.length - 1] ^= 0xff;
  const s = new OggOpusSplitter();
  const got = [...s.push(w.header()), ...s.push(bad), ...s.push(w.packet(PACKETS[4]))];
  assert.deepEqual(got, [PACKETS[4]]);
  assert.equal(s.stats.badCrc, 1);
});

/** Builds one page by hand (for packets the writer refuses to make). */
function rawPage(body: Uint8Array, lacing: number[], flags = 0): Uint8Array {
  const page = new Uint8Array(27 + lacing.length + body.length);
  page.set(new TextEncoder().encode("OggS"));
  page[5] = flags;
  page[26] = lacing.length;
  page.set(lacing, 27);
  page.set(body, 27 + lacing.length);
  new DataView(page.buffer).setUint32(22, oggCrc(page), true);
  return page;
}

Deno.test("OggOpusSplitter: a packet over 1275 bytes is dropped and counted, never buffered", () => {
  // 6 x 255 = 1530 bytes continued over two pages, then a small packet.
  const first = rawPage(new Uint8Array(255 * 4), [255, 255, 255, 255]);
  const second = rawPage(new Uint8Array(255 * 2 + 3), [255, 255, 0, 3], 0x01);
  const s = new OggOpusSplitter();
  const got = [...s.push(first), ...s.push(second)];
  assert.equal(got.length, 1);
  assert.equal(got[0].length, 3);
  assert.equal(s.stats.oversized, 1);
});

Deno.test("OggOpusSplitter: a packet continued on the next page is joined", () => {
  const body = packetOf(300, 3);
  const first = rawPage(body.subarray(0, 255), [255]);
  const second = rawPage(body.subarray(255), [45], 0x01);
  const s = new OggOpusSplitter();
  assert.deepEqual([...s.push(first), ...s.push(second)], [body]);
});

Deno.test("OggOpusSplitter: a continuation without its start is not glued to anything", () => {
  const s = new OggOpusSplitter();
  const lonely = rawPage(packetOf(10, 1), [10], 0x01);
  // Not continued from a page we saw with an open packet: handed out as is.
  assert.deepEqual(s.push(lonely), [packetOf(10, 1)]);
});

Deno.test("OggOpusSplitter: random bytes never throw and keep memory bounded", () => {
  const rnd = seeded(99);
  const s = new OggOpusSplitter();
  for (let i = 0; i < 200; i++) {
    const chunk = new Uint8Array(1 + Math.floor(rnd() * 4000));
    for (let j = 0; j < chunk.length; j++) chunk[j] = rnd() < 0.01 ? 0x4f : rnd() * 256;
    for (const p of s.push(chunk)) assert.ok(p.length <= MAX_OPUS_PACKET);
  }
});

Deno.test("OggOpusWriter refuses empty and oversized packets", () => {
  const w = new OggOpusWriter({ serial: 1 });
  assert.throws(() => w.packet(new Uint8Array(0)), RangeError);
  assert.throws(() => w.packet(new Uint8Array(MAX_OPUS_PACKET + 1)), RangeError);
});

Deno.test("OggOpusSplitter reads real ffmpeg Ogg Opus output: 20 ms packets of a sine", async () => {
  const ffmpeg = (await findFfmpeg()).path;
  const out = await withDeadline(
    new Deno.Command(ffmpeg, {
      args: [
        ...["-hide_banner", "-nostdin", "-loglevel", "error"],
        ...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=0.5"],
        ...["-ac", "1", "-c:a", "libopus", "-frame_duration", "20", "-page_duration", "20000"],
        ...["-f", "ogg", "pipe:1"],
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output(),
    20_000,
    "ffmpeg to encode half a second of Opus",
  );
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const s = new OggOpusSplitter();
  const packets = s.push(out.stdout);
  // 0.5 s in 20 ms frames: 25 (+1 for the encoder's pre-skip padding).
  assert.ok(packets.length >= 25 && packets.length <= 27, `${packets.length} packets`);
  for (const p of packets) assert.ok(p.length >= 1 && p.length <= MAX_OPUS_PACKET);
  // TOC byte: config 11 (SILK-only WB 20 ms) up to 31 (CELT FB 20 ms) all have 20 ms frames;
  // what matters is one frame per packet (code 0).
  for (const p of packets) assert.equal(p[0] & 0x03, 0);
  assert.equal(s.stats.badCrc, 0);
  assert.equal(s.stats.skipped, 0);
});
