import assert from "node:assert/strict";
import { InputDecoder, LineReader, textChunks } from "../lib/terminal/input.ts";
import { fakeInput } from "./terminal_fakes.ts";
import { withDeadline } from "./wait.ts";

async function* chunks(...parts: string[]): AsyncGenerator<string> {
  yield* parts;
}

Deno.test("LineReader splits on LF and CR LF and returns a last line without a line break", async () => {
  const reader = new LineReader(chunks("a\r", "\nb\n\nc", "d"));
  const got: (string | null)[] = [];
  for (let i = 0; i < 5; i++) got.push(await reader.next());
  assert.deepEqual(got, ["a", "b", "", "cd", null]);
});

Deno.test("textChunks() ends a pending read when its signal aborts", async () => {
  const input = fakeInput();
  const stop = new AbortController();
  const it = textChunks(input.stream, stop.signal);
  input.type("uno");
  assert.deepEqual(await withDeadline(it.next(), 5_000, "the first chunk"), {
    done: false,
    value: "uno",
  });
  const pending = it.next();
  stop.abort();
  assert.equal((await withDeadline(pending, 5_000, "the end after abort")).done, true);
});

const encodeUtf16 = (text: string, bigEndian = false): Uint8Array => {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    out[2 * i + (bigEndian ? 1 : 0)] = unit & 0xff;
    out[2 * i + (bigEndian ? 0 : 1)] = unit >> 8;
  }
  return out;
};

/** Decodes `bytes` fed in pieces cut at `cuts`. */
function decodeIn(bytes: Uint8Array, cuts: number[]): { text: string; encoding: string } {
  const d = new InputDecoder();
  let text = "";
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    text += d.decode(bytes.subarray(at, cut));
    at = cut;
  }
  return { text: text + d.end(), encoding: d.encoding };
}

Deno.test("InputDecoder reads PowerShell 5.1's UTF-16LE with a BOM, split at every byte", () => {
  const text = "/who\r\nhola desde la consola ñ á ü € 😀\r\n";
  const bytes = new Uint8Array([0xff, 0xfe, ...encodeUtf16(text)]);
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.deepEqual(decodeIn(bytes, [cut]), { text, encoding: "utf-16le" }, `cut at ${cut}`);
  }
  assert.deepEqual(decodeIn(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)), {
    text,
    encoding: "utf-16le",
  });
});

Deno.test("InputDecoder reads UTF-8 with or without a BOM, UTF-16BE, and BOM-less UTF-16LE", () => {
  const text = "/upload año.txt\n";
  const utf8 = new TextEncoder().encode(text);
  assert.deepEqual(decodeIn(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8]), [1, 2]), {
    text,
    encoding: "utf-8",
  });
  assert.deepEqual(decodeIn(utf8, [1]), { text, encoding: "utf-8" });
  assert.deepEqual(decodeIn(new Uint8Array([0xfe, 0xff, ...encodeUtf16(text, true)]), [1]), {
    text,
    encoding: "utf-16be",
  });
  assert.deepEqual(decodeIn(encodeUtf16(text), []), { text, encoding: "utf-16le" });
  // A U+FEFF later in UTF-8 text is text, not a BOM.
  assert.equal(decodeIn(new TextEncoder().encode("a\ufeffb"), []).text, "a\ufeffb");
});

Deno.test("InputDecoder shows a key typed alone at once (interactive input is not held)", () => {
  const d = new InputDecoder();
  assert.equal(d.decode(new TextEncoder().encode("h")), "h");
  assert.equal(d.decode(new TextEncoder().encode("ñ")), "ñ");
});

Deno.test("a piped UTF-16LE command file becomes the right lines", async () => {
  const input = fakeInput();
  const lines = new LineReader(textChunks(input.stream));
  input.bytes(new Uint8Array([0xff, 0xfe, ...encodeUtf16("hola €\r\n/quit\r\n")]));
  input.end();
  const got = [];
  for (let l = await lines.next(); l !== null; l = await lines.next()) got.push(l);
  assert.deepEqual(got, ["hola €", "/quit"]);
});
