/**
 * The room's call signalling (PROTOCOL.md section 4): who is in the call,
 * their media client ids and tokens, the video codec each receives (and so
 * the call's `send` list), audio and mute state, keyframe requests, the
 * `call` events and `call_joined` replies, and the one listener told of
 * every change (the media relay).
 *
 * @module
 */

import {
  LEGACY_CODECS,
  receiveCodec,
  sendSet,
  type VideoCodec,
} from "../../protocol/call_codecs.ts";
import { encodeFrame, type Message } from "../../protocol/frame.ts";
import { nameKey } from "../../protocol/names.ts";
import { TokenBucket } from "../../protocol/token_bucket.ts";
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
  /** The room's clock in ms (keyframe request limit); default `Date.now`. */
  now?: () => number;
}

/** What a member asks for in its `call start` (parsed by the request handler). */
export interface CallPrefs {
  /** Codecs it receives and sends, in preference order (not empty). */
  video: readonly VideoCodec[];
  /** Whether it sends and plays audio. */
  audio: boolean;
  /** Whether its microphone starts muted. */
  muted: boolean;
}

/** The preferences of a client that says nothing (v1, older v2): MJPEG, no audio. */
export const LEGACY_PREFS: CallPrefs = { video: LEGACY_CODECS, audio: false, muted: true };

/** Keyframe requests per second one member may make (bursts of the same). */
export const KEYFRAME_REQUESTS_PER_SECOND = 2;

interface CallSlot {
  clientId: number | null;
  token: string | null;
  offer: readonly VideoCodec[];
  audio: boolean;
  muted: boolean;
  keyframes: TokenBucket;
}

/** A `members` entry of `call`, `call_joined` and `welcome.call`. */
export interface CallListEntry {
  name: string;
  client_id: number | null;
  video: VideoCodec;
  audio: boolean;
  muted: boolean;
}

// Media client ids of v2 members start here; v1 clients pick small ones.
const FIRST_CLIENT_ID = 1_000_000;

/** The call: slots in join order, keyed by member name key. */
export class Call {
  readonly #options: CallOptions;
  readonly #now: () => number;
  readonly #slots = new Map<string, CallSlot>();
  #nextClientId = FIRST_CLIENT_ID;
  #listener: CallListener | undefined;

  /** An empty call over `options.members`. */
  constructor(options: CallOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
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

  /** Everyone in the call, in join order, with the codec each receives and offers. */
  members(): CallMemberRef[] {
    const out: CallMemberRef[] = [];
    for (const [key, slot] of this.#slots) {
      const m = this.#options.members.atKey(key);
      if (m === undefined) continue;
      out.push({
        name: m.name!,
        clientId: slot.clientId,
        video: receiveCodec(slot.offer),
        offer: slot.offer,
        audio: slot.audio,
        muted: slot.muted,
      });
    }
    return out;
  }

  /** The `members` list of `call`, `call_joined` and `welcome`. */
  list(): CallListEntry[] {
    const out: CallListEntry[] = [];
    for (const [key, slot] of this.#slots) {
      const m = this.#options.members.atKey(key);
      if (m === undefined) continue;
      out.push({
        name: m.name!,
        client_id: slot.clientId,
        video: receiveCodec(slot.offer),
        audio: slot.audio,
        muted: slot.muted,
      });
    }
    return out;
  }

  /** The codecs senders must send now (`send` of `call_joined` and `call` events). */
  send(): VideoCodec[] {
    return sendSet([...this.#slots.values()].map((slot) => receiveCodec(slot.offer)));
  }

  /** Media token -> the call member it was issued to, with its chat IP and codecs. */
  byToken(
    mediaToken: string,
  ): (CallMemberRef & { clientId: number; ip: string }) | undefined {
    for (const [key, slot] of this.#slots) {
      if (slot.token !== null && slot.token === mediaToken && slot.clientId !== null) {
        const m = this.#options.members.atKey(key);
        if (m === undefined) continue;
        return {
          name: m.name!,
          clientId: slot.clientId,
          ip: m.handle.ip,
          video: receiveCodec(slot.offer),
          offer: slot.offer,
          audio: slot.audio,
          muted: slot.muted,
        };
      }
    }
    return undefined;
  }

  /** A v1 member of the call connected from `ip`. */
  v1At(ip: string): CallMemberRef | undefined {
    for (const [key, slot] of this.#slots) {
      const m = this.#options.members.atKey(key);
      if (m !== undefined && m.protocol === 1 && m.handle.ip === ip) {
        return { name: m.name!, clientId: slot.clientId, video: "mjpeg", offer: LEGACY_CODECS };
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
    this.#options.emit({
      type: "call",
      action: "media",
      from: m.name,
      client_id: clientId,
      send: this.send(),
    });
    this.#listener?.();
  }

  /**
   * `member` starts (or, already in, re-asks for) the call. A v2 member gets
   * `call_joined` with a fresh client id and media token; a v1 member's id
   * is learnt from its first datagram. A new member is announced to all.
   * `prefs` are ignored for a v1 member and when already in the call.
   */
  join(member: Member, prefs: CallPrefs = LEGACY_PREFS): void {
    const key = nameKey(member.name!);
    let slot = this.#slots.get(key);
    if (slot !== undefined) {
      if (member.protocol === 2) this.#sendJoined(member, slot);
      return;
    }
    const first = this.#slots.size === 0;
    const v2 = member.protocol === 2;
    const p = v2 ? prefs : LEGACY_PREFS;
    slot = {
      clientId: v2 ? this.#nextClientId++ : null,
      token: v2 ? this.#options.randomHex(16) : null,
      offer: p.video.length > 0 ? [...p.video] : LEGACY_CODECS,
      audio: p.audio,
      muted: p.audio ? p.muted : true,
      keyframes: this.#keyframeBucket(),
    };
    this.#slots.set(key, slot);
    if (v2) this.#sendJoined(member, slot);
    this.#options.emit({
      type: "call",
      from: member.name,
      action: "start",
      first,
      client_id: slot.clientId,
      members: this.list(),
      send: this.send(),
    });
    this.#listener?.();
  }

  /** `member` leaves the call and everyone is told; nothing when it was not in it. */
  leave(member: Member, reason: CallLeaveReason): void {
    const key = nameKey(member.name!);
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#slots.delete(key);
    const ended = this.#slots.size === 0;
    this.#options.emit({
      type: "call",
      from: member.name,
      action: "stop",
      reason,
      client_id: slot.clientId,
      members: this.list(),
      send: this.send(),
      ended,
    });
    this.#listener?.();
  }

  /**
   * A fresh media token for a v2 member already in the call (`call rebind`):
   * the only way to move its media binding to a new address, since the
   * relay never moves a binding on a token it has already bound. Answers
   * `call_joined` with the new token. False when not in the call.
   */
  rebind(member: Member): boolean {
    const slot = this.#slots.get(nameKey(member.name!));
    if (slot === undefined) return false;
    if (member.protocol !== 2) return true;
    slot.token = this.#options.randomHex(16);
    this.#sendJoined(member, slot);
    this.#listener?.();
    return true;
  }

  /**
   * `member` asks the sender with media `clientId` for a keyframe. Forwarded
   * to that member only (a v2 member of the call other than the requester),
   * at most {@link KEYFRAME_REQUESTS_PER_SECOND} per second per requester;
   * anything else is dropped silently. False when the requester is not in
   * the call.
   */
  requestKeyframe(member: Member, clientId: number): boolean {
    const slot = this.#slots.get(nameKey(member.name!));
    if (slot === undefined) return false;
    if (clientId === slot.clientId || !slot.keyframes.take(this.#now())) return true;
    for (const [key, target] of this.#slots) {
      if (target.clientId !== clientId) continue;
      const m = this.#options.members.atKey(key);
      if (m === undefined || m.protocol !== 2) return true;
      this.#options.send(
        m,
        encodeFrame({ type: "call", action: "keyframe", from: member.name }),
      );
      return true;
    }
    return true;
  }

  /**
   * Mutes or unmutes `member`'s microphone; a change is announced to all
   * (`call` action `mute`). False when not in the call.
   */
  setMuted(member: Member, muted: boolean): boolean {
    const slot = this.#slots.get(nameKey(member.name!));
    if (slot === undefined) return false;
    if (slot.muted === muted) return true;
    slot.muted = muted;
    this.#listener?.(); // the relay drops a muted member's audio
    this.#options.emit({
      type: "call",
      from: member.name,
      action: "mute",
      muted,
      client_id: slot.clientId,
      members: this.list(),
      send: this.send(),
    });
    return true;
  }

  /** Forgets every slot without announcing anything (shutdown). */
  clear(): void {
    this.#slots.clear();
  }

  #keyframeBucket(): TokenBucket {
    const rate = KEYFRAME_REQUESTS_PER_SECOND;
    return new TokenBucket(rate, rate, this.#now());
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
        send: this.send(),
      }),
    );
  }
}
