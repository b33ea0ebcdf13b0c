/**
 * Who is in the room: members after their hello, by name key (case- and
 * normalisation-blind, see lib/protocol/names.ts) in join order, and by
 * session token.
 *
 * @module
 */

import type { Message } from "../../protocol/frame.ts";
import { nameKey } from "../../protocol/names.ts";
import type { Member } from "./connection.ts";

/** The room's member registry. */
export class Members {
  #byKey = new Map<string, Member>();
  #byToken = new Map<string, Member>();

  /** Number of members. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Whether a member holds the name key `key`. */
  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  /** The member holding the name key `key`, if any. */
  atKey(key: string): Member | undefined {
    return this.#byKey.get(key);
  }

  /** The member holding `name` (any case or normalisation), if any. */
  get(name: string): Member | undefined {
    return this.#byKey.get(nameKey(name));
  }

  /** The member a session token was issued to, if it is still here. */
  byToken(token: string): Member | undefined {
    return this.#byToken.get(token);
  }

  /** Adds a member whose hello succeeded (its name and token are set). */
  add(member: Member): void {
    this.#byKey.set(nameKey(member.name!), member);
    if (member.token !== null) this.#byToken.set(member.token, member);
  }

  /** Removes `member`; false when it was not (or no longer) the holder of its name. */
  remove(member: Member): boolean {
    if (member.name === null) return false;
    const key = nameKey(member.name);
    if (this.#byKey.get(key) !== member) return false;
    this.#byKey.delete(key);
    if (member.token !== null) this.#byToken.delete(member.token);
    return true;
  }

  /** Every member, in join order. */
  values(): IterableIterator<Member> {
    return this.#byKey.values();
  }

  /** The `members` list of `welcome` and `who`, in join order. */
  list(inCall: (name: string) => boolean): Message[] {
    return [...this.#byKey.values()].map((m) => ({
      name: m.name,
      since: m.since,
      protocol: m.protocol,
      in_call: inCall(m.name!),
    }));
  }

  /** Forgets everyone (shutdown). */
  clear(): void {
    this.#byKey.clear();
    this.#byToken.clear();
  }
}
