import assert from "node:assert/strict";
import { decodeMessage, encodeFrame, FrameDecoder, ProtocolError } from "../lib/protocol/frame.ts";

const encoder = new TextEncoder();

function rawFrame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, 4);
  return out;
}

function drain(decoder: FrameDecoder): unknown[] {
  const out: unknown[] = [];
  let payload: Uint8Array | null;
  while ((payload = decoder.next()) !== null) out.push(decodeMessage(payload));
  return out;
}

Deno.test("encodeFrame() writes a big-endian length and UTF-8 JSON", () => {
  const frame = encodeFrame({ type: "message", text: "ñ" });
  const json = '{"type":"message","text":"ñ"}';
  const length = encoder.encode(json).length;
  assert.deepEqual([...frame.subarray(0, 4)], [0, 0, 0, length]);
  assert.equal(new TextDecoder().decode(frame.subarray(4)), json);
});

Deno.test("FrameDecoder splits frames fed one byte at a time", () => {
  const messages = [
    { type: "hello", version: 2, name: "Ana" },
    { type: "message", text: "¿qué tal? 👋" },
    { name: "v1 sin tipo" },
  ];
  const bytes = new Uint8Array(messages.flatMap((m) => [...encodeFrame(m)]));
  const decoder = new FrameDecoder();
  const got: unknown[] = [];
  for (const byte of bytes) {
    decoder.push(Uint8Array.of(byte));
    got.push(...drain(decoder));
  }
  assert.deepEqual(got, messages);
  assert.equal(decoder.buffered, 0);
});

Deno.test("FrameDecoder splits a stream at every boundary, multi-byte characters included", () => {
  const messages = [{ type: "message", text: "日本語 y emoji 🎥" }, { type: "quit" }];
  const bytes = new Uint8Array(messages.flatMap((m) => [...encodeFrame(m)]));
  for (let cut = 0; cut <= bytes.length; cut++) {
    const decoder = new FrameDecoder();
    decoder.push(bytes.subarray(0, cut));
    const got = drain(decoder);
    decoder.push(bytes.subarray(cut));
    got.push(...drain(decoder));
    assert.deepEqual(got, messages, `cut at ${cut}`);
  }
});

Deno.test("FrameDecoder keeps payloads intact when the caller reuses its read buffer", () => {
  const decoder = new FrameDecoder();
  const buf = new Uint8Array(64);
  const frame = encodeFrame({ text: "abc" });
  buf.set(frame.subarray(0, 5));
  decoder.push(buf.subarray(0, 5));
  buf.fill(0xff);
  buf.set(frame.subarray(5));
  decoder.push(buf.subarray(0, frame.length - 5));
  assert.deepEqual(drain(decoder), [{ text: "abc" }]);
});

Deno.test("FrameDecoder refuses a length over the limit before allocating", () => {
  const decoder = new FrameDecoder({ maxFrame: 1024 });
  decoder.push(Uint8Array.of(0x7f, 0xff, 0xff, 0xff));
  assert.throws(() => decoder.next(), (error: unknown) => {
    assert.ok(error instanceof ProtocolError);
    assert.equal(error.code, "frame_too_large");
    assert.equal(error.fatal, true);
    assert.equal(error.size, 2147483647);
    assert.equal(error.limit, 1024);
    return true;
  });
});

Deno.test("FrameDecoder accepts a frame of exactly the limit and an empty frame", () => {
  const decoder = new FrameDecoder({ maxFrame: 10 });
  decoder.push(rawFrame(encoder.encode('{"a":"12"}')));
  decoder.push(rawFrame(new Uint8Array(0)));
  assert.equal(decoder.next()?.length, 10);
  assert.equal(decoder.next()?.length, 0);
  assert.equal(decoder.next(), null);
});

Deno.test("FrameDecoder.takeRest() returns the raw bytes after a header frame", () => {
  const decoder = new FrameDecoder();
  const header = encodeFrame({ type: "upload", size: 3 });
  decoder.push(new Uint8Array([...header, 1, 2, 3]));
  assert.deepEqual(decodeMessage(decoder.next()!), { type: "upload", size: 3 });
  assert.deepEqual([...decoder.takeRest()], [1, 2, 3]);
  assert.equal(decoder.buffered, 0);
});

Deno.test("decodeMessage() names bad UTF-8, bad JSON and non-objects", () => {
  const cases: Array<[Uint8Array, string]> = [
    [Uint8Array.of(0x7b, 0xff, 0x7d), "bad_utf8"],
    [Uint8Array.of(0xe2, 0x82), "bad_utf8"],
    [encoder.encode("{nope"), "bad_json"],
    [encoder.encode(""), "bad_json"],
    [encoder.encode("[1,2]"), "bad_message"],
    [encoder.encode("null"), "bad_message"],
    [encoder.encode('"text"'), "bad_message"],
  ];
  for (const [payload, code] of cases) {
    assert.throws(() => decodeMessage(payload), (error: unknown) => {
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.code, code);
      assert.equal(error.fatal, false);
      return true;
    });
  }
});

Deno.test("FrameDecoder survives random bytes: frames or a frame_too_large, nothing else", () => {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let round = 0; round < 200; round++) {
    const decoder = new FrameDecoder({ maxFrame: 4096 });
    const bytes = Uint8Array.from(
      { length: 1 + Math.floor(random() * 3000) },
      () => Math.floor(random() * 256),
    );
    try {
      decoder.push(bytes);
      let payload: Uint8Array | null;
      while ((payload = decoder.next()) !== null) {
        try {
          decodeMessage(payload);
        } catch (error) {
          assert.ok(error instanceof ProtocolError);
        }
      }
    } catch (error) {
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.code, "frame_too_large");
    }
  }
});

Deno.test("encodeFrame() writes the same bytes as TextEncoder for any text, lone surrogates included", () => {
  for (
    const text of ["", "hola", "año ñ", "😀 emoji", "\ud800 lone", "x\udc00", "€".repeat(30_000)]
  ) {
    const json = new TextEncoder().encode(JSON.stringify({ text }));
    const expected = new Uint8Array(4 + json.length);
    new DataView(expected.buffer).setUint32(0, json.length);
    expected.set(json, 4);
    assert.deepEqual(encodeFrame({ text }), expected);
  }
});

Deno.test("FrameDecoder hands out a big payload intact after letting go of its grown buffer", () => {
  const decoder = new FrameDecoder({ maxFrame: 1 << 20 });
  const big = encodeFrame({ pad: "x".repeat(100_000) });
  for (let at = 0; at < big.length; at += 4096) decoder.push(big.subarray(at, at + 4096));
  const payload = decoder.next();
  assert.ok(payload);
  decoder.push(encodeFrame({ small: 1 }));
  assert.deepEqual(decodeMessage(payload), { pad: "x".repeat(100_000) });
  assert.deepEqual(drain(decoder), [{ small: 1 }]);
});
