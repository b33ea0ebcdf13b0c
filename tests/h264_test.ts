/**
 * H.264 between PC3 clients (issue 10): the FLV reader that cuts ffmpeg's
 * output into access units, and the encoder process with keyframes on request.
 */
import assert from "node:assert/strict";
import { H264Encoder, h264EncoderArgs, h264Rate } from "../lib/media/h264_encoder.ts";
import { type AccessUnit, FlvH264Reader } from "../lib/media/h264_flv.ts";
import { findFfmpeg } from "../lib/media/ffmpeg_path.ts";
import { MjpegSplitter } from "../lib/media/mjpeg.ts";
import { MAX_PAYLOAD } from "../lib/protocol/media_packet.ts";
import { FakeClock } from "./fake_clock.ts";
import { waitFor } from "./wait.ts";
import { concatBytes } from "../lib/protocol/bytes.ts";

const concat = (...parts: Uint8Array[]) => concatBytes(parts);

const SPS = Uint8Array.of(0x67, 0x42, 0xc0, 0x1e, 0xaa);
const PPS = Uint8Array.of(0x68, 0xce, 0x3c, 0x80);
const IDR = Uint8Array.of(0x65, 0x88, 0x84, 0x00, 0x33);
const SLICE = Uint8Array.of(0x41, 0x9a, 0x02);

function tag(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(11 + body.length + 4);
  out[0] = type;
  out[1] = body.length >> 16;
  out[2] = (body.length >> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 11);
  new DataView(out.buffer).setUint32(11 + body.length, 11 + body.length);
  return out;
}

function avcc(...nals: Uint8Array[]): Uint8Array {
  return concat(...nals.map((n) => concat(Uint8Array.of(0, 0, 0, n.length), n)));
}

/** A small FLV: header, script tag, decoder configuration, a keyframe, an inter frame. */
function sampleFlv(): Uint8Array {
  const header = Uint8Array.of(0x46, 0x4c, 0x56, 1, 1, 0, 0, 0, 9, 0, 0, 0, 0);
  const config = concat(
    Uint8Array.of(0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, SPS.length),
    SPS,
    Uint8Array.of(1, 0, PPS.length),
    PPS,
  );
  return concat(
    header,
    tag(18, Uint8Array.of(2, 0, 1, 0x41)),
    tag(9, config),
    tag(9, concat(Uint8Array.of(0x17, 1, 0, 0, 0), avcc(IDR))),
    tag(9, concat(Uint8Array.of(0x27, 1, 0, 0, 0), avcc(SLICE))),
  );
}

const START = [0, 0, 0, 1];

Deno.test("FlvH264Reader gives Annex B access units, SPS and PPS in front of keyframes, byte by byte", () => {
  const flv = sampleFlv();
  for (const step of [1, 7, flv.length]) {
    const reader = new FlvH264Reader({ maxFrame: MAX_PAYLOAD });
    const units: AccessUnit[] = [];
    for (let i = 0; i < flv.length; i += step) {
      units.push(...reader.push(flv.subarray(i, i + step)));
    }
    assert.equal(units.length, 2, `step ${step}`);
    assert.equal(units[0].keyframe, true);
    assert.deepEqual([...units[0].bytes], [...START, ...SPS, ...START, ...PPS, ...START, ...IDR]);
    assert.equal(units[1].keyframe, false);
    assert.deepEqual([...units[1].bytes], [...START, ...SLICE]);
    assert.equal(reader.stats.frames, 2);
  }
});

Deno.test("FlvH264Reader drops frames over its limit without buffering them, and refuses non-FLV", () => {
  const big = new Uint8Array(5000).fill(0x41);
  const flv = concat(
    sampleFlv(),
    tag(9, concat(Uint8Array.of(0x27, 1, 0, 0, 0), avcc(big))),
    tag(9, concat(Uint8Array.of(0x27, 1, 0, 0, 0), avcc(SLICE))),
  );
  const reader = new FlvH264Reader({ maxFrame: 100 });
  const units: AccessUnit[] = [];
  for (let i = 0; i < flv.length; i += 13) units.push(...reader.push(flv.subarray(i, i + 13)));
  assert.deepEqual(units.map((u) => u.bytes.length), [26, 7, 7]);
  assert.equal(reader.stats.oversized, 1);
  const junk = new FlvH264Reader({ maxFrame: 100 });
  assert.deepEqual(junk.push(new TextEncoder().encode("Unknown encoder 'libx264'\n")), []);
  assert.equal(junk.stats.broken, true);
  assert.deepEqual(junk.push(sampleFlv()), []);
});

Deno.test("h264EncoderArgs() asks libx264 for baseline, zerolatency, a keyframe every 2 s, within the datagram", () => {
  const args = h264EncoderArgs({ width: 320, height: 240, fps: 15 });
  const after = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(after("-c:v"), "libx264");
  assert.equal(after("-preset"), "ultrafast");
  assert.equal(after("-tune"), "zerolatency");
  assert.equal(after("-profile:v"), "baseline");
  assert.equal(after("-g"), "30");
  assert.equal(after("-f"), "mjpeg"); // the input
  assert.equal(args.at(-1), "pipe:1");
  assert.equal(args[args.lastIndexOf("-f") + 1], "flv");
  // The VBV buffer (in kbit) keeps any frame under the datagram payload.
  assert.ok(h264Rate({ width: 1920, height: 1080, fps: 30 }).bufsize * 1000 / 8 < MAX_PAYLOAD);
});

/** NAL unit types of an Annex B access unit. */
function nalTypes(au: Uint8Array): number[] {
  const types: number[] = [];
  for (let i = 0; i + 3 < au.length; i++) {
    if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1) types.push(au[i + 3] & 0x1f);
  }
  return types;
}

Deno.test("H264Encoder encodes JPEG frames as they come, and makes a keyframe on request", async () => {
  const ffmpeg = (await findFfmpeg()).path;
  const made = await new Deno.Command(ffmpeg, {
    args: [
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=320x240:rate=15",
      "-frames:v",
      "40",
      "-q:v",
      "5",
      "-f",
      "mjpeg",
      "pipe:1",
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const frames = new MjpegSplitter({ maxFrame: MAX_PAYLOAD }).push(made.stdout);
  assert.equal(frames.length, 40);
  const units: AccessUnit[] = [];
  const errors: string[] = [];
  const clock = new FakeClock();
  const encoder = H264Encoder.start({
    clock,
    ffmpeg,
    width: 320,
    height: 240,
    fps: 15,
    maxFrame: MAX_PAYLOAD - 1,
    onUnit: (u) => units.push(u),
    onError: (d) => errors.push(d),
  });
  try {
    // Feed a frame each time the previous ones came out (ffmpeg holds up to 3 at start-up).
    let fed = 0;
    const feedUntil = async (count: number, what: string) => {
      while (units.length < count) {
        const before = encoder.stats.input;
        await waitFor(() => {
          if (encoder.stats.input === before) encoder.push(frames[fed % frames.length]);
          return encoder.stats.input > before;
        }, { message: `${what}: ffmpeg taking a frame` });
        fed++;
        await waitFor(
          () => units.length >= encoder.stats.input - 3 || errors.length > 0,
          { message: what, detail: () => JSON.stringify(encoder.stats) },
        );
        assert.deepEqual(errors, []);
      }
    };
    await feedUntil(10, "ten frames");
    assert.equal(units[0].keyframe, true);
    assert.deepEqual(nalTypes(units[0].bytes).filter((t) => t !== 6 && t !== 9).slice(0, 3), [
      7,
      8,
      5,
    ]);
    assert.ok(units.slice(1, 10).every((u) => !u.keyframe && nalTypes(u.bytes).includes(1)));
    encoder.keyframe(); // too soon after the start: pending until 500 ms have passed
    await feedUntil(13, "frames before the restart limit");
    assert.ok(units.every((u, i) => i === 0 || !u.keyframe));
    assert.equal(encoder.stats.restarts, 0);
    clock.advance(500);
    const keyAt = () => units.findIndex((u, i) => i > 0 && u.keyframe);
    // The fresh encoder starts beside the running one; feed until its keyframe shows.
    while (keyAt() < 0 && fed < 200) await feedUntil(units.length + 1, "the requested keyframe");
    assert.ok(keyAt() > 13, `keyframe at ${keyAt()}`);
    assert.ok(fed < 200, "the keyframe came");
    assert.ok(nalTypes(units[keyAt()].bytes).includes(7), "SPS in the keyframe");
    assert.ok(units.every((u) => u.bytes.length <= MAX_PAYLOAD - 1));
    assert.equal(encoder.stats.restarts, 1);
  } finally {
    await encoder.stop();
  }
});
