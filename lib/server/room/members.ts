/**
 * Who is in the room: members after their hello, by name key (case- and
 * normalisation-blind, see lib/protocol/names.ts) in join order, and by
 * session token; and the frames that list them all.
 *
 * A `welcome` lists every member, so a thousand members joining at once used
 * to build a thousand lists of a thousand objects, their JSON text and their
 * bytes (~33 MB in all, which the V8 heap and the allocator kept as resident
 * memory). Each member's list entry is now encoded once, and a list frame is
 * sent as its header and text around the cached entries
 * ({@link Members.sendListFrame}), byte for byte the JSON of the whole object.
 *
 * @module
 */

import { HEADER_BYTES, type Message } from "../../protocol/frame.ts";
import { nameKey } from "../../protocol/names.ts";
import { utf8Length } from "../../protocol/utf8.ts";
import { encodeMember } from "../../protocol/wire.ts";
import type { Member } from "./connection.ts";

const encoder = new TextEncoder();

/** Where an empty `members` list stands in a frame's JSON (keys are never user text). */
const EMPTY_LIST = '"members":[]';

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

  /**
   * Sends `message`, whose `members` is an empty array, as one frame listing
   * every member in join order (`inCall` holds the names of the call's
   * members). The bytes are those of `encodeFrame` with the whole list (each
   * member as `encodeMember` gives it, in join order) in place; `send` gets them in pieces, in order: a fresh header and text
   * before the list, each member's cached entry, the text after it. With
   * `maxBytes`, the list stops before the entry that would make the payload
   * longer (the caller says the whole count in the message, e.g. `members_total`).
   */
  sendListFrame(
    message: Message,
    inCall: ReadonlySet<string>,
    send: (bytes: Uint8Array) => void,
    options: { maxBytes?: number } = {},
  ): void {
    const text = JSON.stringify(message);
    const at = text.indexOf(EMPTY_LIST);
    if (at < 0) throw new TypeError("sendListFrame needs a message with members: []");
    const split = at + EMPTY_LIST.length - 1;
    const maxBytes = options.maxBytes ?? Infinity;
    // Entries that fit under maxBytes, in join order (each cached entry starts with a comma,
    // the first one's is left out).
    let length = utf8Length(text);
    let count = 0;
    for (const m of this.#byKey.values()) {
      const size = cachedEntry(m, inCall.has(m.name!)).length - (count === 0 ? 1 : 0);
      if (length + size > maxBytes) break;
      length += size;
      count++;
    }
    const head = text.slice(0, split);
    const start = new Uint8Array(HEADER_BYTES + utf8Length(head));
    new DataView(start.buffer).setUint32(0, length);
    encoder.encodeInto(head, start.subarray(HEADER_BYTES));
    send(start);
    let sent = 0;
    for (const m of this.#byKey.values()) {
      if (sent === count) break;
      const bytes = cachedEntry(m, inCall.has(m.name!));
      send(sent === 0 ? bytes.subarray(1) : bytes);
      sent++;
    }
    send(encoder.encode(text.slice(split)));
  }

  /** Forgets everyone (shutdown). */
  clear(): void {
    this.#byKey.clear();
    this.#byToken.clear();
  }
}

/** One entry of the `members` list. */
function entry(m: Member, inCall: boolean): Message {
  // A member held in its grace period (resume.ts) is listed as reconnecting.
  const reconnecting = m.closing !== null;
  return encodeMember({
    name: m.name!,
    since: m.since,
    protocol: m.protocol!,
    inCall,
    reconnecting,
  });
}

/** The member's entry as `,{...}` bytes, encoded the first time it is asked for. */
function cachedEntry(m: Member, inCall: boolean): Uint8Array {
  if (inCall) return m.listEntryInCall ??= encoder.encode("," + JSON.stringify(entry(m, true)));
  return m.listEntry ??= encoder.encode("," + JSON.stringify(entry(m, false)));
}
