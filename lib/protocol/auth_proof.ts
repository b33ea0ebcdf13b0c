/**
 * The room password and teacher key proofs (PROTOCOL.md 2.7): what a client
 * computes from a secret and a server nonce, and what the server compares,
 * so that the secret itself never crosses the wire.
 *
 * - Room password: key = scrypt(password, salt, N, r, p, 32 bytes); the
 *   salt and cost come in the server's `auth_challenge`. Proof =
 *   HMAC-SHA256(key, "pc3 room\n" + nonce + "\n" + name), hex.
 * - Teacher key: proof = HMAC-SHA256(UTF-8 key, "pc3 admin\n" + nonce + "\n"
 *   + name), hex (the key is random and long, so no slow KDF).
 *
 * Proofs are compared in constant time ({@link sameProof}). Pure: node:crypto
 * only, no sockets or files.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHmac, randomBytes, scrypt, scryptSync, timingSafeEqual } from "node:crypto";

/** Cost parameters of the password KDF, as carried by `auth_challenge.kdf`. */
export interface KdfParams {
  /** Always "scrypt". */
  name: "scrypt";
  /** Salt, hex (per server start). */
  salt: string;
  /** CPU/memory cost, a power of two. */
  n: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
  /** Derived key length in bytes. */
  dklen: number;
}

/**
 * The default cost: ~50-100 ms per derivation (measured on the 2-core test
 * machine: N=16384 took a median 33-41 ms, N=32768 a median 79 ms, 74-174 ms
 * under load), 32 MiB of memory. The server derives once at start; a client
 * once per server start (its key is cached by salt).
 */
export const DEFAULT_KDF_COST = { n: 32768, r: 8, p: 1, dklen: 32 } as const;

/** Largest cost a client accepts from a server (so a rogue server cannot make it swap). */
export const MAX_KDF_N = 1 << 20;

/** Why a secret was proved: the room password or the teacher's key. */
export type ProofPurpose = "room" | "admin";

/** Raised when a challenge's KDF parameters are not ones a client will run. */
export class KdfParamsError extends RangeError {
  override name = "KdfParamsError";
}

/** Checks `kdf` from the wire; throws {@link KdfParamsError} naming the bad field. */
export function checkKdfParams(kdf: unknown): KdfParams {
  const k = kdf as Record<string, unknown> | null;
  if (typeof k !== "object" || k === null || k.name !== "scrypt") {
    throw new KdfParamsError("Unknown KDF: name");
  }
  const int = (v: unknown, lo: number, hi: number) =>
    typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi;
  if (typeof k.salt !== "string" || !/^[0-9a-f]{16,128}$/.test(k.salt)) {
    throw new KdfParamsError("Bad KDF parameter: salt");
  }
  if (!int(k.n, 2, MAX_KDF_N) || ((k.n as number) & ((k.n as number) - 1)) !== 0) {
    throw new KdfParamsError("Bad KDF parameter: n");
  }
  if (!int(k.r, 1, 32)) throw new KdfParamsError("Bad KDF parameter: r");
  if (!int(k.p, 1, 4)) throw new KdfParamsError("Bad KDF parameter: p");
  if (!int(k.dklen, 16, 64)) throw new KdfParamsError("Bad KDF parameter: dklen");
  return {
    name: "scrypt",
    salt: k.salt,
    n: k.n as number,
    r: k.r as number,
    p: k.p as number,
    dklen: k.dklen as number,
  };
}

function scryptOptions(kdf: KdfParams) {
  // scrypt needs 128 * N * r bytes; allow that with room to spare.
  return { N: kdf.n, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.n * kdf.r + 1024 * 1024 };
}

/** The password key, computed once per server start (blocking; at start only). */
export function deriveKeySync(password: string, kdf: KdfParams): Uint8Array {
  const salt = Buffer.from(kdf.salt, "hex");
  return new Uint8Array(scryptSync(password.normalize("NFC"), salt, kdf.dklen, scryptOptions(kdf)));
}

/** The password key without blocking the event loop (the client). */
export function deriveKey(password: string, kdf: KdfParams): Promise<Uint8Array> {
  const salt = Buffer.from(kdf.salt, "hex");
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, kdf.dklen, scryptOptions(kdf), (err, key) => {
      if (err) reject(err);
      else resolve(new Uint8Array(key));
    });
  });
}

/**
 * The proof for `nonce` and `name` with `key` (the scrypt key for "room",
 * the UTF-8 teacher key for "admin"), as lower-case hex.
 *
 * @example
 * ```ts
 * import { proof } from "./auth_proof.ts";
 * const key = new TextEncoder().encode("K7M2QX4DK7M2QX4D");
 * const p = proof(key, "admin", "00ff00ff00ff00ff00ff00ff00ff00ff", "Ana");
 * console.log(p.length); // 64
 * ```
 */
export function proof(key: Uint8Array, purpose: ProofPurpose, nonce: string, name: string): string {
  return createHmac("sha256", key).update(`pc3 ${purpose}\n${nonce}\n${name}`).digest("hex");
}

/** Whether `given` (from the wire) equals `expected`, compared in constant time. */
export function sameProof(given: unknown, expected: string): boolean {
  if (typeof given !== "string" || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given, "utf8"), Buffer.from(expected, "utf8"));
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A teacher key as typed and as printed are the same key: case and dashes
 * do not matter (`k7m2-qx4d-…` = `K7M2QX4D…`). Returns the HMAC key bytes.
 */
export function adminKeyBytes(key: string): Uint8Array {
  return new TextEncoder().encode(key.trim().replace(/-/g, "").toUpperCase());
}

/**
 * A new random teacher key, easy to read off a projector: 15 Crockford
 * base32 characters (75 bits) in groups of five, e.g. `K7M2Q-X4DAB-9RT3W`.
 * `random` fills a byte array (default node:crypto).
 */
export function newAdminKey(random: (n: number) => Uint8Array = (n) => randomBytes(n)): string {
  const bytes = random(15);
  const chars = [...bytes].map((b) => CROCKFORD[b & 31]).join("");
  return `${chars.slice(0, 5)}-${chars.slice(5, 10)}-${chars.slice(10)}`;
}
