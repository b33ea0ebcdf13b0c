/**
 * The room password (PROTOCOL.md 2.7): the challenge a v2 hello gets when
 * the room has a password, the check of the client's proof, the refusal of
 * v1 clients (who cannot prove anything) unless allowed, and the limit on
 * failed attempts per address, shared with the teacher-key login.
 *
 * The password never crosses the wire: the server keeps only the scrypt key
 * (derived once at start, lib/protocol/auth_proof.ts), sends a fresh random
 * nonce per connection, and compares HMAC(key, nonce, name) in constant time.
 * Until the proof arrives the connection is not a member (no name, nothing
 * sent to it but the challenge), and the hello timeout still runs.
 *
 * @module
 */

import { encodeFrame, type Message } from "../../protocol/frame.ts";
import { type KdfParams, proof, sameProof } from "../../protocol/auth_proof.ts";
import type { Member } from "./connection.ts";
import type { TeacherHost } from "./teacher_host.ts";

/** The password as the room holds it: the derived key and how it was derived. */
export interface RoomPassword {
  /** scrypt(password, kdf.salt, ...). */
  key: Uint8Array;
  /** The parameters sent to clients in every challenge. */
  kdf: KdfParams;
}

/** Options of {@link RoomAuth}. */
export interface RoomAuthOptions {
  /** The room password; absent: an open room (no challenge). */
  password?: RoomPassword;
  /** Let v1 clients in although the room has a password (`--allow-v1`). */
  allowV1?: boolean;
  /** Failed attempts an address may make in a row (default 5). */
  attempts?: number;
  /** One more attempt is allowed every this many ms (default 10,000). */
  refillMs?: number;
}

/** A challenge sent and not answered yet. */
interface Pending {
  nonce: string;
  name: string;
  hello: Message;
}

/** Failed attempts of one address: a token bucket with its own refill time. */
interface Attempts {
  tokens: number;
  at: number;
}

/** Addresses remembered at most (old ones are dropped first). */
const MAX_TRACKED = 4096;

/** The room's password gate and attempt limiter (one per room). */
export class RoomAuth {
  readonly #password?: RoomPassword;
  readonly #allowV1: boolean;
  readonly #attempts: number;
  readonly #refillMs: number;
  readonly #pending = new WeakMap<Member, Pending>();
  readonly #passed = new WeakSet<Member>();
  readonly #failures = new Map<string, Attempts>();

  /** A gate for `options.password` (none: open room). */
  constructor(options: RoomAuthOptions = {}) {
    this.#password = options.password;
    this.#allowV1 = options.allowV1 ?? false;
    this.#attempts = options.attempts ?? 5;
    this.#refillMs = options.refillMs ?? 10_000;
  }

  /** Whether joining needs the password. */
  get required(): boolean {
    return this.#password !== undefined;
  }

  /** Whether a v1 client (no password possible) may join. */
  get v1Allowed(): boolean {
    return this.#password === undefined || this.#allowV1;
  }

  /** Whether `member` was sent a challenge it has not answered yet. */
  pending(member: Member): boolean {
    return this.#pending.has(member);
  }

  /**
   * Seconds `ip` must still wait before its next attempt (0: it may try now).
   * Only failed attempts count.
   */
  waitSeconds(ip: string, now: number): number {
    const a = this.#refill(ip, now);
    if (a === undefined || a.tokens >= 1) return 0;
    return Math.max(1, Math.ceil(((1 - a.tokens) * this.#refillMs) / 1000));
  }

  /** Records a failed attempt from `ip`; returns the seconds to wait now (0: may retry at once). */
  fail(ip: string, now: number): number {
    const a = this.#refill(ip, now) ?? { tokens: this.#attempts, at: now };
    a.tokens = Math.max(0, a.tokens - 1);
    this.#failures.delete(ip);
    this.#failures.set(ip, a);
    if (this.#failures.size > MAX_TRACKED) {
      this.#failures.delete(this.#failures.keys().next().value!);
    }
    return this.waitSeconds(ip, now);
  }

  #refill(ip: string, now: number): Attempts | undefined {
    const a = this.#failures.get(ip);
    if (a === undefined) return undefined;
    a.tokens = Math.min(this.#attempts, a.tokens + Math.max(0, now - a.at) / this.#refillMs);
    a.at = now;
    if (a.tokens >= this.#attempts) {
      this.#failures.delete(ip);
      return undefined;
    }
    return a;
  }

  /**
   * Sends the challenge for a v2 hello that passed the name checks, when the
   * room has a password. Returns false when the member may join at once
   * (open room); true when it must answer first (or was refused: blocked).
   */
  challenge(core: TeacherHost, member: Member, name: string, hello: Message): boolean {
    if (this.#password === undefined || this.#passed.has(member)) return false;
    const ref = typeof hello.ref === "string" ? hello.ref : undefined;
    if (this.#refuseBlocked(core, member, ref)) return true;
    const nonce = core.randomHex(16);
    this.#pending.set(member, { nonce, name, hello });
    // `name` is the name as the server kept it (trimmed, NFC): the one the proof binds.
    const kdf = this.#password.kdf;
    core.send(member, encodeFrame({ type: "auth_challenge", nonce, kdf, name }));
    return true;
  }

  /**
   * Checks the frame that answers a challenge. A right proof calls `admit`
   * with the name and hello of the challenge; anything else is `auth_failed`
   * (or `auth_wait` once the address is blocked) and the connection closes.
   */
  answer(
    core: TeacherHost,
    member: Member,
    msg: Message,
    admit: (name: string, hello: Message) => void,
  ): void {
    const p = this.#pending.get(member)!;
    this.#pending.delete(member);
    const ref = typeof msg.ref === "string" ? msg.ref : undefined;
    if (msg.type !== "auth") {
      core.errors.fail(member, "auth_required", core.t("auth_required"), "disconnect", ref);
      return;
    }
    const expected = proof(this.#password!.key, "room", p.nonce, p.name);
    if (sameProof(msg.proof, expected)) {
      this.#passed.add(member);
      admit(p.name, p.hello);
      return;
    }
    const ip = member.handle.ip;
    const wait = this.fail(ip, core.now());
    core.log({ kind: "auth_failed", ip, name: p.name });
    if (wait > 0) core.log({ kind: "auth_blocked", ip, seconds: wait });
    const reply = { type: "error", code: "auth_failed", message: core.t("auth_failed") } as Message;
    if (wait > 0) reply.retry_after = wait;
    if (ref !== undefined) reply.ref = ref;
    core.send(member, encodeFrame(reply));
    core.leave(member, "disconnect");
  }

  /** Refuses a v1 hello when the room has a password and v1 is not allowed; true if refused. */
  refuseV1(core: TeacherHost, member: Member): boolean {
    if (this.v1Allowed) return false;
    member.protocol = 1;
    core.log({ kind: "v1_refused", ip: member.handle.ip });
    core.errors.fail(member, "auth_required", core.t("v1_password"), "disconnect");
    return true;
  }

  /** `auth_wait` and close when the member's address used up its attempts; true if refused. */
  #refuseBlocked(core: TeacherHost, member: Member, ref?: string): boolean {
    const wait = this.waitSeconds(member.handle.ip, core.now());
    if (wait === 0) return false;
    const reply: Message = {
      type: "error",
      code: "auth_wait",
      message: core.t("auth_wait", { seconds: wait }),
      retry_after: wait,
    };
    if (ref !== undefined) reply.ref = ref;
    core.send(member, encodeFrame(reply));
    core.leave(member, "disconnect");
    return true;
  }
}
