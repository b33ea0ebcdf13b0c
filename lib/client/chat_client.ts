/**
 * The chat client: one session with a PC3 server (v2 hello, welcome, room
 * events), driven by typed commands and reporting typed events
 * (lib/client/events.ts); it never prints (lib/terminal/ renders). Nothing
 * here waits for output and no command waits for a transfer. Admission is
 * lib/client/handshake.ts, frames lib/client/server_messages.ts, commands
 * lib/client/run_command.ts, transfers lib/client/transfer_jobs.ts, the call
 * lib/client/call_flow.ts; transfers and call media are injected
 * ({@link ChatClientOptions.transfers}, {@link ChatClientOptions.startMedia})
 * so tests run it against a fake server.
 *
 * A lost connection (a reset, a server that shut down, or silence past two
 * pings) does not end the session: the client says so once
 * (`connection_lost`), retries with growing pauses (lib/client/reconnect.ts),
 * comes back with the same name, its reconnect token and the last `seq` it
 * saw, shows what it missed and rejoins its call (`reconnected`). Transfers
 * keep going and wait for the chat where they need it. Only a quit, a final
 * refusal or an error it caused ends it (`closed`).
 *
 * @module
 */

import type { FramedConnection } from "../net/framed_conn.ts";
import { type Clock, systemClock, type TimerId } from "../protocol/clock.ts";
import { decodeMessage, encodeFrame, type Message, ProtocolError } from "../protocol/frame.ts";
import { DEFAULT_FILE_PORT } from "../protocol/limits.ts";
import type { SharedFile, Welcome } from "../protocol/wire.ts";
import { type ChatServerMessage, decodeChatServerMessage } from "../protocol/wire_chat.ts";
import { CallFlow } from "./call_flow.ts";
import { type Command, parseCommand } from "./commands.ts";
import { ConnectError } from "./connect_errors.ts";
import type { CloseInfo, EmitEvent } from "./events.ts";
import { type Admitted, handshake } from "./handshake.ts";
import { closeInfoOf, OnlineGate, retryUntilAdmitted, shouldComeBack } from "./reconnect.ts";
import { runCommand } from "./run_command.ts";
import { dispatchServerMessage } from "./server_messages.ts";
import { TransferJobs } from "./transfer_jobs.ts";
import type { ChatClientOptions } from "./chat_options.ts";

export type { ChatClientOptions } from "./chat_options.ts";

/**
 * One chat session. Create it with {@link ChatClient.connect}, feed it input
 * lines with {@link ChatClient.handleLine}, and end it with
 * {@link ChatClient.finish} (graceful: waits for transfers) or
 * {@link ChatClient.close} (at once).
 *
 * @example
 * ```ts
 * import { ChatClient } from "./chat_client.ts";
 *
 * // Says hello to the room on the server at `host`, then leaves.
 * async function sayHello(host: string): Promise<void> {
 *   const client = await ChatClient.connect({ host, port: 9009, name: "Ana", lang: "es",
 *     downloads: "downloads", onEvent: (e) => console.log(e) });
 *   client.handleLine("hola");
 *   await client.finish();
 * }
 * ```
 */
export class ChatClient {
  /** Server host. */
  readonly host: string;
  /** Server chat port. */
  readonly port: number;
  /** Resolves once when the session ends (never on a connection it comes back from). */
  readonly closed: Promise<CloseInfo>;

  #options: ChatClientOptions;
  #fc: FramedConnection;
  #welcome: Welcome;
  #emit: EmitEvent;
  #files = new Map<string, SharedFile>();
  #transfers: TransferJobs;
  #call: CallFlow;
  #clock: Clock;
  #pingTimer: TimerId = undefined;
  /** When the server last sent anything (the silence check). */
  #lastHeard = 0;
  #quitting = false;
  #shutdownSeen = false;
  /** The last error frame, while its code says the server closes after it. */
  #closingError: { code: string; message: string } | null = null;
  #resolveClosed!: (info: CloseInfo) => void;
  #isClosed = false;
  #readLoop: Promise<void> = Promise.resolve();
  /** Reconnect token of the last welcome, and the last `seq` seen (the catch-up point). */
  #resumeToken: string | null;
  #lastSeq: number | null = null;
  /** Open while the chat is connected; transfers wait at it while it is not. */
  #online = new OnlineGate();
  /** Aborted by a quit: ends the reconnection attempts. */
  #stop = new AbortController();
  #reconnecting: Promise<void> | null = null;

  private constructor(options: ChatClientOptions, admitted: Admitted) {
    this.host = options.host;
    this.port = options.port;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#fc = admitted.fc;
    this.#welcome = admitted.welcome;
    this.#resumeToken = admitted.resumeToken;
    this.#emit = options.onEvent;
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    for (const f of admitted.welcome.files) this.#files.set(f.fileId, f);
    this.#transfers = new TransferJobs({
      transfers: options.transfers,
      host: options.host,
      port: options.filePort ?? admitted.welcome.filePort ?? DEFAULT_FILE_PORT,
      token: () => this.#welcome.token,
      waitOnline: (signal) => this.#online.wait(signal),
      downloads: options.downloads,
      knownFile: (id) => this.#files.get(id),
      emit: this.#emit,
    });
    this.#call = this.#newCall();
  }

  /** A call flow for the current session (a new one after each reconnection). */
  #newCall(): CallFlow {
    return new CallFlow({
      host: this.#options.host,
      lang: this.#options.lang,
      name: this.#welcome.name,
      mediaPort: this.#options.mediaPort,
      welcomeMediaPort: this.#welcome.mediaPort,
      startMedia: this.#options.startMedia,
      sendCall: (action, fields) =>
        this.#send({
          type: "call",
          action,
          ...(action === "start" ? { audio: true } : {}),
          ...fields,
        }),
      videoOffer: this.#options.videoOffer,
      emit: this.#emit,
      isClosed: () => this.#isClosed || this.#reconnecting !== null,
    });
  }

  /**
   * Connects, says hello and waits for the welcome. Events (the welcome
   * first, then the history) go to `options.onEvent` from then on.
   * Throws {@link ConnectError}.
   */
  static async connect(options: ChatClientOptions): Promise<ChatClient> {
    const admitted = await handshake(options);
    const client = new ChatClient(options, admitted);
    const { welcome } = admitted;
    client.#emit({ type: "welcome", welcome, host: options.host, port: options.port });
    client.#start(admitted);
    return client;
  }

  /** What the server said when it admitted us (the last welcome, after a reconnection). */
  get welcome(): Welcome {
    return this.#welcome;
  }

  /** The name the server gave us. */
  get name(): string {
    return this.#welcome.name;
  }

  /** Whether the connection is lost and the client is trying to come back. */
  get reconnecting(): boolean {
    return this.#reconnecting !== null;
  }

  /** Transfers still running. */
  get activeTransfers(): number {
    return this.#transfers.running;
  }

  /** Whether a call is joined or being joined. */
  get inCall(): boolean {
    return this.#call.active;
  }

  /** Files known from the welcome, `/files` and announcements, by id. */
  knownFile(fileId: string): SharedFile | undefined {
    return this.#files.get(fileId);
  }

  #start(admitted: Admitted): void {
    const pingEvery = this.#options.pingIntervalMs ?? 20_000;
    const silence = this.#options.silenceMs ?? 2 * pingEvery + 5_000;
    this.#lastHeard = this.#clock.now();
    this.#pingTimer = this.#clock.setInterval(() => {
      // No pong for that long: the link is dead without a reset; end it and come back.
      if (this.#clock.now() - this.#lastHeard > silence) admitted.fc.close();
      else this.#send({ type: "ping" });
    }, pingEvery);
    this.#readLoop = this.#read(admitted.fc, admitted.payloads);
  }

  #send(message: Message): void {
    this.#fc.send(encodeFrame(message));
  }

  async #read(fc: FramedConnection, payloads: AsyncGenerator<Uint8Array>): Promise<void> {
    let fatal: ProtocolError | null = null;
    try {
      for await (const payload of payloads) {
        this.#lastHeard = this.#clock.now();
        let msg: ChatServerMessage | null;
        let raw: Message;
        try {
          raw = decodeMessage(payload);
          if (typeof raw.seq === "number" && raw.seq > (this.#lastSeq ?? -1)) {
            this.#lastSeq = raw.seq;
          }
          msg = decodeChatServerMessage(raw);
        } catch {
          continue; // A broken frame from the server is skipped, like the server does.
        }
        if (msg === null) {
          // Unknown types are ignored (PROTOCOL.md section 1), or go to a listener (admin.ts).
          this.#options.onOtherFrame?.(raw);
          continue;
        }
        try {
          this.#dispatch(msg);
        } catch (e) {
          // A UI bug must not kill the session.
          console.error(e);
        }
      }
    } catch (e) {
      if (e instanceof ProtocolError) fatal = e;
    }
    this.#connectionEnded(fc, fatal);
  }

  /** The connection `fc` ended: come back when it was lost, else the session is over. */
  #connectionEnded(fc: FramedConnection, fatal: ProtocolError | null): void {
    if (this.#isClosed || fc !== this.#fc) return;
    const info = closeInfoOf(fatal, this.#quitting, this.#shutdownSeen, this.#closingError);
    if (!shouldComeBack(info) || this.#options.reconnect === false) {
      this.#finishClosed(info);
      return;
    }
    this.#clock.clearInterval(this.#pingTimer);
    fc.close();
    this.#online.set(false);
    const inCall = this.#call.active;
    void this.#call.stopMedia();
    this.#call.end({ sendStop: false });
    this.#emit({
      type: "connection_lost",
      reason: info.reason === "shutdown" ? "shutdown" : "lost",
    });
    this.#reconnecting = this.#comeBack(inCall);
  }

  /** Tries again until admitted (then catches up) or refused for good (then closes). */
  async #comeBack(inCall: boolean): Promise<void> {
    let admitted: Admitted;
    try {
      admitted = await retryUntilAdmitted({
        attempt: () =>
          handshake({
            ...this.#options,
            resume: { token: this.#resumeToken, since: this.#lastSeq },
          }),
        clock: this.#clock,
        signal: this.#stop.signal,
      });
    } catch (e) {
      this.#reconnecting = null;
      if (this.#stop.signal.aborted) return this.#finishClosed({ reason: "quit" });
      const code = e instanceof ConnectError ? e.serverCode ?? e.code : "failed";
      const message = e instanceof ConnectError ? e.detail : String(e);
      return this.#finishClosed({ reason: "server_error", code, message });
    }
    if (this.#stop.signal.aborted) {
      admitted.fc.close();
      await admitted.payloads.return(undefined).catch(() => {});
      this.#reconnecting = null;
      return this.#finishClosed({ reason: "quit" });
    }
    this.#adopt(admitted, inCall);
  }

  /** Makes a new admission the session's connection and tells the user what was missed. */
  #adopt(admitted: Admitted, inCall: boolean): void {
    this.#fc = admitted.fc;
    this.#welcome = admitted.welcome;
    this.#resumeToken = admitted.resumeToken;
    this.#shutdownSeen = false;
    this.#closingError = null;
    for (const f of admitted.welcome.files) this.#files.set(f.fileId, f);
    this.#call = this.#newCall();
    this.#reconnecting = null;
    this.#online.set(true);
    const { welcome, missed, missedMore } = admitted;
    const { host, port } = this;
    this.#emit({ type: "reconnected", welcome, missed, missedMore, host, port });
    this.#start(admitted);
    if (inCall) this.#call.command("start");
  }

  #finishClosed(info: CloseInfo): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#stop.abort();
    this.#clock.clearInterval(this.#pingTimer);
    this.#fc.close();
    this.#transfers.abortAll();
    void this.#call.stopMedia();
    this.#call.end({ sendStop: false });
    this.#emit({ type: "closed", info });
    this.#resolveClosed(info);
  }

  #dispatch(m: ChatServerMessage): void {
    dispatchServerMessage(m, {
      name: this.name,
      emit: this.#emit,
      files: this.#files,
      call: this.#call,
      shutdown: () => this.#shutdownSeen = true,
      error: (closing) => this.#closingError = closing,
    });
  }

  /** Parses and runs one input line. Never waits. */
  handleLine(line: string): void {
    if (this.interceptLine(line)) return;
    this.execute(parseCommand(line));
  }

  /** Whether an input line was taken by the `interceptLine` option (the teacher commands of admin.ts). */
  interceptLine(line: string): boolean {
    return this.#options.interceptLine?.(line) === true;
  }

  /**
   * Sends one request frame as it is (the teacher's `admin` requests,
   * admin.ts); false while not connected (reconnecting or closed).
   */
  sendRequest(message: Message): boolean {
    if (this.#isClosed || this.#reconnecting !== null) return false;
    this.#send(message);
    return true;
  }

  /**
   * Runs one parsed command. `quit` is not handled here (the caller decides
   * between {@link ChatClient.finish} and {@link ChatClient.close}).
   */
  execute(cmd: Command): void {
    if (this.#isClosed) return;
    runCommand(cmd, {
      emit: this.#emit,
      send: (message) => this.#send(message),
      transfers: this.#transfers,
      call: this.#call,
      maxMessage: this.welcome.maxMessage,
      connected: this.#reconnecting === null,
    });
  }

  /**
   * Graceful end (end of piped input, `/quit`): waits for running transfers,
   * leaves the call, sends `quit` and waits for the server to close.
   * `onWait` is called first with the number of transfers still running.
   */
  async finish(onWait?: (running: number) => void): Promise<CloseInfo> {
    if (this.#transfers.running > 0) {
      onWait?.(this.#transfers.running);
      while (this.#transfers.running > 0 && !this.#isClosed) await this.#transfers.settled();
    }
    if (this.#reconnecting !== null) {
      // Nothing left to wait for while the server is away: stop trying.
      this.#stop.abort();
      await this.#reconnecting;
    }
    if (!this.#isClosed) {
      this.#call.end({ sendStop: true });
      await this.#call.stopMedia();
      this.#quitting = true;
      this.#send({ type: "quit" });
      // The server closes after a quit; do not wait forever if it does not.
      const timer = setTimeout(() => this.#fc.close(), 3_000);
      await this.#readLoop;
      clearTimeout(timer);
    }
    return this.closed;
  }

  /** Ends at once: cancels transfers, stops media, sends quit if possible, closes. Safe twice. */
  async close(): Promise<CloseInfo> {
    if (this.#reconnecting !== null) {
      this.#stop.abort();
      await this.#reconnecting;
    }
    if (!this.#isClosed) {
      this.#quitting = true;
      this.#transfers.abortAll();
      this.#call.end({ sendStop: true });
      this.#send({ type: "quit" });
      await this.#fc.end(500);
      this.#fc.close();
    }
    await this.#readLoop;
    await this.#call.stopMedia();
    await this.#transfers.settled();
    return this.closed;
  }
}
