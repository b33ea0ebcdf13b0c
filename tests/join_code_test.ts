import assert from "node:assert/strict";
import {
  CROCKFORD_ALPHABET,
  decodeJoinCode,
  encodeJoinCode,
  JoinCodeError,
  type JoinTarget,
  looksLikeJoinCode,
} from "../lib/protocol/join_code.ts";
import { formatIpv4 } from "../lib/protocol/ipv4.ts";

const DEFAULTS = { chatPort: 9009, filePort: 9010, mediaPort: 9020 };

function roundTrip(target: JoinTarget): string {
  const code = encodeJoinCode(target);
  assert.deepEqual(decodeJoinCode(code), target, `${code} for ${JSON.stringify(target)}`);
  return code;
}

/** A small seeded PRNG (mulberry32) so the random sweep is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("join code: the default ports give 8 symbols in two groups", () => {
  const code = roundTrip({ host: "192.168.1.10", ...DEFAULTS });
  assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
});

Deno.test("join code: the default pattern on another chat port gives 11 symbols, any ports 18", () => {
  const shifted = roundTrip({
    host: "10.0.0.2",
    chatPort: 12009,
    filePort: 12010,
    mediaPort: 12020,
  });
  assert.equal(shifted.replaceAll("-", "").length, 11);
  const full = roundTrip({ host: "10.0.0.2", chatPort: 12009, filePort: 9010, mediaPort: 1 });
  assert.equal(full.replaceAll("-", "").length, 18);
});

Deno.test("join code: structured sweep of IPv4 addresses round-trips", () => {
  // Every value of each octet with the others fixed at edge values, plus every
  // single-bit address and its complement.
  const fill = [0, 1, 127, 128, 254, 255];
  for (let pos = 0; pos < 4; pos++) {
    for (const other of fill) {
      for (let v = 0; v < 256; v++) {
        const octets = [other, other, other, other];
        octets[pos] = v;
        roundTrip({ host: octets.join("."), ...DEFAULTS });
      }
    }
  }
  for (let bit = 0; bit < 32; bit++) {
    roundTrip({ host: formatIpv4(2 ** bit), ...DEFAULTS });
    roundTrip({ host: formatIpv4(0xffff_ffff - 2 ** bit), ...DEFAULTS });
  }
});

Deno.test("join code: random IPv4 addresses and ports (fixed seed) round-trip in every layout", () => {
  const random = rng(20261130);
  for (let i = 0; i < 20_000; i++) {
    const host = formatIpv4(Math.floor(random() * 2 ** 32));
    const port = () => 1 + Math.floor(random() * 65535);
    roundTrip({ host, ...DEFAULTS });
    const chat = 1 + Math.floor(random() * (65535 - 11));
    roundTrip({ host, chatPort: chat, filePort: chat + 1, mediaPort: chat + 11 });
    roundTrip({ host, chatPort: port(), filePort: port(), mediaPort: port() });
  }
});

Deno.test("join code: edge addresses and ports round-trip", () => {
  for (const host of ["0.0.0.0", "255.255.255.255", "127.0.0.1", "10.255.255.255", "192.0.2.2"]) {
    roundTrip({ host, ...DEFAULTS });
    roundTrip({ host, chatPort: 1, filePort: 2, mediaPort: 12 });
    roundTrip({ host, chatPort: 65524, filePort: 65525, mediaPort: 65535 });
    roundTrip({ host, chatPort: 65535, filePort: 65535, mediaPort: 65535 });
    roundTrip({ host, chatPort: 1, filePort: 1, mediaPort: 1 });
  }
});

Deno.test("join code: read in any case, with or without hyphens and spaces, with Crockford's I/L/O readings", () => {
  const target = { host: "172.16.5.4", ...DEFAULTS };
  const code = encodeJoinCode(target);
  assert.deepEqual(decodeJoinCode(code.toLowerCase()), target);
  assert.deepEqual(decodeJoinCode(code.replaceAll("-", "")), target);
  assert.deepEqual(decodeJoinCode(` ${code.replace("-", " ")} `), target);
  const withReadings = code.replaceAll("0", "O").replaceAll("1", "l");
  assert.deepEqual(decodeJoinCode(withReadings), target);
});

Deno.test("join code: every one-character substitution of sample codes is caught", () => {
  const samples: JoinTarget[] = [
    { host: "192.168.1.10", ...DEFAULTS },
    { host: "10.0.0.2", chatPort: 12009, filePort: 12010, mediaPort: 12020 },
    { host: "172.31.255.1", chatPort: 443, filePort: 8080, mediaPort: 5353 },
  ];
  const random = rng(7);
  for (let i = 0; i < 40; i++) {
    samples.push({ host: formatIpv4(Math.floor(random() * 2 ** 32)), ...DEFAULTS });
  }
  let tried = 0;
  for (const target of samples) {
    const code = encodeJoinCode(target).replaceAll("-", "");
    for (let pos = 0; pos < code.length; pos++) {
      for (const ch of CROCKFORD_ALPHABET) {
        if (ch === code[pos]) continue;
        const typo = code.slice(0, pos) + ch + code.slice(pos + 1);
        assert.throws(() => decodeJoinCode(typo), (e: unknown) => {
          return e instanceof JoinCodeError && (e.code === "checksum" || e.code === "bad_layout");
        }, `${typo} (from ${code}) was accepted`);
        tried++;
      }
    }
  }
  assert.ok(tried > 10_000);
});

Deno.test("join code: swapped neighbours, a dropped or an added character are caught", () => {
  const code = encodeJoinCode({ host: "192.168.1.10", ...DEFAULTS }).replaceAll("-", "");
  for (let pos = 0; pos + 1 < code.length; pos++) {
    if (code[pos] === code[pos + 1]) continue;
    const swapped = code.slice(0, pos) + code[pos + 1] + code[pos] + code.slice(pos + 2);
    assert.throws(() => decodeJoinCode(swapped), JoinCodeError, swapped);
  }
  for (let pos = 0; pos < code.length; pos++) {
    const dropped = code.slice(0, pos) + code.slice(pos + 1);
    assert.throws(() => decodeJoinCode(dropped), { code: "bad_length" });
    const added = code.slice(0, pos) + "7" + code.slice(pos);
    assert.throws(() => decodeJoinCode(added), { code: "bad_length" });
  }
});

Deno.test("join code: characters outside the alphabet are named with their position", () => {
  assert.throws(() => decodeJoinCode("K7M2-QX4U"), (e: unknown) => {
    return e instanceof JoinCodeError && e.code === "bad_char" && e.position === 8;
  });
  assert.throws(() => decodeJoinCode("192.168.1.10"), { code: "bad_char" });
  assert.throws(() => decodeJoinCode(""), { code: "bad_length" });
});

Deno.test("encodeJoinCode() refuses what it cannot encode", () => {
  assert.throws(() => encodeJoinCode({ host: "pc-profe", ...DEFAULTS }), RangeError);
  assert.throws(() => encodeJoinCode({ host: "::1", ...DEFAULTS }), RangeError);
  assert.throws(() => encodeJoinCode({ host: "1.2.3.4", ...DEFAULTS, chatPort: 0 }), RangeError);
  assert.throws(
    () => encodeJoinCode({ host: "1.2.3.4", ...DEFAULTS, mediaPort: 70000 }),
    RangeError,
  );
});

Deno.test("looksLikeJoinCode() tells codes from host names and addresses", () => {
  const code = encodeJoinCode({ host: "192.168.1.10", ...DEFAULTS });
  assert.equal(looksLikeJoinCode(code), true);
  assert.equal(looksLikeJoinCode(code.toLowerCase().replace("-", "")), true);
  assert.equal(looksLikeJoinCode("K7M2-QX4D"), true); // shaped like one (the prompt reports the typo)
  for (
    const host of ["192.168.1.10", "localhost", "prof-pc1", "aula12", "10.0.0.2:9009", "12345678"]
  ) {
    assert.equal(looksLikeJoinCode(host), false, host);
  }
});
