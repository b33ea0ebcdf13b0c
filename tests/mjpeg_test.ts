import assert from "node:assert/strict";
import jpeg from "jpeg-js";
import { MjpegSplitter } from "../lib/media/mjpeg.ts";
import { concatBytes } from "../lib/protocol/bytes.ts";

/** A real baseline JPEG of `w`x`h` with a noisy pattern (so entropy data holds FF 00). */
function realJpeg(w: number, h: number, seed: number): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  let x = seed;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    data[i] = (x >> 16) & 0xff;
  }
  return new Uint8Array(jpeg.encode({ data, width: w, height: h }, 80).data);
}

/** A structurally valid JPEG whose APP1 segment holds FF D9 and FF D8, with restart markers. */
function trickyJpeg(): Uint8Array {
  return Uint8Array.of(
    0xff,
    0xd8, // SOI
    0xff,
    0xe1,
    0x00,
    0x08,
    0xff,
    0xd9,
    0xff,
    0xd8,
    0x12,
    0x34, // APP1 with fake EOI/SOI
    0xff,
    0xff,
    0xdb,
    0x00,
    0x03,
    0x07, // fill byte then DQT
    0xff,
    0xda,
    0x00,
    0x04,
    0x01,
    0x02, // SOS header
    0x11,
    0xff,
    0x00,
    0x22,
    0xff,
    0xd0,
    0x33,
    0xff,
    0xd1,
    0x44, // entropy with stuffing + RST
    0xff,
    0xd9, // EOI
  );
}

function feedInPieces(splitter: MjpegSplitter, bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let at = 0;
  let k = 0;
  while (at < bytes.length) {
    const size = sizes[k++ % sizes.length];
    frames.push(...splitter.push(bytes.subarray(at, at + size)));
    at += size;
  }
  return frames;
}

const a = realJpeg(40, 30, 1);
const b = realJpeg(64, 48, 2);
const c = trickyJpeg();

Deno.test("MjpegSplitter.push() returns whole frames of a concatenated stream", () => {
  const splitter = new MjpegSplitter();
  const frames = splitter.push(concatBytes([a, b, c]));
  assert.deepEqual(frames, [a, b, c]);
  assert.equal(splitter.stats.frames, 3);
  assert.equal(splitter.stats.garbageBytes, 0);
});

Deno.test("MjpegSplitter.push() keeps its state when fed one byte at a time", () => {
  const splitter = new MjpegSplitter();
  const frames = feedInPieces(splitter, concatBytes([a, c, b]), [1]);
  assert.deepEqual(frames, [a, c, b]);
});

Deno.test("MjpegSplitter.push() gives the same frames whatever the split point", () => {
  const stream = concatBytes([c, a, c]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const splitter = new MjpegSplitter();
    const frames = [
      ...splitter.push(stream.subarray(0, cut)),
      ...splitter.push(stream.subarray(cut)),
    ];
    assert.deepEqual(frames, [c, a, c], `cut at ${cut}`);
  }
});

Deno.test("MjpegSplitter.push() does not end a frame at an FF D9 inside a header segment", () => {
  const frames = new MjpegSplitter().push(c);
  assert.equal(frames.length, 1);
  assert.equal(frames[0].length, c.length);
});

Deno.test("MjpegSplitter.push() skips random garbage between frames and resynchronises", () => {
  let x = 7;
  const garbage = (n: number) =>
    Uint8Array.from({ length: n }, () => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      // No FF D8 pairs: never 0xD8 right after 0xFF.
      const v = (x >> 16) & 0xff;
      return v === 0xd8 ? 0xd7 : v;
    });
  const stream = concatBytes([
    garbage(1000),
    a,
    garbage(333),
    Uint8Array.of(0xff, 0xff),
    b,
    garbage(5),
  ]);
  const splitter = new MjpegSplitter();
  const frames = feedInPieces(splitter, stream, [1, 7, 100, 3, 4096]);
  assert.deepEqual(frames, [a, b]);
  assert.ok(splitter.stats.garbageBytes >= 1338);
});

Deno.test("MjpegSplitter.push() drops a truncated frame when a new SOI starts", () => {
  const cut = a.subarray(0, a.length - 200);
  const splitter = new MjpegSplitter();
  const frames = splitter.push(concatBytes([cut, b]));
  assert.deepEqual(frames, [b]);
  assert.equal(splitter.stats.broken, 1);
});

Deno.test("MjpegSplitter.push() survives a stream of pure noise and still finds the next frame", () => {
  const splitter = new MjpegSplitter({ maxFrame: 4096 });
  let x = 99;
  for (let round = 0; round < 200; round++) {
    const chunk = Uint8Array.from({ length: 997 }, () => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return (x >> 16) & 0xff;
    });
    for (const frame of splitter.push(chunk)) {
      assert.ok(frame.length <= 4096);
      assert.equal(frame[0], 0xff);
      assert.equal(frame[1], 0xd8);
    }
  }
  // After the noise, a real frame still comes through.
  assert.deepEqual(splitter.push(concatBytes([Uint8Array.of(0xff, 0xd9), c])).at(-1), c);
});

Deno.test("MjpegSplitter.push() drops an oversized frame, counts it and keeps going", () => {
  const big = b;
  const splitter = new MjpegSplitter({ maxFrame: Math.max(a.length, c.length) + 10 });
  assert.ok(big.length > Math.max(a.length, c.length) + 10);
  const frames = feedInPieces(splitter, concatBytes([a, big, c, big, a]), [1, 50, 512]);
  assert.deepEqual(frames, [a, c, a]);
  assert.equal(splitter.stats.oversized, 2);
});

Deno.test("MjpegSplitter refuses a nonsensical cap", () => {
  assert.throws(() => new MjpegSplitter({ maxFrame: 0 }), /Largest frame/);
});
