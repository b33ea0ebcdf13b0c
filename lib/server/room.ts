/**
 * The chat room: members, names, hello, events with a room-wide sequence,
 * history, limits, v1 compatibility and the call signaling (PROTOCOL.md
 * sections 2 and 4).
 *
 * Pure logic: it never touches sockets, files or timers. The chat server
 * feeds it frame payloads with {@link RoomConnection.receive} and gives it,
 * per connection, a `send(bytes)` and a `close(reason)` callback. Clock,
 * files view, random source and persistence come in through
 * {@link RoomOptions}, so tests drive it byte by byte.
 *
 * Every event is encoded once with `encodeFrame` and the same bytes are
 * handed to every member. Leaves caused while an event is being delivered
 * (a queue that overflowed) are deferred until the delivery finishes, so
 * every member sees every event in `seq` order.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import {
  decodeMessage,
  DEFAULT_MAX_FRAME,
  encodeFrame,
  type Message,
  ProtocolError,
} from "../protocol/frame.ts";
import type { FileInfo } from "./file_store.ts";
import { type Lang, translator } from "../protocol/i18n.ts";
import { checkName, MAX_NAME, nameKey, repairName } from "../protocol/names.ts";
import { serverText } from "./text.ts";
import { VERSION } from "../protocol/version.ts";

/** A shared file as the room lists it: the file store's record (type only, no I/O). */
export type RoomFile = FileInfo;

/** What the room needs from the file store. */
export interface RoomFiles {
  /** Published and announced files, oldest first. */
  list(): RoomFile[];
  /** v1 announce: the file, now announced as `from`'s, or undefined (PROTOCOL.md 3.3). */
  claimV1(fileId: string, ip: string, from: string): RoomFile | undefined;
}

/** Persistent part of the room: the next `seq` and the last messages. */
export interface RoomHistory {
  nextSeq: number;
  messages: Message[];
}

/** Why a member left (the `reason` of a leave event). */
export type LeaveReason =
  | "quit"
  | "disconnect"
  | "timeout"
  | "slow_consumer"
  | "flood"
  | "shutdown";

/** Options of {@link Room}. */
export interface RoomOptions {
  /** Server language for system texts and error messages (default "es"). */
  lang?: Lang;
  /** Clock in Unix ms (default Date.now). */
  now?: () => number;
  /** The file store's view (default: no files). */
  files?: RoomFiles;
  /** History and next seq restored from disk. */
  history?: RoomHistory;
  /** Called after every event with the state to persist (the caller debounces). */
  onHistory?: (history: RoomHistory) => void;
  /** Largest message text in UTF-8 bytes (default 4096). */
  maxMessage?: number;
  /** Largest frame, reported in `welcome.limits` (default 64 KiB). */
  maxFrame?: number;
  /** Largest upload, reported in `welcome.limits` (default 16 GiB). */
  maxUpload?: number;
  /** Frames per second per connection (default 20); bursts of twice that. */
  rate?: number;
  /** Refused frames after which a connection is closed as a flood (default 200). */
  floodLimit?: number;
  /** Bad frames after which a connection is closed (default 20). */
  maxErrors?: number;
  /** Ports announced in `welcome` and `call_joined`. */
  filePort?: number;
  mediaPort?: number;
  /** Messages kept in the history (default 50). */
  historySize?: number;
  /** Random hex source (default node:crypto); tests may make it predictable. */
  randomHex?: (bytes: number) => string;
}

/** What the chat server gives the room for each connection. */
export interface MemberHandle {
  /** Peer IP address. */
  ip: string;
  /** Peer TCP port (names nameless v1 users). */
  port: number;
  /** Queues encoded frame bytes; returns false when the peer's queue overflowed. */
  send(bytes: Uint8Array): boolean;
  /** Flushes what is queued and closes the connection. Called once. */
  close(reason: string): void;
}

/** A member of the call as the relay sees it. */
export interface CallMemberRef {
  name: string;
  clientId: number | null;
}

const DEFAULT_MAX_MESSAGE = 4096;
const DEFAULT_MAX_UPLOAD = 16 * 1024 ** 3;
const FIRST_CLIENT_ID = 1_000_000;
const textEncoder = new TextEncoder();

interface CallSlot {
  clientId: number | null;
  token: string | null;
}

/** UTF-8 length of a string without encoding it. */
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * One connection as the room sees it, from accept to close. Created by
 * {@link Room.connect}.
 */
export class RoomConnection {
  readonly #room: Room;
  readonly handle: MemberHandle;
  /** Final name after a successful hello. */
  name: string | null = null;
  /** 1 or 2 after the hello, null before. */
  protocol: 1 | 2 | null = null;
  /** Session token (v2 only). */
  token: string | null = null;
  /** When the hello succeeded (Unix ms). */
  since = 0;
  /** Set once the connection is closing; nothing is sent or handled after it. */
  closing: string | null = null;
  errors = 0;
  refused = 0;
  #tokens: number;
  #refill: number;

  constructor(room: Room, handle: MemberHandle, burst: number, now: number) {
    this.#room = room;
    this.handle = handle;
    this.#tokens = burst;
    this.#refill = now;
  }

  /** Whether the hello succeeded and the connection is still a member. */
  get ready(): boolean {
    return this.name !== null && this.closing === null;
  }

  /** Handles one frame payload from the peer. */
  receive(payload: Uint8Array): void {
    this.#room.handlePayload(this, payload);
  }

  /** The socket ended or failed (EOF, reset, queue overflow). */
  disconnect(reason: "disconnect" | "slow_consumer" = "disconnect"): void {
    this.#room.handleDisconnect(this, reason);
  }

  /** A timer fired: no hello in time, or a v2 connection silent too long. */
  timeout(kind: "hello" | "idle"): void {
    this.#room.handleTimeout(this, kind);
  }

  /** The peer declared a frame longer than the limit: error and close. */
  frameTooLarge(size: number, limit: number): void {
    this.#room.handleFrameTooLarge(this, size, limit);
  }

  /** Token bucket: true when one more frame is allowed now. */
  takeToken(now: number, rate: number, burst: number): boolean {
    const elapsed = Math.max(0, now - this.#refill);
    this.#refill = now;
    this.#tokens = Math.min(burst, this.#tokens + (elapsed * rate) / 1000);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }
}

/**
 * The room. One per server.
 *
 * @example
 * ```ts
 * const room = new Room({ lang: "es" });
 * const conn = room.connect({ ip: "127.0.0.1", port: 5000, send, close });
 * conn.receive(new TextEncoder().encode('{"type":"hello","version":2,"name":"Ana"}'));
 * ```
 */
export class Room {
  readonly lang: Lang;
  readonly maxMessage: number;
  readonly maxFrame: number;
  readonly maxUpload: number;
  readonly filePort: number;
  readonly mediaPort: number;
  /** Set by the media relay: called whenever the call's membership changes. */
  onCallChange?: () => void;

  #t: ReturnType<typeof translator<typeof serverText>>;
  #now: () => number;
  #files: RoomFiles | undefined;
  #onHistory?: (history: RoomHistory) => void;
  #rate: number;
  #burst: number;
  #floodLimit: number;
  #maxErrors: number;
  #historySize: number;
  #randomHex: (bytes: number) => string;

  #nextSeq: number;
  #history: Message[];
  /** Members after hello, by name key, in join order. */
  #members = new Map<string, RoomConnection>();
  #byToken = new Map<string, RoomConnection>();
  /** Call members by name key, in join order. */
  #call = new Map<string, CallSlot>();
  #nextClientId = FIRST_CLIENT_ID;
  #depth = 0;
  #pendingLeaves: Array<[RoomConnection, LeaveReason]> = [];
  #closed = false;

  constructor(options: RoomOptions = {}) {
    this.lang = options.lang ?? "es";
    this.#t = translator(serverText, this.lang);
    this.#now = options.now ?? Date.now;
    this.#files = options.files;
    this.#onHistory = options.onHistory;
    this.maxMessage = options.maxMessage ?? DEFAULT_MAX_MESSAGE;
    this.maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
    this.maxUpload = options.maxUpload ?? DEFAULT_MAX_UPLOAD;
    this.filePort = options.filePort ?? 9010;
    this.mediaPort = options.mediaPort ?? 9020;
    this.#rate = options.rate ?? 20;
    this.#burst = this.#rate * 2;
    this.#floodLimit = options.floodLimit ?? 200;
    this.#maxErrors = options.maxErrors ?? 20;
    this.#historySize = options.historySize ?? 50;
    this.#randomHex = options.randomHex ?? ((n) => randomBytes(n).toString("hex"));
    this.#history = (options.history?.messages ?? []).slice(-this.#historySize);
    let next = options.history?.nextSeq ?? 1;
    for (const m of this.#history) {
      if (typeof m.seq === "number" && m.seq >= next) next = m.seq + 1;
    }
    this.#nextSeq = next;
  }

  /** Sets the file store view (the store may open after the room). */
  setFiles(files: RoomFiles | undefined): void {
    this.#files = files;
  }

  /** Number of members (after hello). */
  get size(): number {
    return this.#members.size;
  }

  /** The persistent state: next seq and the history. */
  historyState(): RoomHistory {
    return { nextSeq: this.#nextSeq, messages: this.#history.slice() };
  }

  /** A new connection, before its hello. */
  connect(handle: MemberHandle): RoomConnection {
    return new RoomConnection(this, handle, this.#burst, this.#now());
  }

  // ---- Hooks for the file server and the media relay (contracts) ----

  /** Chat session token (welcome.token) -> live member name. */
  nameByToken(token: string): string | undefined {
    const c = this.#byToken.get(token);
    return c?.ready ? c.name! : undefined;
  }

  /** Media token -> the call member it was issued to, with its chat IP. */
  callByToken(mediaToken: string): { name: string; clientId: number; ip: string } | undefined {
    for (const [key, slot] of this.#call) {
      if (slot.token !== null && slot.token === mediaToken && slot.clientId !== null) {
        const c = this.#members.get(key);
        if (c === undefined) continue;
        return { name: c.name!, clientId: slot.clientId, ip: c.handle.ip };
      }
    }
    return undefined;
  }

  /** A v1 member of the call connected from `ip`. */
  callV1At(ip: string): CallMemberRef | undefined {
    for (const [key, slot] of this.#call) {
      const c = this.#members.get(key);
      if (c !== undefined && c.protocol === 1 && c.handle.ip === ip) {
        return { name: c.name!, clientId: slot.clientId };
      }
    }
    return undefined;
  }

  /** Records a v1 member's media client id and announces it (`call` action `media`). */
  setV1ClientId(name: string, clientId: number): void {
    this.#run(() => {
      const key = nameKey(name);
      const slot = this.#call.get(key);
      const c = this.#members.get(key);
      if (slot === undefined || c === undefined || slot.clientId === clientId) return;
      slot.clientId = clientId;
      this.#emit({ type: "call", action: "media", from: c.name, client_id: clientId });
      this.onCallChange?.();
    });
  }

  /** Removes a member from the call (the relay: media silent too long). */
  leaveCall(name: string, reason: "media_timeout"): void {
    this.#run(() => {
      const c = this.#members.get(nameKey(name));
      if (c !== undefined) this.#leaveCall(c, reason);
    });
  }

  /** Everyone in the call, in join order. */
  callMembers(): CallMemberRef[] {
    const out: CallMemberRef[] = [];
    for (const [key, slot] of this.#call) {
      const c = this.#members.get(key);
      if (c !== undefined) out.push({ name: c.name!, clientId: slot.clientId });
    }
    return out;
  }

  /** A v2 upload was published: announce it to everyone. */
  announceFile(info: RoomFile): void {
    this.#run(() => this.#announceFile(info, info.from));
  }

  /**
   * Tells everyone the server is stopping, then closes every connection
   * (reason `shutdown`, no leave events). Safe twice.
   */
  shutdown(): void {
    if (this.#closed) return;
    this.#run(() => {
      this.#emit({ type: "system", event: "shutdown", text: this.#t("shutdown") });
      this.#closed = true;
      for (const c of [...this.#members.values()]) {
        c.closing = "shutdown";
        c.handle.close("shutdown");
      }
      this.#members.clear();
      this.#byToken.clear();
      this.#call.clear();
    });
  }

  // ---- Called by RoomConnection ----

  /** @internal */
  handlePayload(c: RoomConnection, payload: Uint8Array): void {
    if (c.closing !== null) return;
    this.#run(() => {
      let msg: Message;
      try {
        msg = decodeMessage(payload);
      } catch (e) {
        const err = e as ProtocolError;
        this.#badFrame(c, err.code, this.#t(err.code as "bad_utf8"), undefined);
        return;
      }
      const ref = typeof msg.ref === "string" ? msg.ref : undefined;
      if (c.name === null) {
        this.#hello(c, msg);
        return;
      }
      if (msg.type !== "quit" && !c.takeToken(this.#now(), this.#rate, this.#burst)) {
        c.refused++;
        if (c.refused > this.#floodLimit) {
          this.#fail(c, "rate_limited", this.#t("flood"), "flood");
        } else {
          this.#error(c, "rate_limited", this.#t("rate_limited"), ref);
        }
        return;
      }
      this.#request(c, msg, ref);
    });
  }

  /** @internal */
  handleDisconnect(c: RoomConnection, reason: "disconnect" | "slow_consumer"): void {
    if (c.closing !== null) return;
    this.#run(() => this.#requestLeave(c, reason));
  }

  /** @internal */
  handleTimeout(c: RoomConnection, kind: "hello" | "idle"): void {
    if (c.closing !== null) return;
    this.#run(() => {
      if (this.#closed) {
        this.#fail(c, "server_shutdown", this.#t("server_shutdown"), "shutdown");
      } else if (kind === "hello") {
        if (c.name !== null) return;
        this.#fail(c, "hello_timeout", this.#t("hello_timeout"), "timeout");
      } else {
        this.#fail(c, "idle_timeout", this.#t("idle_timeout"), "timeout");
      }
    });
  }

  /** @internal */
  handleFrameTooLarge(c: RoomConnection, size: number, limit: number): void {
    if (c.closing !== null) return;
    this.#run(() => {
      this.#fail(c, "frame_too_large", this.#t("frame_too_large", { size, limit }), "disconnect");
    });
  }

  // ---- Internals ----

  /** Runs a public entry point; deferred leaves are handled when the outermost one ends. */
  #run(fn: () => void): void {
    this.#depth++;
    try {
      fn();
    } finally {
      this.#depth--;
    }
    if (this.#depth === 0) {
      this.#depth++;
      try {
        while (this.#pendingLeaves.length > 0) {
          const [c, reason] = this.#pendingLeaves.shift()!;
          this.#leaveNow(c, reason);
        }
      } finally {
        this.#depth--;
      }
    }
  }

  #hello(c: RoomConnection, msg: Message): void {
    if (this.#closed) {
      this.#fail(c, "server_shutdown", this.#t("server_shutdown"), "shutdown");
      return;
    }
    const ref = typeof msg.ref === "string" ? msg.ref : undefined;
    if (msg.type === undefined) {
      this.#helloV1(c, msg);
      return;
    }
    if (msg.type !== "hello") {
      this.#fail(c, "hello_required", this.#t("hello_required"), "disconnect", ref);
      return;
    }
    if (typeof msg.version !== "number" || !Number.isInteger(msg.version)) {
      this.#fail(
        c,
        "bad_message",
        this.#t("bad_message", { detail: "version" }),
        "disconnect",
        ref,
      );
      return;
    }
    if (msg.version !== 2) {
      this.#fail(
        c,
        "unsupported_version",
        this.#t("unsupported_version", { value: msg.version }),
        "disconnect",
        ref,
      );
      return;
    }
    const check = checkName(msg.name);
    if (!check.ok) {
      const text = this.#t(`name_${check.problem}`, {
        max: MAX_NAME,
        name: typeof msg.name === "string" ? msg.name.trim() : "",
      });
      this.#fail(c, "name_invalid", text, "disconnect", ref);
      return;
    }
    if (this.#members.has(nameKey(check.name))) {
      this.#fail(c, "name_taken", this.#t("name_taken", { name: check.name }), "disconnect", ref);
      return;
    }
    c.protocol = 2;
    c.name = check.name;
    c.since = this.#now();
    c.token = this.#randomHex(16);
    this.#members.set(nameKey(c.name), c);
    this.#byToken.set(c.token, c);
    this.#send(
      c,
      encodeFrame({
        type: "welcome",
        version: 2,
        name: c.name,
        token: c.token,
        server: `pc3-server ${VERSION}`,
        file_port: this.filePort,
        media_port: this.mediaPort,
        limits: {
          max_frame: this.maxFrame,
          max_message: this.maxMessage,
          max_name: MAX_NAME,
          max_upload: this.maxUpload,
        },
        members: this.#memberList(),
        files: this.#fileList(),
        call: this.callMembers().map((m) => ({ name: m.name, client_id: m.clientId })),
      }),
    );
    this.#sendHistory(c);
    this.#emit({
      type: "system",
      event: "join",
      name: c.name,
      text: this.#t("joined", { name: c.name }),
    });
  }

  #helloV1(c: RoomConnection, msg: Message): void {
    const name = repairName(msg.name, {
      port: c.handle.port,
      taken: (key) => this.#members.has(key),
    });
    c.protocol = 1;
    c.name = name;
    c.since = this.#now();
    this.#members.set(nameKey(name), c);
    if (typeof msg.name !== "string" || msg.name !== name) {
      const asked = typeof msg.name === "string" ? msg.name : "";
      this.#send(c, encodeFrame({ type: "system", text: this.#t("renamed", { asked, name }) }));
    }
    this.#sendHistory(c);
    for (const f of this.#fileList()) {
      this.#send(
        c,
        encodeFrame({
          type: "file_available",
          from: f.from,
          filename: f.filename,
          size: f.size,
          file_id: f.file_id,
          sha256: f.sha256,
          ts: f.ts,
          history: true,
        }),
      );
    }
    this.#emit({ type: "system", event: "join", name, text: this.#t("joined", { name }) });
  }

  #sendHistory(c: RoomConnection): void {
    for (const m of this.#history) this.#send(c, encodeFrame({ ...m, history: true }));
  }

  #request(c: RoomConnection, msg: Message, ref: string | undefined): void {
    const type = msg.type;
    if (typeof type !== "string") {
      this.#badFrame(c, "bad_message", this.#t("bad_message", { detail: "type" }), ref);
      return;
    }
    switch (type) {
      case "message": {
        if (typeof msg.text !== "string" || msg.text.length === 0) {
          this.#badFrame(c, "bad_message", this.#t("bad_message", { detail: "text" }), ref);
          return;
        }
        const size = utf8Length(msg.text);
        if (size > this.maxMessage) {
          this.#error(
            c,
            "message_too_long",
            this.#t("message_too_long", { size, limit: this.maxMessage }),
            ref,
          );
          return;
        }
        this.#emit({ type: "message", from: c.name, text: msg.text }, true);
        return;
      }
      case "ping":
        this.#send(c, encodeFrame({ type: "pong" }));
        return;
      case "who":
        this.#send(c, encodeFrame({ type: "who", members: this.#memberList() }));
        return;
      case "files":
        this.#send(c, encodeFrame({ type: "files", files: this.#fileList() }));
        return;
      case "quit":
        this.#leave(c, "quit");
        return;
      case "hello":
        this.#badFrame(c, "bad_request", this.#t("bad_request", { detail: "hello" }), ref);
        return;
      case "file_available": {
        if (c.protocol !== 1) {
          this.#badFrame(
            c,
            "bad_request",
            this.#t("bad_request", { detail: "file_available" }),
            ref,
          );
          return;
        }
        if (typeof msg.file_id !== "string") {
          this.#badFrame(c, "bad_message", this.#t("bad_message", { detail: "file_id" }), ref);
          return;
        }
        const info = this.#files?.claimV1(msg.file_id, c.handle.ip, c.name!);
        if (info === undefined) {
          this.#error(c, "not_found", this.#t("not_found", { value: msg.file_id }), ref);
          return;
        }
        this.#announceFile(info, c.name!);
        return;
      }
      case "call": {
        if (msg.action === "start") this.#joinCall(c);
        else if (msg.action === "stop") {
          if (!this.#call.has(nameKey(c.name!))) {
            this.#error(c, "not_in_call", this.#t("not_in_call"), ref);
          } else this.#leaveCall(c, "left");
        } else {
          this.#badFrame(c, "bad_message", this.#t("bad_message", { detail: "action" }), ref);
        }
        return;
      }
      default:
        this.#badFrame(
          c,
          "unknown_type",
          this.#t("unknown_type", { value: type.slice(0, 64) }),
          ref,
        );
    }
  }

  #announceFile(info: RoomFile, from: string): void {
    this.#emit({
      type: "file_available",
      from,
      filename: info.filename,
      size: info.size,
      file_id: info.file_id,
      sha256: info.sha256,
    });
  }

  #callList(): Array<{ name: string; client_id: number | null }> {
    return this.callMembers().map((m) => ({ name: m.name, client_id: m.clientId }));
  }

  #joinCall(c: RoomConnection): void {
    const key = nameKey(c.name!);
    let slot = this.#call.get(key);
    if (slot !== undefined) {
      if (c.protocol === 2) this.#sendCallJoined(c, slot);
      return;
    }
    const first = this.#call.size === 0;
    slot = c.protocol === 2
      ? { clientId: this.#nextClientId++, token: this.#randomHex(16) }
      : { clientId: null, token: null };
    this.#call.set(key, slot);
    if (c.protocol === 2) this.#sendCallJoined(c, slot);
    this.#emit({
      type: "call",
      from: c.name,
      action: "start",
      first,
      client_id: slot.clientId,
      members: this.#callList(),
    });
    this.onCallChange?.();
  }

  #sendCallJoined(c: RoomConnection, slot: CallSlot): void {
    this.#send(
      c,
      encodeFrame({
        type: "call_joined",
        token: slot.token,
        client_id: slot.clientId,
        media_port: this.mediaPort,
        members: this.#callList(),
      }),
    );
  }

  #leaveCall(c: RoomConnection, reason: "left" | "quit" | "disconnect" | "media_timeout"): void {
    const key = nameKey(c.name!);
    const slot = this.#call.get(key);
    if (slot === undefined) return;
    this.#call.delete(key);
    this.#emit({
      type: "call",
      from: c.name,
      action: "stop",
      reason,
      client_id: slot.clientId,
      members: this.#callList(),
      ended: this.#call.size === 0,
    });
    this.onCallChange?.();
  }

  #memberList(): Message[] {
    return [...this.#members.values()].map((m) => ({
      name: m.name,
      since: m.since,
      protocol: m.protocol,
      in_call: this.#call.has(nameKey(m.name!)),
    }));
  }

  #fileList(): RoomFile[] {
    return (this.#files?.list() ?? []).map((f) => ({
      file_id: f.file_id,
      filename: f.filename,
      size: f.size,
      sha256: f.sha256,
      from: f.from,
      ts: f.ts,
    }));
  }

  /**
   * Stamps an event with seq and ts, encodes it once and queues the same
   * bytes to every member. Members whose queue overflows leave afterwards.
   */
  #emit(event: Message, remember = false): void {
    const stamped: Message = { ...event, seq: this.#nextSeq++, ts: this.#now() };
    const bytes = encodeFrame(stamped);
    for (const m of this.#members.values()) {
      if (m.closing === null && !m.handle.send(bytes)) this.#requestLeave(m, "slow_consumer");
    }
    if (remember) {
      this.#history.push(stamped);
      if (this.#history.length > this.#historySize) this.#history.shift();
    }
    this.#onHistory?.(this.historyState());
  }

  /** A reply to one connection: `error` for v2, a `system` line for v1. */
  #error(c: RoomConnection, code: string, message: string, ref?: string): void {
    if (c.protocol === 1) {
      this.#send(c, encodeFrame({ type: "system", text: this.#t("errorPrefix", { message }) }));
    } else {
      const frame: Message = { type: "error", code, message };
      if (ref !== undefined) frame.ref = ref;
      this.#send(c, encodeFrame(frame));
    }
  }

  /** An error that counts toward too_many_errors; before the hello it closes. */
  #badFrame(c: RoomConnection, code: string, message: string, ref: string | undefined): void {
    if (c.name === null) {
      this.#fail(c, code, message, "disconnect", ref);
      return;
    }
    c.errors++;
    if (c.errors > this.#maxErrors) {
      this.#fail(c, "too_many_errors", this.#t("too_many_errors"), "disconnect", ref);
      return;
    }
    this.#error(c, code, message, ref);
  }

  /** Sends an error, then the connection leaves and closes. */
  #fail(
    c: RoomConnection,
    code: string,
    message: string,
    reason: LeaveReason,
    ref?: string,
  ): void {
    this.#error(c, code, message, ref);
    this.#leave(c, reason);
  }

  #requestLeave(c: RoomConnection, reason: LeaveReason): void {
    if (c.closing !== null) return;
    c.closing = reason;
    this.#pendingLeaves.push([c, reason]);
  }

  /** Leaves once the current entry point is done (never in the middle of a delivery). */
  #leave(c: RoomConnection, reason: LeaveReason): void {
    this.#requestLeave(c, reason);
  }

  /** Queues bytes for one connection; an overflow makes it leave as a slow consumer. */
  #send(c: RoomConnection, bytes: Uint8Array): void {
    if (c.closing !== null) return;
    if (!c.handle.send(bytes)) this.#requestLeave(c, "slow_consumer");
  }

  #leaveNow(c: RoomConnection, reason: LeaveReason): void {
    c.handle.close(reason);
    if (c.name === null) return;
    const key = nameKey(c.name);
    if (this.#members.get(key) !== c) return;
    if (this.#call.has(key)) this.#leaveCall(c, reason === "quit" ? "quit" : "disconnect");
    this.#members.delete(key);
    if (c.token !== null) this.#byToken.delete(c.token);
    this.#emit({
      type: "system",
      event: "leave",
      name: c.name,
      reason,
      text: this.#t("left", { name: c.name }),
    });
  }
}

/** Encodes text for tests and tools that feed the room by hand. */
export function payload(message: Message | string): Uint8Array {
  return textEncoder.encode(typeof message === "string" ? message : JSON.stringify(message));
}
