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
 * @module
 */

import type { FramedConnection } from "../net/framed_conn.ts";
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
import type { CloseInfo, EmitEvent } from "./events.ts";
import { type Connect, handshake } from "./handshake.ts";
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
  /** TCP connect (default `Deno.connect`); tests inject failures. */
  connect?: Connect;
  /** Connect timeout in ms (default 5,000). */
  connectTimeoutMs?: number;
  /** Time allowed for the welcome in ms (default 10,000). */
  helloTimeoutMs?: number;
  /** Ping interval in ms (default 20,000). */
  pingIntervalMs?: number;
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
  /** What the server said when it admitted us. */
  readonly welcome: Welcome;
  /** Resolves once when the connection ends. */
  readonly closed: Promise<CloseInfo>;

  #fc: FramedConnection;
  #payloads: AsyncGenerator<Uint8Array>;
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

  private constructor(
    options: ChatClientOptions,
    fc: FramedConnection,
    payloads: AsyncGenerator<Uint8Array>,
    welcome: Welcome,
  ) {
    this.host = options.host;
    this.port = options.port;
    this.#fc = fc;
    this.#payloads = payloads;
    this.welcome = welcome;
    this.#emit = options.onEvent;
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    for (const f of welcome.files) this.#files.set(f.fileId, f);
    this.#transfers = new TransferJobs({
      transfers: options.transfers,
      host: options.host,
      port: options.filePort ?? welcome.filePort ?? DEFAULT_FILE_PORT,
      token: welcome.token,
      downloads: options.downloads,
      knownFile: (id) => this.#files.get(id),
      emit: this.#emit,
    });
    this.#call = new CallFlow({
      host: options.host,
      lang: options.lang,
      name: welcome.name,
      mediaPort: options.mediaPort,
      welcomeMediaPort: welcome.mediaPort,
      startMedia: options.startMedia,
      sendCall: (action) => this.#send({ type: "call", action }),
      emit: this.#emit,
      isClosed: () => this.#isClosed,
    });
  }

  /**
   * Connects, says hello and waits for the welcome. Events (the welcome
   * first, then the history) go to `options.onEvent` from then on.
   * Throws {@link ConnectError}.
   */
  static async connect(options: ChatClientOptions): Promise<ChatClient> {
    const { fc, payloads, welcome } = await handshake(options);
    const client = new ChatClient(options, fc, payloads, welcome);
    client.#emit({ type: "welcome", welcome, host: options.host, port: options.port });
    client.#start(options.pingIntervalMs ?? 20_000);
    return client;
  }

  /** The name the server gave us. */
  get name(): string {
    return this.welcome.name;
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

  #start(pingEvery: number): void {
    this.#pingTimer = setInterval(() => this.#send({ type: "ping" }), pingEvery);
    this.#readLoop = this.#read();
  }

  #send(message: Message): void {
    this.#fc.send(encodeFrame(message));
  }

  async #read(): Promise<void> {
    let fatal: ProtocolError | null = null;
    try {
      for await (const payload of this.#payloads) {
        let msg: ChatServerMessage | null;
        try {
          msg = decodeChatServerMessage(decodeMessage(payload));
        } catch {
          continue; // A broken frame from the server is skipped, like the server does.
        }
        if (msg === null) continue; // Unknown types are ignored (PROTOCOL.md section 1).
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
    this.#finishClosed(fatal);
  }

  #closeInfo(fatal: ProtocolError | null): CloseInfo {
    if (this.#quitting) return { reason: "quit" };
    if (this.#shutdownSeen) return { reason: "shutdown" };
    if (fatal !== null) return { reason: "server_error", code: fatal.code, message: fatal.message };
    if (this.#closingError !== null) return { reason: "server_error", ...this.#closingError };
    return { reason: "lost" };
  }

  #finishClosed(fatal: ProtocolError | null): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    clearInterval(this.#pingTimer);
    this.#fc.close();
    const info = this.#closeInfo(fatal);
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
    }
  }

  /** Parses and runs one input line. Never waits. */
  handleLine(line: string): void {
    this.execute(parseCommand(line));
  }

  /**
   * Runs one parsed command. `quit` is not handled here (the caller decides
   * between {@link ChatClient.finish} and {@link ChatClient.close}).
   */
  execute(cmd: Command): void {
    if (this.#isClosed) return;
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

const USAGE_KEYS = {
  upload: "uploadUsage",
  download: "downloadUsage",
  call: "callUsage",
} as const;
