/**
 * The room's call signalling (PROTOCOL.md section 4): who is in the video
 * call, their media client ids and tokens, the `call` events and
 * `call_joined` replies, and the one listener told of every change (the
 * media relay).
 *
 * @module
 */

import { encodeFrame, type Message } from "../../protocol/frame.ts";
import { nameKey } from "../../protocol/names.ts";
import type { Member } from "./connection.ts";
import type { Members } from "./members.ts";
import type { CallListener, CallMemberRef } from "./types.ts";

/** Why a member left the call (the `reason` of a `call` stop event). */
export type CallLeaveReason = "left" | "quit" | "disconnect" | "media_timeout";

/** What {@link Call} needs from the room. */
export interface CallOptions {
  /** The room's members (call slots are keyed by their name keys). */
  members: Members;
  /** Media port announced in `call_joined`. */
  mediaPort: number;
  /** Random hex source for media tokens. */
  randomHex(bytes: number): string;
  /** Queues bytes for one member. */
  send(member: Member, bytes: Uint8Array): void;
  /** Stamps and broadcasts an event to every member. */
  emit(event: Message): void;
}

interface CallSlot {
  clientId: number | null;
  token: string | null;
}

// Media client ids of v2 members start here; v1 clients pick small ones.
const FIRST_CLIENT_ID = 1_000_000;

/** The call: slots in join order, keyed by member name key. */
export class Call {
  readonly #options: CallOptions;
  readonly #slots = new Map<string, CallSlot>();
  #nextClientId = FIRST_CLIENT_ID;
  #listener: CallListener | undefined;

  /** An empty call over `options.members`. */
  constructor(options: CallOptions) {
    this.#options = options;
  }

  /**
   * Registers THE listener called after every change of the call's
   * membership or client ids. Only one is supported: registering a second
   * while one is set throws. Returns the function that unregisters it.
   */
  watch(listener: CallListener): () => void {
    if (this.#listener !== undefined) {
      throw new Error("The call already has a listener: only one is supported");
    }
    this.#listener = listener;
    return () => {
      if (this.#listener === listener) this.#listener = undefined;
    };
  }

  /** Whether the member called `name` is in the call. */
  has(name: string): boolean {
    return this.#slots.has(nameKey(name));
  }

  /** Everyone in the call, in join order. */
  members(): CallMemberRef[] {
    const out: CallMemberRef[] = [];
    for (const [key, slot] of this.#slots) {
      const m = this.#options.members.atKey(key);
      if (m !== undefined) out.push({ name: m.name!, clientId: slot.clientId });
    }
    return out;
  }

  /** The `members` list of `call`, `call_joined` and `welcome`. */
  list(): Array<{ name: string; client_id: number | null }> {
    return this.members().map((m) => ({ name: m.name, client_id: m.clientId }));
  }

  /** Media token -> the call member it was issued to, with its chat IP. */
  byToken(mediaToken: string): { name: string; clientId: number; ip: string } | undefined {
    for (const [key, slot] of this.#slots) {
      if (slot.token !== null && slot.token === mediaToken && slot.clientId !== null) {
        const m = this.#options.members.atKey(key);
        if (m === undefined) continue;
        return { name: m.name!, clientId: slot.clientId, ip: m.handle.ip };
      }
    }
    return undefined;
  }

  /** A v1 member of the call connected from `ip`. */
  v1At(ip: string): CallMemberRef | undefined {
    for (const [key, slot] of this.#slots) {
      const m = this.#options.members.atKey(key);
      if (m !== undefined && m.protocol === 1 && m.handle.ip === ip) {
        return { name: m.name!, clientId: slot.clientId };
      }
    }
    return undefined;
  }

  /** Records a v1 member's media client id and announces it (`call` action `media`). */
  setV1ClientId(name: string, clientId: number): void {
    const key = nameKey(name);
    const slot = this.#slots.get(key);
    const m = this.#options.members.atKey(key);
    if (slot === undefined || m === undefined || slot.clientId === clientId) return;
    slot.clientId = clientId;
    this.#options.emit({ type: "call", action: "media", from: m.name, client_id: clientId });
    this.#listener?.();
  }

  /**
   * `member` starts (or, already in, re-asks for) the call. A v2 member gets
   * `call_joined` with a fresh client id and media token; a v1 member's id
   * is learnt from its first datagram. A new member is announced to all.
   */
  join(member: Member): void {
    const key = nameKey(member.name!);
    let slot = this.#slots.get(key);
    if (slot !== undefined) {
      if (member.protocol === 2) this.#sendJoined(member, slot);
      return;
    }
    const first = this.#slots.size === 0;
    slot = member.protocol === 2
      ? { clientId: this.#nextClientId++, token: this.#options.randomHex(16) }
      : { clientId: null, token: null };
    this.#slots.set(key, slot);
    if (member.protocol === 2) this.#sendJoined(member, slot);
    this.#options.emit({
      type: "call",
      from: member.name,
      action: "start",
      first,
      client_id: slot.clientId,
      members: this.list(),
    });
    this.#listener?.();
  }

  /** `member` leaves the call and everyone is told; nothing when it was not in it. */
  leave(member: Member, reason: CallLeaveReason): void {
    const key = nameKey(member.name!);
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#slots.delete(key);
    this.#options.emit({
      type: "call",
      from: member.name,
      action: "stop",
      reason,
      client_id: slot.clientId,
      members: this.list(),
      ended: this.#slots.size === 0,
    });
    this.#listener?.();
  }

  /** Forgets every slot without announcing anything (shutdown). */
  clear(): void {
    this.#slots.clear();
  }

  #sendJoined(member: Member, slot: CallSlot): void {
    this.#options.send(
      member,
      encodeFrame({
        type: "call_joined",
        token: slot.token,
        client_id: slot.clientId,
        media_port: this.#options.mediaPort,
        members: this.list(),
      }),
    );
  }
}
