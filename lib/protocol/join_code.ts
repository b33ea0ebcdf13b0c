/**
 * The join code: a short, checksummed text for the server's IPv4 address and
 * ports that a class can read off a projector and type without DNS or
 * internet (`pc3-client --join K7M2-QX4D`). PROTOCOL.md section 8 describes
 * the layout; in short:
 *
 * - Crockford base32 (`0-9`, `A-Z` without `I L O U`), read case-insensitively;
 *   `I`/`L` are read as `1` and `O` as `0`, hyphens and spaces are ignored.
 * - The number of symbols tells the layout, so the common case is shortest:
 *   8 symbols when the ports are the defaults (9009, 9010, 9020); 11 when they
 *   follow the default pattern from another chat port P (P, P+1, P+11);
 *   18 for any three ports.
 * - The last symbol is a check symbol: the data symbols weighted by distinct
 *   powers of a generator of GF(32). Every one-symbol substitution and every
 *   swap of two different symbols changes the sum, so such typos are always
 *   caught; a dropped or added symbol gives a length that is not a layout.
 *
 * @example
 * ```ts
 * import { decodeJoinCode, encodeJoinCode } from "./join_code.ts";
 * const code = encodeJoinCode({ host: "192.168.1.10", chatPort: 9009, filePort: 9010, mediaPort: 9020 });
 * decodeJoinCode(code.toLowerCase()).host; // "192.168.1.10"
 * ```
 *
 * @module
 */

import { DEFAULT_CHAT_PORT, DEFAULT_FILE_PORT, DEFAULT_MEDIA_PORT } from "./limits.ts";
import { formatIpv4, parseIpv4 } from "./ipv4.ts";

/** What a join code says: where the server is. */
export interface JoinTarget {
  /** The server's IPv4 address, dotted. */
  host: string;
  /** Chat TCP port. */
  chatPort: number;
  /** File TCP port. */
  filePort: number;
  /** Media UDP port (also where discovery and the echo probe go). */
  mediaPort: number;
}

/** Why a text is not a valid join code. */
export type JoinCodeErrorCode = "bad_length" | "bad_char" | "checksum" | "bad_layout";

/**
 * A text that is not a join code; `code` says why (a typo is `checksum`),
 * `position` is the 0-based index of a bad character in the input.
 */
export class JoinCodeError extends Error {
  override name = "JoinCodeError";
  /** Why the text was refused. */
  readonly code: JoinCodeErrorCode;
  /** Index in the input of the offending character (`bad_char` only). */
  readonly position?: number;
  constructor(code: JoinCodeErrorCode, message: string, position?: number) {
    super(message);
    this.code = code;
    this.position = position;
  }
}

/** The 32 symbols of Crockford base32, value order. */
export const CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Layouts: symbols in the code (check included), layout tag bits, tag value.
const DEFAULT_LAYOUT = { length: 8, tagBits: 3, tag: 0 };
const SHIFTED_LAYOUT = { length: 11, tagBits: 2, tag: 1 };
const FULL_LAYOUT = { length: 18, tagBits: 5, tag: 2 };
/** The distance of the file and media ports from the chat port in the default pattern. */
const FILE_OFFSET = DEFAULT_FILE_PORT - DEFAULT_CHAT_PORT;
const MEDIA_OFFSET = DEFAULT_MEDIA_PORT - DEFAULT_CHAT_PORT;

// GF(32) with the primitive polynomial x^5 + x^2 + 1: exp/log tables.
const EXP: number[] = [];
const LOG: number[] = new Array(32).fill(0);
{
  let x = 1;
  for (let i = 0; i < 31; i++) {
    EXP.push(x);
    LOG[x] = i;
    x <<= 1;
    if (x & 32) x ^= 0b100101;
  }
}

/** alpha^power * value in GF(32). */
function weigh(value: number, power: number): number {
  return value === 0 ? 0 : EXP[(LOG[value] + power) % 31];
}

/** The check symbol of `data` (data symbol i weighs alpha^(i+1), the check alpha^0). */
function checkSymbol(data: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum ^= weigh(data[i], i + 1);
  return sum;
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** Writes `bits` (big-endian) as base32 symbols with the check symbol appended. */
function toSymbols(value: bigint, dataSymbols: number): string {
  const data: number[] = [];
  for (let i = dataSymbols - 1; i >= 0; i--) data.push(Number((value >> BigInt(5 * i)) & 31n));
  data.push(checkSymbol(data));
  const text = data.map((d) => CROCKFORD_ALPHABET[d]).join("");
  return text.match(/.{1,4}/g)!.join("-");
}

/**
 * Encodes where a server is as a join code (`XXXX-XXXX` for the default
 * ports). Throws `RangeError` for a host that is not dotted IPv4 or a port
 * outside 1..65535.
 */
export function encodeJoinCode(target: JoinTarget): string {
  const ip = parseIpv4(target.host);
  if (ip === null) throw new RangeError(`Not an IPv4 address: ${target.host}`);
  const { chatPort: chat, filePort: file, mediaPort: media } = target;
  for (const p of [chat, file, media]) {
    if (!validPort(p)) throw new RangeError(`Port out of range: ${p}`);
  }
  const ipBits = BigInt(ip);
  if (chat === DEFAULT_CHAT_PORT && file === DEFAULT_FILE_PORT && media === DEFAULT_MEDIA_PORT) {
    const value = (BigInt(DEFAULT_LAYOUT.tag) << 32n) | ipBits;
    return toSymbols(value, DEFAULT_LAYOUT.length - 1);
  }
  if (file === chat + FILE_OFFSET && media === chat + MEDIA_OFFSET) {
    const value = (BigInt(SHIFTED_LAYOUT.tag) << 48n) | (ipBits << 16n) | BigInt(chat);
    return toSymbols(value, SHIFTED_LAYOUT.length - 1);
  }
  const ports = (BigInt(chat) << 32n) | (BigInt(file) << 16n) | BigInt(media);
  const value = (BigInt(FULL_LAYOUT.tag) << 80n) | (ipBits << 48n) | ports;
  return toSymbols(value, FULL_LAYOUT.length - 1);
}

/** The value of one code character, with Crockford's readings; -1 when not a symbol. */
function symbolValue(ch: string): number {
  const c = ch.toUpperCase();
  if (c === "O") return 0;
  if (c === "I" || c === "L") return 1;
  return CROCKFORD_ALPHABET.indexOf(c);
}

/** The symbols of `text` (separators dropped); throws `bad_char`. */
function readSymbols(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "-" || ch === " ") continue;
    const v = symbolValue(ch);
    if (v < 0) throw new JoinCodeError("bad_char", `Not a join code character: ${ch}`, i);
    out.push(v);
  }
  return out;
}

/**
 * Decodes a join code typed by a person (any case, with or without hyphens).
 * Throws {@link JoinCodeError}: a one-symbol typo is always `checksum`.
 */
export function decodeJoinCode(text: string): JoinTarget {
  const symbols = readSymbols(text.trim());
  const layout = [DEFAULT_LAYOUT, SHIFTED_LAYOUT, FULL_LAYOUT].find((l) =>
    l.length === symbols.length
  );
  if (layout === undefined) {
    throw new JoinCodeError("bad_length", `Not a join code length: ${symbols.length} symbols`);
  }
  const data = symbols.slice(0, -1);
  if (checkSymbol(data) !== symbols[symbols.length - 1]) {
    throw new JoinCodeError("checksum", `Join code check failed: ${text}`);
  }
  let value = 0n;
  for (const d of data) value = (value << 5n) | BigInt(d);
  const payloadBits = BigInt(data.length * 5 - layout.tagBits);
  if (value >> payloadBits !== BigInt(layout.tag)) {
    throw new JoinCodeError("bad_layout", `Unknown join code layout: ${text}`);
  }
  const field = (shift: bigint, bits: bigint) => Number((value >> shift) & ((1n << bits) - 1n));
  if (layout === DEFAULT_LAYOUT) {
    return {
      host: formatIpv4(field(0n, 32n)),
      chatPort: DEFAULT_CHAT_PORT,
      filePort: DEFAULT_FILE_PORT,
      mediaPort: DEFAULT_MEDIA_PORT,
    };
  }
  const host = formatIpv4(field(layout === SHIFTED_LAYOUT ? 16n : 48n, 32n));
  const target = layout === SHIFTED_LAYOUT
    ? { chatPort: field(0n, 16n), filePort: 0, mediaPort: 0 }
    : { chatPort: field(32n, 16n), filePort: field(16n, 16n), mediaPort: field(0n, 16n) };
  if (layout === SHIFTED_LAYOUT) {
    target.filePort = target.chatPort + FILE_OFFSET;
    target.mediaPort = target.chatPort + MEDIA_OFFSET;
  }
  if (![target.chatPort, target.filePort, target.mediaPort].every(validPort)) {
    throw new JoinCodeError("bad_layout", `Join code ports out of range: ${text}`);
  }
  return { host, ...target };
}

/**
 * Whether `text` is shaped like a join code rather than a host name: the
 * hyphenated groups a code is printed in (`K7M2-QX4D`, 4-4, 4-4-3 or
 * 4-4-4-4-2), or a valid code typed without hyphens. Used by the address prompt to decide how to read what
 * was typed; {@link decodeJoinCode} then says whether it is valid.
 */
export function looksLikeJoinCode(text: string): boolean {
  const t = text.trim();
  const groups = t.split("-");
  const shapes = ["4,4", "4,4,3", "4,4,4,4,2"];
  if (groups.length > 1 && groups.every((g) => /^[0-9A-Za-z]+$/.test(g))) {
    return shapes.includes(groups.map((g) => g.length).join(","));
  }
  if (!/^[0-9A-Za-z]+$/.test(t) || /^\d+$/.test(t)) return false;
  if (![8, 11, 18].includes(t.length)) return false;
  try {
    decodeJoinCode(t);
    return true;
  } catch {
    return false;
  }
}
