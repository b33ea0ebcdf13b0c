/**
 * The chat client: one session with a PC3 server (v2 hello, welcome, room
 * events), driven by typed commands and reporting typed events.
 *
 * It speaks in typed events (lib/client/events.ts) and never prints: the terminal
 * (lib/terminal/) renders the events. Nothing here waits for output, and no
 * command waits for a transfer. The work is delegated: admission to
 * lib/client/handshake.ts, wire decoding to lib/protocol/wire_chat.ts,
 * transfers to lib/client/transfer_jobs.ts, the call to
 * lib/client/call_flow.ts.
 *
 * File transfers and call media are injected
 * ({@link ChatClientOptions.transfers}, {@link ChatClientOptions.startMedia}),
 * so tests run the client against a fake server without the file or video
 * modules.
 *
 * A lost connection (or a server that shut down) does not end the session:
 * the client says so once (`connection_lost`), tries again with growing
 * pauses (lib/client/reconnect.ts), comes back with the same name, its
 * reconnect token and the last `seq` it saw, shows what it missed and
 * rejoins the call it was in (`reconnected`). Transfers keep going and wait
 * for the chat where they need it. Only a quit, a server's refusal or an
 * error the server closes after ends it (`closed`).
 *
 * @module
 */

import type { FramedConnection } from "../net/framed_conn.ts";
import type { VideoCodec } from "../protocol/call_codecs.ts";
import { type Clock, systemClock } from "../protocol/clock.ts";
import { decodeMessage, encodeFrame, type Message, ProtocolError } from "../protocol/frame.ts";
import type { Lang } from "../protocol/i18n.ts";
import { DEFAULT_FILE_PORT } from "../protocol/limits.ts";
import { utf8Length } from "../protocol/utf8.ts";
import type { SharedFile, Welcome } from "../protocol/wire.ts";
import {
  chatErrorCloses,
  type ChatServerMessage,
  decodeChatServerMessage,
} from "../protocol/wire_chat.ts";
import { CallFlow, type StartMedia } from "./call_flow.ts";
import { type Command, parseCommand } from "./commands.ts";
import { ConnectError } from "./connect_errors.ts";
import type { CloseInfo, EmitEvent } from "./events.ts";
import { type Admitted, type Connect, handshake } from "./handshake.ts";
import { OnlineGate, retryUntilAdmitted } from "./reconnect.ts";
import { type TransferFunctions, TransferJobs } from "./transfer_jobs.ts";

/** Options of {@link ChatClient.connect}. */
export interface ChatClientOptions {
  host: string;
  port: number;
  name: string;
  lang: Lang;
  /** File port; default: the welcome's `file_port`, else DEFAULT_FILE_PORT. */
  filePort?: number;
  /** Media port; default: `call_joined.media_port`, the welcome's, else DEFAULT_MEDIA_PORT. */
  mediaPort?: number;
  /** Where downloads go. */
  downloads: string;
  /** Receives every event, synchronously; must not throw or block. */
  onEvent: EmitEvent;
  transfers?: TransferFunctions;
  /** Starts the call media once `call_joined` arrives; without it calls are signaling only. */
  startMedia?: StartMedia;
  /** Video codecs offered in `call start` (lib/media/call_media.ts `videoOfferFor`). */
  videoOffer?: readonly VideoCodec[];
  /** TCP connect (default `Deno.connect`); tests inject failures. */
  connect?: Connect;
  /** Connect timeout in ms (default 5,000). */
  connectTimeoutMs?: number;
  /** Time allowed for the welcome in ms (default 10,000). */
  helloTimeoutMs?: number;
  /** Ping interval in ms (default 20,000). */
  pingIntervalMs?: number;
  /** Whether a lost connection is retried (default true); false ends the session with `lost`. */
  reconnect?: boolean;
  /** Timers of the pauses between reconnection attempts (default the system clock). */
  clock?: Pick<Clock, "setTimeout" | "clearTimeout">;
  /** The room password for the server's challenge (auth.ts); absent: none. */
  password?: string;
  /** Frames of types this client does not decode (the teacher replies of admin.ts). */
  onOtherFrame?: (raw: Message) => void;
  /** Sees each input line first; true when it handled it (the teacher commands of admin.ts). */
  interceptLine?: (line: string) => boolean;
}

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
  #pingTimer: ReturnType<typeof setInterval> | undefined;
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
    this.#pingTimer = setInterval(() => this.#send({ type: "ping" }), pingEvery);
    this.#readLoop = this.#read(admitted.fc, admitted.payloads);
  }

  #send(message: Message): void {
    this.#fc.send(encodeFrame(message));
  }

  async #read(fc: FramedConnection, payloads: AsyncGenerator<Uint8Array>): Promise<void> {
    let fatal: ProtocolError | null = null;
    try {
      for await (const payload of payloads) {
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
    const info = this.#closeInfo(fatal);
    const retry = info.reason === "lost" || info.reason === "shutdown";
    if (!retry || this.#options.reconnect === false) {
      this.#finishClosed(info);
      return;
    }
    clearInterval(this.#pingTimer);
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
        clock: this.#options.clock ?? systemClock,
        signal: this.#stop.signal,
      });
    } catch (e) {
      this.#reconnecting = null;
      if (this.#stop.signal.aborted) return this.#finishClosed({ reason: "quit" });
      if (!(e instanceof ConnectError)) throw e;
      const code = e.serverCode ?? e.code;
      return this.#finishClosed({ reason: "server_error", code, message: e.detail });
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
    const { welcome, missed } = admitted;
    this.#emit({ type: "reconnected", welcome, missed, host: this.host, port: this.port });
    this.#start(admitted);
    if (inCall) this.#call.command("start");
  }

  #closeInfo(fatal: ProtocolError | null): CloseInfo {
    if (this.#quitting) return { reason: "quit" };
    if (this.#shutdownSeen) return { reason: "shutdown" };
    if (fatal !== null) return { reason: "server_error", code: fatal.code, message: fatal.message };
    if (this.#closingError !== null) return { reason: "server_error", ...this.#closingError };
    return { reason: "lost" };
  }

  #finishClosed(info: CloseInfo): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#stop.abort();
    clearInterval(this.#pingTimer);
    this.#fc.close();
    this.#transfers.abortAll();
    void this.#call.stopMedia();
    this.#call.end({ sendStop: false });
    this.#emit({ type: "closed", info });
    this.#resolveClosed(info);
  }

  #dispatch(m: ChatServerMessage): void {
    switch (m.type) {
      case "message":
        this.#emit({
          type: "message",
          from: m.from,
          text: m.text,
          own: m.from === this.name,
          history: m.history,
        });
        return;
      case "shutdown":
        this.#shutdownSeen = true;
        this.#emit({ type: "shutdown" });
        return;
      case "join":
        this.#emit({ type: "join", name: m.name });
        return;
      case "leave":
        this.#emit({ type: "leave", name: m.name, reason: m.reason });
        return;
      case "system":
        this.#emit({ type: "system", text: m.text });
        return;
      case "who":
        this.#emit({ type: "who", members: m.members });
        return;
      case "file_available":
        this.#files.set(m.file.fileId, m.file);
        this.#emit({ type: "file", file: m.file, history: m.history });
        return;
      case "files":
        for (const f of m.files) this.#files.set(f.fileId, f);
        this.#emit({ type: "files", files: m.files });
        return;
      case "pong":
        return;
      case "error":
        // Only an error the server closes after explains a later close.
        this.#closingError = chatErrorCloses(m.code) ? { code: m.code, message: m.message } : null;
        if (this.#call.hidesError(m.code)) return;
        this.#emit({ type: "server_error", code: m.code, message: m.message });
        return;
      case "call_joined":
        this.#call.onJoined(m);
        return;
      case "call":
        this.#call.onNotice(m);
        return;
      case "keyframe_request":
        this.#call.onKeyframeRequest();
        return;
    }
  }

  /** Parses and runs one input line. Never waits. */
  handleLine(line: string): void {
    // Teacher commands of `--admin` (admin.ts) are taken first.
    if (this.#options.interceptLine?.(line) === true) return;
    this.execute(parseCommand(line));
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
    if (this.#reconnecting !== null && NEEDS_SERVER.has(cmd.kind)) {
      this.#emit({ type: "notice", key: "notConnected" });
      return;
    }
    switch (cmd.kind) {
      case "empty":
      case "quit":
        return;
      case "message":
        this.#sendText(cmd.text);
        return;
      case "who":
      case "files":
        this.#send({ type: cmd.kind });
        return;
      case "help":
        this.#emit({ type: "notice", key: "help" });
        return;
      case "usage":
        this.#emit({ type: "notice", key: USAGE_KEYS[cmd.command] });
        return;
      case "unknown":
        this.#emit({ type: "notice", key: "unknownCommand", params: { command: cmd.command } });
        return;
      case "upload":
        this.#transfers.upload(cmd.path);
        return;
      case "download":
        this.#transfers.download(cmd.id);
        return;
      case "call":
        this.#call.command(cmd.action);
        return;
      case "mute":
        this.#call.mute(cmd.muted);
        return;
    }
  }

  #sendText(text: string): void {
    const bytes = utf8Length(text);
    const max = this.welcome.maxMessage;
    if (bytes > max) {
      this.#emit({ type: "notice", key: "messageTooLong", params: { bytes, max } });
      return;
    }
    this.#send({ type: "message", text });
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

/** Commands that need the server: answered "not connected" while reconnecting. */
const NEEDS_SERVER: ReadonlySet<Command["kind"]> = new Set<Command["kind"]>([
  "message",
  "who",
  "files",
  "upload",
  "download",
  "call",
]);

const USAGE_KEYS = {
  upload: "uploadUsage",
  download: "downloadUsage",
  call: "callUsage",
} as const;
