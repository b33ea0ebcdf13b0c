/**
 * Media relay logic (PROTOCOL.md section 5), free of sockets: datagram bytes,
 * the sender's address and the time go in; datagrams to send come out.
 *
 * Rules it enforces:
 * - Only members of the room's call are relayed, or relayed to. A v2 client
 *   proves who it is with the media token it got in `call_joined` (a
 *   `register` datagram); a v1 client is recognised by sending valid v1 media
 *   from the IP address of a v1 member of the call (when v1 media is accepted).
 * - After that, media is accepted only from the bound address with the bound
 *   client id; anything else is dropped and counted. Nothing is ever sent to an
 *   address that is not bound, so the relay cannot reflect traffic.
 * - A binding never moves on a token it has already bound (a replayed
 *   `register`): a v2 move needs a fresh token (`call rebind`); a v1 member
 *   stays bound to the first address that sent for it, and receives at most
 *   {@link V1_AMPLIFICATION} times the bytes that address sent.
 * - Accepted media goes to the other bound members that take its kind
 *   (./forward.ts): MJPEG to MJPEG receivers, H.264 to H.264 receivers,
 *   audio to v2 members only, translated between v1 and v2 as needed.
 * - Bindings silent for `silenceMs` are forgotten and the member leaves the
 *   call (`media_timeout`); members that leave the call are unbound at once.
 *
 * @module
 */

import { TokenBucket } from "../../protocol/token_bucket.ts";
import {
  bytesToToken,
  decodeMediaPacket,
  decodeV1Packet,
  encodeMediaPacket,
  isV2Datagram,
  MAX_DATAGRAM,
  MediaKind,
  V1_ROOM,
} from "../../protocol/media_packet.ts";
import {
  type Binding,
  forwardAudio,
  type Forwarded,
  forwardFrame,
  newBinding,
  V1_AMPLIFICATION,
  V1_BUDGET_CAP,
} from "./forward.ts";
import {
  type CallRoom,
  DEFAULT_MAX_AUDIO_RATE,
  DEFAULT_MAX_FPS,
  DEFAULT_SILENCE_MS,
  DROP_REASONS,
  type Outgoing,
  type RelayAddress,
  type RelayDropReason,
  type RelayOptions,
  type RelayStats,
} from "./types.ts";

const NO_OUTPUT: Outgoing[] = [];

export { V1_AMPLIFICATION, V1_BUDGET_CAP } from "./forward.ts";

function addressKey(address: RelayAddress): string {
  return `${address.hostname}|${address.port}`;
}

/** The plain IPv4 form of an IPv4-mapped IPv6 address, so it matches the chat side. */
export function plainIp(hostname: string): string {
  return hostname.toLowerCase().startsWith("::ffff:") && hostname.includes(".")
    ? hostname.slice(7)
    : hostname;
}

/**
 * The relay's state machine. One instance per call room; {@link receive} for
 * every datagram, {@link tick} about once a second.
 *
 * @example
 * ```ts
 * import { Relay } from "./relay.ts";
 * import type { CallRoom } from "./types.ts";
 * const room: CallRoom = {
 *   callByToken: () => undefined,
 *   callV1At: () => undefined,
 *   setV1ClientId: () => {},
 *   leaveCall: () => {},
 *   callMembers: () => [],
 * };
 * const relay = new Relay(room, { acceptV1: true });
 * const out = relay.receive(new Uint8Array(8), { hostname: "127.0.0.1", port: 40000 }, 0);
 * // out is empty: a sender that never registered is dropped, never answered.
 * // Otherwise send out[i].bytes to every address of out[i].to.
 * relay.close();
 * ```
 */
export class Relay {
  readonly acceptV1: boolean;
  readonly maxDatagram: number;
  readonly maxFps: number;
  readonly maxAudioRate: number;
  readonly silenceMs: number;
  #room: CallRoom;
  #byKey = new Map<string, Binding>();
  #byClientId = new Map<number, Binding>();
  /** v2 client id -> the last token it bound with: that token can never move a binding. */
  #spent = new Map<number, string>();
  #unwatch: (() => void) | undefined;
  #closed = false;
  #received = 0;
  #sent = 0;
  #frames = 0;
  #audio = 0;
  #expired = 0;
  #dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<
    RelayDropReason,
    number
  >;

  constructor(room: CallRoom, options: RelayOptions) {
    this.#room = room;
    this.acceptV1 = options.acceptV1;
    this.maxDatagram = Math.min(options.maxDatagram ?? MAX_DATAGRAM, MAX_DATAGRAM);
    this.maxFps = options.maxFps ?? DEFAULT_MAX_FPS;
    this.maxAudioRate = options.maxAudioRate ?? DEFAULT_MAX_AUDIO_RATE;
    this.silenceMs = options.silenceMs ?? DEFAULT_SILENCE_MS;
    if (!(this.maxDatagram > 0)) throw new RangeError(`Bad max datagram: ${options.maxDatagram}`);
    if (!(this.maxFps > 0)) throw new RangeError(`Bad max fps: ${options.maxFps}`);
    if (!(this.maxAudioRate > 0)) {
      throw new RangeError(`Bad max audio rate: ${options.maxAudioRate}`);
    }
    if (!(this.silenceMs > 0)) throw new RangeError(`Bad silence: ${options.silenceMs}`);
    this.#unwatch = room.watchCall?.(() => this.syncMembers());
  }

  /** Number of bound addresses. */
  get size(): number {
    return this.#byKey.size;
  }

  /**
   * Handles one received datagram and returns what to send. `bytes` may be
   * forwarded as is, so the caller must not reuse its buffer until the sends
   * are done. Never throws on hostile input.
   */
  receive(bytes: Uint8Array, from: RelayAddress, now: number): Outgoing[] {
    this.#received++;
    if (this.#closed) return NO_OUTPUT;
    if (bytes.length > this.maxDatagram) return this.#drop("too_large");
    return isV2Datagram(bytes)
      ? this.#receiveV2(bytes, from, now)
      : this.#receiveV1(bytes, from, now);
  }

  /**
   * Forgets bindings silent for longer than `silenceMs` (their members leave
   * the call with reason `media_timeout`) and drops bindings of members that
   * left the call. Call about once a second.
   */
  tick(now: number): void {
    if (this.#closed) return;
    this.syncMembers();
    const silent: Binding[] = [];
    for (const b of this.#byKey.values()) {
      if (now - b.lastSeen > this.silenceMs) silent.push(b);
    }
    for (const b of silent) {
      this.#unbind(b);
      this.#expired++;
    }
    // The room tells its call listener from leaveCall; the bindings are already gone.
    for (const b of silent) this.#room.leaveCall(b.name, "media_timeout");
  }

  /**
   * Drops the bindings of members no longer in the call (or in it under
   * another client id). Runs on every change of the room's call and on every tick.
   */
  syncMembers(): void {
    if (this.#closed || (this.#byKey.size === 0 && this.#spent.size === 0)) return;
    const refs = new Map(this.#room.callMembers().map((m) => [m.name, m]));
    const live = new Set([...refs.values()].map((m) => m.clientId));
    for (const id of [...this.#spent.keys()]) if (!live.has(id)) this.#spent.delete(id);
    for (const b of [...this.#byKey.values()]) {
      const ref = refs.get(b.name);
      if (ref === undefined) {
        this.#unbind(b);
        continue;
      }
      b.muted = ref.muted === true;
      const id = ref.clientId;
      // A v1 member's id may still read null right after we taught it; the
      // per-datagram check re-learns it when it really rejoined.
      if (id !== b.clientId && !(b.protocol === 1 && id === null)) this.#unbind(b);
    }
  }

  /** A snapshot of the counters. */
  stats(): RelayStats {
    let droppedTotal = 0;
    for (const r of DROP_REASONS) droppedTotal += this.#dropped[r];
    return {
      received: this.#received,
      sent: this.#sent,
      frames: this.#frames,
      audio: this.#audio,
      expired: this.#expired,
      dropped: { ...this.#dropped },
      droppedTotal,
      members: [...this.#byKey.values()].map((b) => ({
        name: b.name,
        clientId: b.clientId,
        protocol: b.protocol,
        address: b.address.hostname.includes(":")
          ? `[${b.address.hostname}]:${b.address.port}`
          : `${b.address.hostname}:${b.address.port}`,
        framesIn: b.framesIn,
        framesOut: b.framesOut,
      })),
    };
  }

  /** Forgets every binding and unregisters from the room's call. Safe twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#byKey.clear();
    this.#byClientId.clear();
    this.#spent.clear();
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  #drop(reason: RelayDropReason): Outgoing[] {
    this.#dropped[reason]++;
    return NO_OUTPUT;
  }

  #receiveV2(bytes: Uint8Array, from: RelayAddress, now: number): Outgoing[] {
    const decoded = decodeMediaPacket(bytes);
    if (!decoded.ok) {
      return this.#drop(decoded.reason === "too_large" ? "too_large" : "malformed");
    }
    const packet = decoded.packet;
    const key = addressKey(from);
    if (packet.kind === MediaKind.Register) {
      return this.#register(bytesToToken(packet.payload), packet.clientId, packet, from, key, now);
    }
    const b = this.#byKey.get(key);
    if (b === undefined) return this.#drop("unregistered");
    if (b.protocol !== 2 || b.clientId !== packet.clientId) return this.#drop("spoofed");
    if (!this.#stillInCallV2(b)) return this.#drop("not_in_call");
    switch (packet.kind) {
      case MediaKind.Keepalive:
        b.lastSeen = now;
        return NO_OUTPUT;
      case MediaKind.Bye:
        this.#unbind(b);
        return NO_OUTPUT;
      case MediaKind.Video:
      case MediaKind.H264:
        b.lastSeen = now;
        if (!(packet.kind === MediaKind.H264 ? b.h264Bucket : b.bucket).take(now)) {
          return this.#drop("rate_limited");
        }
        return this.#counted(
          forwardFrame(b, packet.kind, this.#byKey.values(), bytes, null, packet.payload),
        );
      case MediaKind.Audio:
        b.lastSeen = now;
        if (b.muted) return this.#drop("muted");
        if (!b.audioBucket.take(now)) return this.#drop("rate_limited");
        this.#audio++;
        return this.#counted(forwardAudio(b, this.#byKey.values(), bytes));
      default:
        // `registered` is relay -> client only.
        b.lastSeen = now;
        return this.#drop("unexpected_kind");
    }
  }

  #register(
    token: string,
    clientId: number,
    packet: { seq: number; ts: number },
    from: RelayAddress,
    key: string,
    now: number,
  ): Outgoing[] {
    const member = this.#room.callByToken(token);
    if (member === undefined) return this.#drop("bad_token");
    if (member.clientId !== clientId) return this.#drop("spoofed");
    if (member.ip !== undefined && plainIp(member.ip) !== plainIp(from.hostname)) {
      return this.#drop("spoofed");
    }
    let b = this.#byClientId.get(clientId);
    if (b !== undefined && (b.key !== key || b.protocol !== 2)) {
      // A move (new socket, NAT rebinding) needs a token that never bound.
      if (b.token === token) return this.#drop("replayed");
      this.#unbind(b);
      b = undefined;
    }
    if (b === undefined) {
      if (this.#spent.get(clientId) === token) return this.#drop("replayed");
      if (this.#byKey.has(key)) this.syncMembers(); // it may hold someone who just left
      // An address bound to another current member is not taken over.
      if (this.#byKey.has(key)) return this.#drop("spoofed");
      b = this.#bind(key, from, member.name, clientId, 2, token, now);
      b.receives = member.video ?? "mjpeg";
      b.sendsH264 = member.offer?.includes("h264") ?? false;
      b.muted = member.muted === true;
      this.#spent.set(clientId, token);
    } else if (b.token !== token) {
      b.token = token; // a fresh token from the same address
      this.#spent.set(clientId, token);
    }
    b.lastSeen = now;
    const ack = encodeMediaPacket({
      kind: MediaKind.Registered,
      clientId,
      seq: packet.seq,
      ts: packet.ts,
    });
    this.#sent++;
    return [{ bytes: ack, to: [b.address] }];
  }

  #receiveV1(bytes: Uint8Array, from: RelayAddress, now: number): Outgoing[] {
    if (!this.acceptV1) return this.#drop("v1_refused");
    const decoded = decodeV1Packet(bytes);
    if (!decoded.ok) {
      return this.#drop(decoded.reason === "too_large" ? "too_large" : "malformed");
    }
    const { clientId, room, payload } = decoded.packet;
    const key = addressKey(from);
    const ip = plainIp(from.hostname);
    let b = this.#byKey.get(key);
    if (b !== undefined) {
      if (b.protocol !== 1 || b.clientId !== clientId) return this.#drop("spoofed");
      const member = this.#room.callV1At(ip);
      if (member === undefined || member.name !== b.name) {
        this.#unbind(b);
        return this.#drop("not_in_call");
      }
      if (member.clientId === null) {
        // Left and rejoined the call with the same socket: teach the id again.
        this.#room.setV1ClientId(b.name, clientId);
      } else if (member.clientId !== clientId) {
        this.#unbind(b);
        return this.#drop("spoofed");
      }
    } else {
      const member = this.#room.callV1At(ip);
      if (member === undefined) return this.#drop("v1_not_in_call");
      if (member.clientId !== null && member.clientId !== clientId) return this.#drop("spoofed");
      // The member's first sending address is its binding for as long as it
      // is in the call: a datagram from another port (a same-IP eavesdropper
      // or a spoofed source) never moves it, and an id is never taken over.
      if (this.#boundV1(member.name) || this.#byClientId.has(clientId)) {
        return this.#drop("spoofed");
      }
      if (member.clientId === null) this.#room.setV1ClientId(member.name, clientId);
      b = this.#bind(key, from, member.name, clientId, 1, "", now);
    }
    b.lastSeen = now;
    if (!b.bucket.take(now)) return this.#drop("rate_limited");
    b.budget = Math.min(V1_BUDGET_CAP, b.budget + bytes.length * V1_AMPLIFICATION);
    const v1Bytes = room === V1_ROOM ? bytes : null;
    return this.#counted(
      forwardFrame(b, MediaKind.Video, this.#byKey.values(), null, v1Bytes, payload),
    );
  }

  #boundV1(name: string): boolean {
    for (const b of this.#byKey.values()) if (b.protocol === 1 && b.name === name) return true;
    return false;
  }

  #stillInCallV2(b: Binding): boolean {
    const member = this.#room.callByToken(b.token);
    if (member !== undefined && member.clientId === b.clientId && member.name === b.name) {
      return true;
    }
    this.#unbind(b);
    return false;
  }

  /** Adds a forwarding's copies and budget drops to the counters. */
  #counted(f: Forwarded): Outgoing[] {
    if (f.frame) this.#frames++;
    this.#sent += f.copies;
    this.#dropped.v1_budget += f.budgetDrops;
    return f.out;
  }

  #bind(
    key: string,
    address: RelayAddress,
    name: string,
    clientId: number,
    protocol: 1 | 2,
    token: string,
    now: number,
  ): Binding {
    const b = newBinding({ key, address, name, clientId, protocol, token }, now, {
      video: new TokenBucket(this.maxFps, this.maxFps, now),
      h264: new TokenBucket(this.maxFps, this.maxFps, now),
      audio: new TokenBucket(this.maxAudioRate, this.maxAudioRate, now),
    });
    this.#byKey.set(key, b);
    this.#byClientId.set(clientId, b);
    return b;
  }

  #unbind(b: Binding): void {
    if (this.#byKey.get(b.key) === b) this.#byKey.delete(b.key);
    if (this.#byClientId.get(b.clientId) === b) this.#byClientId.delete(b.clientId);
  }
}
