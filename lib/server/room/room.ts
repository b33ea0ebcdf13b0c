/**
 * The chat room (PROTOCOL.md sections 2 and 4): the coordinator of members,
 * hello, requests, history, the error policy, the rate limit and the call
 * signalling, each in its own module of this folder.
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
import { DEFAULT_MAX_FRAME, encodeFrame, type Message } from "../../protocol/frame.ts";
import { systemClock } from "../../protocol/clock.ts";
import { type Lang, translator } from "../../protocol/i18n.ts";
import {
  DEFAULT_FILE_PORT,
  DEFAULT_MAX_MESSAGE,
  DEFAULT_MEDIA_PORT,
} from "../../protocol/limits.ts";
import { TokenBucket } from "../../protocol/token_bucket.ts";
import { type LogSink, noLog } from "../log_event.ts";
import { serverText } from "../text.ts";
import { Call } from "./call.ts";
import { type Churn, roomChurn } from "./churn.ts";
import { type ConnectionEvents, Member, RoomConnection, type TimeoutKind } from "./connection.ts";
import type { RoomCore, RoomSettings } from "./core.ts";
import { receiveFrame, timedOut } from "./entry.ts";
import { ErrorPolicy } from "./errors.ts";
import { AddressGuard } from "./flood.ts";
import { History } from "./history.ts";
import { Members } from "./members.ts";
import { Resume } from "./resume.ts";
import { announceFile } from "./requests.ts";
import { logRoomEvent } from "./room_log.ts";
import { RoomAuth } from "./auth.ts";
import { Moderation, type TeacherCommand, type TeacherResult } from "./moderation.ts";
import type {
  CallListener,
  CallMemberRef,
  LeaveReason,
  MemberHandle,
  RoomFile,
  RoomFiles,
  RoomHistory,
  RoomOptions,
} from "./types.ts";

export type * from "./types.ts";
export { RoomConnection } from "./connection.ts";
export { payload } from "./entry.ts";

/** Default largest upload announced in `welcome.limits`: 16 GiB. */
export const DEFAULT_MAX_UPLOAD = 16 * 1024 ** 3;
/** Default frames per second per connection (bursts of twice that). */
export const DEFAULT_RATE = 20;

/**
 * The room. One per server.
 *
 * @example
 * ```ts
 * import { payload, Room } from "./room.ts";
 * const room = new Room({ lang: "es" });
 * const conn = room.connect({
 *   ip: "127.0.0.1",
 *   port: 5000,
 *   send: (bytes) => bytes.length > 0,
 *   close: () => {},
 * });
 * conn.receive(payload({ type: "hello", version: 2, name: "Ana" }));
 * ```
 */
export class Room implements RoomSettings {
  /** Server language for system texts and error messages. */
  readonly lang: Lang;
  /** Largest message text in UTF-8 bytes. */
  readonly maxMessage: number;
  /** Largest frame, reported in `welcome.limits`. */
  readonly maxFrame: number;
  /** Largest upload, reported in `welcome.limits`. */
  readonly maxUpload: number;
  /** File port announced in `welcome`. */
  readonly filePort: number;
  /** Media port announced in `welcome` and `call_joined`. */
  readonly mediaPort: number;

  readonly #core: RoomCore;
  readonly #events: ConnectionEvents;
  readonly #now: () => number;
  readonly #onHistory?: (history: RoomHistory) => void;
  readonly #log: LogSink;
  readonly #rate: number;
  readonly #floodLimit: number;
  readonly #members = new Members();
  readonly #history: History;
  readonly #call: Call;
  readonly #resume: Resume;
  readonly #churn: Churn;
  #files: RoomFiles | undefined;
  #depth = 0;
  #pendingLeaves: Array<[Member, LeaveReason]> = [];
  #closed = false;

  /** A room with no members; see {@link RoomOptions} for the defaults. */
  constructor(options: RoomOptions = {}) {
    this.lang = options.lang ?? "es";
    this.#now = options.now ?? Date.now;
    this.#files = options.files;
    this.#onHistory = options.onHistory;
    this.#log = options.log ?? noLog;
    this.maxMessage = options.maxMessage ?? DEFAULT_MAX_MESSAGE;
    this.maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
    this.maxUpload = options.maxUpload ?? DEFAULT_MAX_UPLOAD;
    this.filePort = options.filePort ?? DEFAULT_FILE_PORT;
    this.mediaPort = options.mediaPort ?? DEFAULT_MEDIA_PORT;
    this.#rate = options.rate ?? DEFAULT_RATE;
    this.#floodLimit = options.floodLimit ?? 200;
    this.#history = new History(options.history, options.historySize ?? 50, options.reserveSeq);
    const randomHex = options.randomHex ?? ((n) => randomBytes(n).toString("hex"));
    this.#resume = new Resume({
      graceMs: options.graceMs ?? 0,
      clock: options.clock ?? systemClock,
      randomHex,
      expire: (m, reason) => this.#run(() => this.#announceLeave(m, reason)),
      log: this.#log,
    });
    this.#resume.restore(options.history?.messages ?? [], options.historySize ?? 50);
    const t = translator(serverText, this.lang);
    const send = (m: Member, bytes: Uint8Array) => this.#send(m, bytes);
    const emit = (event: Message, remember?: boolean) => this.#emit(event, remember);
    const leave = (m: Member, reason: LeaveReason) => this.#requestLeave(m, reason);
    this.#call = new Call({
      members: this.#members,
      mediaPort: this.mediaPort,
      randomHex,
      send,
      emit,
      now: this.#now,
    });
    const errors = new ErrorPolicy({
      send,
      leave,
      v1Line: (message) => t("errorPrefix", { message }),
      tooManyErrors: () => t("too_many_errors"),
      maxErrors: options.maxErrors ?? 20,
    });
    this.#churn = roomChurn(options, {
      emit: (event) => this.#emit(event),
      now: this.#now,
      run: (fn) => this.#run(fn),
      count: () => this.#members.size,
      t,
      log: this.#log,
    });
    this.#core = {
      settings: this,
      t,
      members: this.#members,
      call: this.#call,
      history: this.#history,
      errors,
      isClosed: () => this.#closed,
      now: this.#now,
      randomHex,
      files: () => this.#files,
      send,
      emit,
      leave,
      log: this.#log,
      resume: this.#resume,
      guard: new AddressGuard(options.addressLimits),
      churn: this.#churn,
      auth: new RoomAuth({ ...options.teacher }),
      moderation: new Moderation({ ...options.teacher }),
    };
    this.#events = {
      payload: (m, bytes) => this.#receive(m, bytes),
      disconnect: (m, reason) => this.#disconnect(m, reason),
      timeout: (m, kind, seconds) => this.#timeout(m, kind, seconds),
      frameTooLarge: (m, size, limit) => this.#frameTooLarge(m, size, limit),
    };
  }

  /**
   * Runs a teacher command (the server console; teacher clients use `admin`
   * requests): `by` is who asked, shown in the announcement and the log.
   */
  teacher(command: TeacherCommand, by: string): TeacherResult {
    let result: TeacherResult | undefined;
    this.#run(() => result = this.#core.moderation.run(this.#core, command, by));
    return result!;
  }

  /** Whether the session of file token `token` may share files now (not muted, not read-only). */
  canShare(token: string): boolean {
    const m = this.#members.byToken(token);
    return m !== undefined && m.ready && this.#core.moderation.mayShare(m);
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
    return this.#history.state();
  }

  /** A new connection, before its hello. */
  connect(handle: MemberHandle): RoomConnection {
    const bucket = new TokenBucket(this.#rate, this.#rate * 2, this.#now());
    return new RoomConnection(new Member(handle, bucket), this.#events);
  }

  /** Chat session token (welcome.token) -> live member name (the file server's check). */
  nameByToken(token: string): string | undefined {
    const m = this.#members.byToken(token);
    return m?.ready ? m.name! : undefined;
  }

  /**
   * Registers the one listener told whenever the call's membership or a
   * client id changes (the media relay). A second registration while one
   * is set throws. Returns the function that unregisters it.
   */
  watchCall(listener: CallListener): () => void {
    return this.#call.watch(listener);
  }

  /** Media token -> the call member it was issued to, with its chat IP (the relay's check). */
  callByToken(
    mediaToken: string,
  ): (CallMemberRef & { clientId: number; ip: string }) | undefined {
    return this.#call.byToken(mediaToken);
  }

  /** A v1 member of the call connected from `ip`. */
  callV1At(ip: string): CallMemberRef | undefined {
    return this.#call.v1At(ip);
  }

  /** Records a v1 member's media client id and announces it (`call` action `media`). */
  setV1ClientId(name: string, clientId: number): void {
    this.#run(() => this.#call.setV1ClientId(name, clientId));
  }

  /** Removes a member from the call (the relay: media silent too long). */
  leaveCall(name: string, reason: "media_timeout"): void {
    this.#run(() => {
      const m = this.#members.get(name);
      if (m !== undefined) this.#call.leave(m, reason);
    });
  }

  /** Everyone in the call, in join order. */
  callMembers(): CallMemberRef[] {
    return this.#call.members();
  }

  /** A v2 upload was published: announce it to everyone. */
  announceFile(info: RoomFile): void {
    this.#run(() => announceFile(this.#core, info, info.from));
  }

  /**
   * Tells everyone the server is stopping, then closes every connection
   * (reason `shutdown`, no leave events). Safe twice.
   */
  shutdown(): void {
    if (this.#closed) return;
    this.#run(() => {
      this.#emit({ type: "system", event: "shutdown", text: this.#core.t("shutdown") });
      this.#closed = true;
      for (const m of [...this.#members.values()]) {
        m.closing = "shutdown";
        m.handle.close("shutdown");
      }
      this.#members.clear();
      this.#call.clear();
      this.#resume.clear();
      this.#churn.clear();
    });
  }

  #receive(m: Member, payload: Uint8Array): void {
    if (m.closing !== null) return;
    this.#run(() => receiveFrame(this.#core, m, payload, this.#floodLimit));
  }

  #disconnect(m: Member, reason: "disconnect" | "slow_consumer"): void {
    if (m.closing !== null) return;
    if (reason === "disconnect") this.#resume.vanished(m);
    this.#run(() => this.#requestLeave(m, reason));
  }

  #timeout(m: Member, kind: TimeoutKind, seconds = 0): void {
    if (m.closing !== null) return;
    this.#run(() => timedOut(this.#core, m, kind, seconds));
  }

  #frameTooLarge(m: Member, size: number, limit: number): void {
    if (m.closing !== null) return;
    const text = this.#core.t("frame_too_large", { size, limit });
    this.#run(() => this.#core.errors.fail(m, "frame_too_large", text, "disconnect"));
  }

  /** Runs an entry point; deferred leaves are handled when the outermost one ends. */
  #run(fn: () => void): void {
    this.#depth++;
    try {
      fn();
    } finally {
      this.#depth--;
    }
    if (this.#depth > 0) return;
    this.#depth++;
    try {
      while (this.#pendingLeaves.length > 0) {
        const [m, reason] = this.#pendingLeaves.shift()!;
        this.#leaveNow(m, reason);
      }
    } finally {
      this.#depth--;
    }
  }

  /**
   * Stamps an event with seq and ts, encodes it once and queues the same
   * bytes to every member. Members whose queue overflows leave afterwards.
   */
  #emit(event: Message, remember = false): void {
    const stamped = this.#history.stamp(event, this.#now());
    const bytes = encodeFrame(stamped);
    for (const m of this.#members.values()) {
      if (m.closing === null && !m.handle.send(bytes)) this.#requestLeave(m, "slow_consumer");
    }
    if (remember) {
      this.#history.remember(stamped);
      this.#resume.remembered(stamped.seq);
    }
    this.#onHistory?.(this.#history.state());
    logRoomEvent(this.#log, stamped, (name) => this.#members.get(name)?.handle.ip);
  }

  /** Queues bytes for one member; an overflow makes it leave as a slow consumer. */
  #send(m: Member, bytes: Uint8Array): void {
    if (m.closing !== null) return;
    if (!m.handle.send(bytes)) this.#requestLeave(m, "slow_consumer");
  }

  /** Marks a member as leaving; it leaves once the current entry point is done. */
  #requestLeave(m: Member, reason: LeaveReason): void {
    if (m.closing !== null) return;
    m.closing = reason;
    this.#pendingLeaves.push([m, reason]);
  }

  #leaveNow(m: Member, reason: LeaveReason): void {
    m.handle.close(reason);
    if (m.name === null || this.#members.get(m.name) !== m) return;
    this.#call.leave(m, reason === "quit" ? "quit" : "disconnect");
    // A connection that vanished keeps its member for the grace period (resume.ts).
    if (this.#resume.hold(m, reason)) return;
    this.#announceLeave(m, reason);
  }

  /** Removes a member that left (or whose grace period ended) and announces it. */
  #announceLeave(m: Member, reason: LeaveReason): void {
    if (m.name === null || !this.#members.remove(m)) return;
    const name = m.name;
    this.#churn.changed({
      type: "system",
      event: "leave",
      name,
      reason,
      text: this.#core.t("left", { name }),
    });
  }
}
