/**
 * A stand-in for the room's call hooks (lib/server/room/room.ts), shared by the relay tests.
 * Not a test file itself.
 */
import type { VideoCodec } from "../lib/protocol/call_codecs.ts";
import type { CallMemberRef, CallRoom } from "../lib/server/relay/types.ts";

interface FakeMember {
  name: string;
  clientId: number | null;
  token: string;
  ip: string;
  v1: boolean;
  offer: readonly VideoCodec[];
}

/** Implements the relay hooks over a plain map and records what the relay did. */
export class FakeRoom implements CallRoom {
  members = new Map<string, FakeMember>();
  left: Array<[string, string]> = [];
  learned: Array<[string, number]> = [];
  changes = 0;
  /** When false the room never tells its call listener (the relay must cope). */
  notify = true;
  #listener: (() => void) | undefined;

  /** Whether a call listener is registered (the relay holds the room). */
  get watched(): boolean {
    return this.#listener !== undefined;
  }

  /** One listener at most, like the real room. */
  watchCall(listener: () => void): () => void {
    if (this.#listener !== undefined) throw new Error("The call already has a listener");
    this.#listener = listener;
    return () => {
      if (this.#listener === listener) this.#listener = undefined;
    };
  }

  /** Adds a v2 member and returns its media token. */
  joinV2(
    name: string,
    clientId: number,
    ip = "127.0.0.1",
    offer: readonly VideoCodec[] = ["mjpeg"],
  ): string {
    const token = crypto.randomUUID().replaceAll("-", "");
    this.members.set(name, { name, clientId, token, ip, v1: false, offer });
    this.#changed();
    return token;
  }

  /** A fresh media token for a member already in the call (`call rebind`). */
  rebind(name: string): string {
    const m = this.members.get(name)!;
    m.token = crypto.randomUUID().replaceAll("-", "");
    this.#changed();
    return m.token;
  }

  joinV1(name: string, ip: string): void {
    this.members.set(name, { name, clientId: null, token: "", ip, v1: true, offer: ["mjpeg"] });
    this.#changed();
  }

  leave(name: string): void {
    this.members.delete(name);
    this.#changed();
  }

  /** When true callByToken() also reports the member's IP address. */
  reportIp = false;

  callByToken(
    mediaToken: string,
  ): (CallMemberRef & { clientId: number; ip?: string }) | undefined {
    for (const m of this.members.values()) {
      if (!m.v1 && m.token === mediaToken && m.clientId !== null) {
        const ref = { name: m.name, clientId: m.clientId, video: m.offer[0], offer: m.offer };
        return this.reportIp ? { ...ref, ip: m.ip } : ref;
      }
    }
    return undefined;
  }

  callV1At(ip: string): CallMemberRef | undefined {
    for (const m of this.members.values()) {
      if (m.v1 && m.ip === ip) return { name: m.name, clientId: m.clientId };
    }
    return undefined;
  }

  setV1ClientId(name: string, clientId: number): void {
    const m = this.members.get(name);
    if (m === undefined) return;
    m.clientId = clientId;
    this.learned.push([name, clientId]);
    this.#changed();
  }

  leaveCall(name: string, reason: "media_timeout"): void {
    this.left.push([name, reason]);
    this.leave(name);
  }

  callMembers(): CallMemberRef[] {
    return [...this.members.values()].map((m) => ({ name: m.name, clientId: m.clientId }));
  }

  #changed(): void {
    this.changes++;
    if (this.notify) this.#listener?.();
  }
}
