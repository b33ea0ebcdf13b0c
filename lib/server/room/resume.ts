/**
 * Coming back after a lost connection (PROTOCOL.md 2.6): reconnect tokens,
 * the grace period and the catch-up from the last `seq` a client saw.
 *
 * - Every v2 member gets a secret reconnect token in its `welcome`
 *   (`resume_token`). A later hello that carries it (`"resume"`) with the same
 *   name takes that member over: the old connection, if the server still
 *   holds it, is closed quietly, and no leave or join is announced.
 * - A v2 member whose connection vanished without a `quit` (reset, EOF,
 *   idle timeout) is held as "reconnecting" for the grace period: its name
 *   stays taken and listed, nothing is announced; the leave comes only when
 *   the grace period ends without a takeover.
 * - A hello's `"since":<seq>` asks for the history after that seq only; when
 *   some of those messages are no longer in the history the welcome says how
 *   many (`"missed"`).
 *
 * Pure logic: timers come from the injected clock, so tests move time by hand.
 *
 * @module
 */

import type { Clock, TimerId } from "../../protocol/clock.ts";
import type { Message } from "../../protocol/frame.ts";
import type { LogSink } from "../log_event.ts";
import type { Call } from "./call.ts";
import type { Member } from "./connection.ts";
import type { Members } from "./members.ts";
import type { LeaveReason } from "./types.ts";

/** Default grace period before a vanished member's leave is announced (`--grace`). */
export const DEFAULT_GRACE_MS = 30_000;

/** How many message seqs the trail remembers for counting `missed` (about 80 KB). */
const TRAIL_SIZE = 10_000;

/** What {@link Resume} needs from the room. */
export interface ResumeOptions {
  /** Grace period in ms; 0 announces leaves at once (default {@link DEFAULT_GRACE_MS}). */
  graceMs?: number;
  /** Timers of the grace period (the room's clock). */
  clock: Pick<Clock, "setTimeout" | "clearTimeout">;
  /** Random hex source for the tokens. */
  randomHex(bytes: number): string;
  /** Called when a held member's grace period ends: announce its leave (for `reason`) now. */
  expire(member: Member, reason: LeaveReason): void;
  /** Where `reconnecting` and `reconnected` go (the teacher's log). */
  log?: LogSink;
}

/** What the welcome says about a catch-up. */
export interface CatchUp {
  /** The history messages to send (those after `since`, or all of them). */
  messages: readonly Message[];
  /** Messages after `since` no longer kept in the history (0 when none or unknown). */
  missed: number;
  /**
   * Whether more may have been missed than `missed` counts: messages from
   * before what the server still knows of (a restart with a full history).
   */
  missedMore: boolean;
}

/**
 * The reconnect tokens, the members held in their grace period, and the
 * trail of message seqs used to count what a returning client missed.
 *
 * @example
 * ```ts
 * import { Resume } from "./resume.ts";
 * import { systemClock } from "../../protocol/clock.ts";
 * const resume = new Resume({ clock: systemClock, randomHex: () => "ab", expire: () => {} });
 * resume.catchUp([{ type: "message", seq: 5 }], 4).messages.length; // 1
 * ```
 */
export class Resume {
  readonly #graceMs: number;
  readonly #options: ResumeOptions;
  /** Reconnect token of each v2 member (live or held). */
  #tokens = new Map<Member, string>();
  /** Grace timers of the held members. */
  #held = new Map<Member, TimerId>();
  /** Members whose connection vanished (EOF, reset, silence), as opposed to being closed. */
  #vanished = new WeakSet<Member>();
  /** Ring of the seqs of every remembered message, oldest first from `#start`. */
  #trail = new Float64Array(TRAIL_SIZE);
  #start = 0;
  #count = 0;
  /** Every message with a seq from here on is in the trail (what `missed` can count). */
  #coveredFrom = 0;

  /** Tokens and grace period for one room. */
  constructor(options: ResumeOptions) {
    this.#options = options;
    this.#graceMs = Math.max(0, options.graceMs ?? DEFAULT_GRACE_MS);
  }

  /** A new secret reconnect token for a v2 member that was just admitted. */
  issue(member: Member): string {
    const token = this.#options.randomHex(16);
    this.#tokens.set(member, token);
    return token;
  }

  /** Whether `token` is `holder`'s reconnect token (compared in full, in constant time). */
  provesToken(holder: Member, token: unknown): boolean {
    const own = this.#tokens.get(holder);
    return typeof token === "string" && own !== undefined && token.length === own.length &&
      timingSafeEqualText(token, own);
  }

  /**
   * Whether a hello carrying `token`, from address `ip`, may take over
   * `holder` (the member that holds the name it asks for): with the
   * holder's reconnect token, always (even while its old connection is still
   * open); without it, only a held member (its connection is gone) from the
   * same address: the same person whose client restarted. Tokens are
   * compared in full; anything else is not a match (`name_taken`).
   */
  mayTakeOver(holder: Member, token: unknown, ip: string): boolean {
    if (this.provesToken(holder, token)) return true;
    return this.#held.has(holder) && holder.handle.ip === ip;
  }

  /**
   * Notes that `member`'s connection vanished (the socket ended or went
   * silent) rather than being closed by the server for a reason of its own.
   */
  vanished(member: Member): void {
    this.#vanished.add(member);
  }

  /**
   * Called when a member leaves for `reason`. A v2 member whose connection
   * vanished ({@link vanished}) is held for the grace period (true: announce
   * nothing now); any other leave forgets the member (false: announce it now).
   */
  hold(member: Member, reason: LeaveReason): boolean {
    const gone = this.#vanished.has(member) && (reason === "disconnect" || reason === "timeout");
    if (this.#graceMs === 0 || !gone || !this.#tokens.has(member)) {
      this.forget(member);
      return false;
    }
    if (this.#held.has(member)) return true;
    const timer = this.#options.clock.setTimeout(() => {
      if (!this.#held.delete(member)) return;
      this.#tokens.delete(member);
      this.#options.expire(member, reason);
    }, this.#graceMs);
    this.#held.set(member, timer);
    // Its list entry now says "reconnecting" (members.ts encodes it again).
    member.listEntry = member.listEntryInCall = null;
    this.#options.log?.({ kind: "reconnecting", name: member.name ?? "" });
    return true;
  }

  /** Forgets `member`'s token and grace timer (it left for good, or was taken over). */
  forget(member: Member): void {
    const timer = this.#held.get(member);
    if (timer !== undefined) this.#options.clock.clearTimeout(timer);
    this.#held.delete(member);
    this.#tokens.delete(member);
  }

  /** Logs a takeover (the teacher sees who came back). */
  reconnected(name: string): void {
    this.#options.log?.({ kind: "reconnected", name });
  }

  /** Forgets everyone and cancels every grace timer (shutdown). */
  clear(): void {
    for (const timer of this.#held.values()) this.#options.clock.clearTimeout(timer);
    this.#held.clear();
    this.#tokens.clear();
  }

  /**
   * Starts the trail from a history restored at start (`size`: the history's
   * length). A full history may have lost older messages, so counting starts
   * at its first one; a shorter one holds every message there ever was.
   */
  restore(messages: readonly Message[], size: number): void {
    for (const m of messages) this.remembered(m.seq);
    const first = messages[0]?.seq;
    if (messages.length >= size && typeof first === "number") this.#coveredFrom = first;
  }

  /** Records the seq of a message kept in the history (the trail `missed` is counted on). */
  remembered(seq: unknown): void {
    if (typeof seq !== "number") return;
    if (this.#count === TRAIL_SIZE) {
      // The oldest seq leaves the trail: counting starts after it.
      this.#coveredFrom = Math.max(this.#coveredFrom, this.#trail[this.#start] + 1);
      this.#trail[this.#start] = seq;
      this.#start = (this.#start + 1) % TRAIL_SIZE;
    } else {
      this.#trail[(this.#start + this.#count++) % TRAIL_SIZE] = seq;
    }
  }

  /**
   * The history a hello with `since` gets: the kept messages after `since`,
   * and how many messages after `since` are no longer kept (and whether there
   * may be more than that, from before what the trail covers). A `since`
   * that is not a non-negative integer, or not below `nextSeq` (the server's
   * seq went another way, e.g. its history was lost), gets the whole history
   * and no count, as a new client does.
   */
  catchUp(history: readonly Message[], since: unknown, nextSeq = Infinity): CatchUp {
    if (!isSeq(since) || since >= nextSeq) {
      return { messages: history, missed: 0, missedMore: false };
    }
    const messages = history.filter((m) => typeof m.seq === "number" && m.seq > since);
    const firstKept = messages.length > 0 ? messages[0].seq as number : nextSeq;
    let missed = 0;
    for (let i = 0; i < this.#count; i++) {
      const seq = this.#trail[(this.#start + i) % TRAIL_SIZE];
      if (seq > since && seq < firstKept) missed++;
    }
    // Seqs between `since` and what the trail covers may have been messages nobody can count.
    const missedMore = since + 1 < Math.min(this.#coveredFrom, firstKept);
    return { messages, missed, missedMore };
  }
}

/** Whether `value` can be a seq a client saw. */
function isSeq(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** Compares two strings of the same length without stopping at the first difference. */
function timingSafeEqualText(a: string, b: string): boolean {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** What a takeover changes in the room. */
export interface TakeOverRoom {
  readonly members: Members;
  readonly call: Call;
  readonly resume: Resume;
}

/**
 * Removes `holder` quietly so the hello that proved its reconnect token can
 * take its name: a connection the server still holds is closed (reason
 * `replaced`), the call is left as on a disconnect, and no leave is announced.
 */
export function takeOver(room: TakeOverRoom, holder: Member): void {
  room.resume.forget(holder);
  if (holder.closing === null) {
    holder.closing = "disconnect";
    holder.handle.close("replaced");
  }
  room.call.leave(holder, "disconnect");
  room.members.remove(holder);
}
