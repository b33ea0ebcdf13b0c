/**
 * The client's side of the room password (PROTOCOL.md 2.7): when the
 * server answers the hello with `auth_challenge`, the client derives the
 * scrypt key from the password with the challenge's salt and cost (without
 * blocking: ~50-100 ms) and answers `{"type":"auth","proof":...}`. The
 * password itself never leaves the machine.
 *
 * Without a password the handshake ends with a {@link ConnectError} whose
 * `serverCode` is `auth_required`; the UI then asks for it (hidden input)
 * and connects again.
 *
 * @module
 */

import {
  checkKdfParams,
  deriveKey,
  type KdfParams,
  KdfParamsError,
  proof,
} from "../protocol/auth_proof.ts";
import { decodeMessage, encodeFrame, type Message } from "../protocol/frame.ts";
import { type Lang, translator } from "../protocol/i18n.ts";
import { ConnectError } from "./connect_errors.ts";
import { teacherClientText } from "./text/teacher.ts";

/** A decoded `auth_challenge`. */
export interface AuthChallenge {
  nonce: string;
  kdf: KdfParams;
  /** The name as the server kept it (the one the proof binds), when the server says it. */
  name?: string;
}

/** The challenge in `msg`, or null when `msg` is not one. Throws {@link KdfParamsError} for bad parameters. */
export function readChallenge(msg: Message): AuthChallenge | null {
  if (msg.type !== "auth_challenge") return null;
  if (typeof msg.nonce !== "string" || !/^[0-9a-f]{16,128}$/.test(msg.nonce)) {
    throw new KdfParamsError("Bad challenge: nonce");
  }
  const challenge: AuthChallenge = { nonce: msg.nonce, kdf: checkKdfParams(msg.kdf) };
  if (typeof msg.name === "string") challenge.name = msg.name;
  return challenge;
}

/** Derived keys by salt and cost, so a reconnection does not pay the KDF again. */
const keys = new Map<string, { password: string; key: Uint8Array }>();

/**
 * The `auth` frame answering `challenge` for `name` with `password`.
 *
 * @example
 * ```ts
 * import { answerChallenge } from "./auth.ts";
 * const frame = await answerChallenge(
 *   { nonce: "00112233445566778899aabbccddeeff",
 *     kdf: { name: "scrypt", salt: "0011223344556677", n: 1024, r: 8, p: 1, dklen: 32 } },
 *   { name: "Ana", password: "secreto" },
 * );
 * ```
 */
export async function answerChallenge(
  challenge: AuthChallenge,
  who: { name: string; password: string },
): Promise<Uint8Array> {
  const { kdf } = challenge;
  const id = `${kdf.salt}/${kdf.n}/${kdf.r}/${kdf.p}/${kdf.dklen}`;
  let cached = keys.get(id);
  if (cached === undefined || cached.password !== who.password) {
    cached = { password: who.password, key: await deriveKey(who.password, kdf) };
    keys.clear();
    keys.set(id, cached);
  }
  const name = challenge.name ?? who.name;
  return encodeFrame({ type: "auth", proof: proof(cached.key, "room", challenge.nonce, name) });
}

/**
 * Answers a challenge frame received during the handshake, or returns null
 * when `payload` is not a challenge. Throws {@link ConnectError}: `auth_required`
 * (no password given) or `bad_reply` (unusable parameters).
 */
export async function handshakeAnswer(
  payload: Uint8Array,
  options: { host: string; port: number; name: string; lang: Lang; password?: string },
): Promise<Uint8Array | null> {
  const { host, port } = options;
  let msg: Message;
  try {
    msg = decodeMessage(payload);
  } catch {
    return null; // Not a challenge: the handshake reports what it is.
  }
  let challenge: AuthChallenge | null;
  try {
    challenge = readChallenge(msg);
  } catch (cause) {
    throw new ConnectError("bad_reply", { host, port, detail: (cause as Error).message, cause });
  }
  if (challenge === null) return null;
  if (options.password === undefined || options.password === "") {
    const detail = translator(teacherClientText, options.lang)("passwordNeeded");
    throw new ConnectError("refused_by_server", {
      host,
      port,
      detail,
      serverCode: "auth_required",
    });
  }
  return await answerChallenge(challenge, { name: options.name, password: options.password });
}

/** Whether a failed connection asks for (another) password: none given, or a wrong one. */
export function needsPassword(e: ConnectError): boolean {
  return e.serverCode === "auth_required" || e.serverCode === "auth_failed";
}
