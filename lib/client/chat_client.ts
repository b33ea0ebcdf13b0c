/**
 * The client's core: the chat connection (v2 hello, welcome, room events),
 * the command parser, background file transfers and the call signaling.
 *
 * It speaks in typed {@link ClientEvent}s and never prints anything: the
 * terminal (lib/terminal/terminal.ts) renders the events, in colour or as plain
 * lines. Nothing here waits for output, and no command waits for a
 * transfer: uploads and downloads run on their own connections in the
 * background, several at once.
 *
 * File transfers and call media are injected ({@link TransferFunctions},
 * {@link ChatClientOptions.startMedia}), so tests run the core against a
 * fake server without the file or video modules.
 *
 * @module
 */

import { FramedConnection } from "../net/framed_conn.ts";
import { decodeMessage, encodeFrame, type Message, ProtocolError } from "../protocol/frame.ts";
import type { Lang } from "../protocol/i18n.ts";
import { VERSION } from "../protocol/version.ts";
import type { ClientTextKey } from "./text.ts";

// ---------------------------------------------------------------------------
// Commands

/** One line of user input, parsed. */
export type Command =
  | { kind: "empty" }
  | { kind: "message"; text: string }
  | { kind: "upload"; path: string }
  | { kind: "download"; id: string }
  | { kind: "files" }
  | { kind: "who" }
  | { kind: "help" }
  | { kind: "quit" }
  | { kind: "call"; action: "start" | "stop" | "stats" }
  | { kind: "usage"; command: "upload" | "download" | "call" }
  | { kind: "unknown"; command: string };

/**
 * Removes one pair of surrounding quotes, as Windows Terminal and Explorer
 * add when a file is dragged onto the window (`"C:\Mis vídeos\a.mp4"`) and
 * some Linux terminals add with single quotes.
 */
export function unquotePath(raw: string): string {
  const s = raw.trim();
  if (s.length >= 2) {
    const first = s[0];
    const last = s[s.length - 1];
    if ((first === '"' || first === "'") && last === first) return s.slice(1, -1);
  }
  return s;
}

/**
 * Parses one input line. Plain text is a message; `//text` sends a message
 * starting with `/`. `/upload` takes the rest of the line as the path
 * (spaces allowed, surrounding quotes removed).
 *
 * @example
 * ```ts
 * parseCommand('/upload "C:\\Mis vídeos\\clase 1.mp4"');
 * // { kind: "upload", path: "C:\\Mis vídeos\\clase 1.mp4" }
 * ```
 */
export function parseCommand(line: string): Command {
  // A CR left by a Windows pipe or a pasted CRLF is not part of the line.
  const text = line.replace(/\r$/, "");
  if (text.trim() === "") return { kind: "empty" };
  if (!text.startsWith("/")) return { kind: "message", text };
  if (text.startsWith("//")) return { kind: "message", text: text.slice(1) };
  const match = /^\/(\S+)(?:\s+([\s\S]*))?$/.exec(text.trimEnd());
  if (match === null) return { kind: "unknown", command: text.trim() };
  const name = match[1].toLowerCase();
  const rest = (match[2] ?? "").trim();
  switch (name) {
    case "upload":
    case "subir": {
      const path = unquotePath(rest);
      return path === "" ? { kind: "usage", command: "upload" } : { kind: "upload", path };
    }
    case "download":
    case "descargar": {
      // v1 ids are `<ms>_<file name>` and may hold spaces: the id is the rest of the line.
      const id = unquotePath(rest);
      return id === "" ? { kind: "usage", command: "download" } : { kind: "download", id };
    }
    case "files":
    case "archivos":
      return { kind: "files" };
    case "who":
    case "quien":
    case "quién":
      return { kind: "who" };
    case "help":
    case "ayuda":
    case "?":
      return { kind: "help" };
    case "quit":
    case "exit":
    case "salir":
      return { kind: "quit" };
    case "call":
    case "llamada": {
      const action = rest.toLowerCase();
      if (action === "start" || action === "stop" || action === "stats") {
        return { kind: "call", action };
      }
      return { kind: "usage", command: "call" };
    }
    default:
      return { kind: "unknown", command: `/${match[1]}` };
  }
}

// ---------------------------------------------------------------------------
// Wire data

/** A chat member as listed by `welcome` and `who`. */
export interface Member {
  name: string;
  since: number;
  protocol: number;
  inCall: boolean;
}

/** A shared file as listed by `welcome`, `files` and `file_available`. */
export interface SharedFile {
  fileId: string;
  filename: string;
  size: number;
  sha256: string;
  from: string;
  ts: number;
}

/** A member of the call and its media id (`null` for a v1 member not seen yet). */
export interface CallPeer {
  name: string;
  clientId: number | null;
}

/** What the server said in its `welcome`. */
export interface Welcome {
  name: string;
  token: string;
  server: string;
  filePort: number | null;
  mediaPort: number | null;
  maxMessage: number;
  maxFrame: number;
  maxUpload: number;
  members: Member[];
  files: SharedFile[];
  call: CallPeer[];
}

function str(v: unknown, fallback = ""): string {
  return typeof v === "string" ? v : fallback;
}

function num(v: unknown, fallback = 0): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function port(v: unknown): number | null {
  return typeof v === "number" && Number.isInteger(v) && v > 0 && v < 65536 ? v : null;
}

function list(v: unknown): Message[] {
  return Array.isArray(v)
    ? v.filter((x): x is Message => typeof x === "object" && x !== null && !Array.isArray(x))
    : [];
}

function toMember(m: Message): Member {
  return {
    name: str(m.name, "?"),
    since: num(m.since),
    protocol: num(m.protocol, 2),
    inCall: m.in_call === true,
  };
}

function toFile(m: Message): SharedFile {
  return {
    fileId: str(m.file_id),
    filename: str(m.filename, "?"),
    size: num(m.size),
    sha256: str(m.sha256),
    from: str(m.from, "?"),
    ts: num(m.ts),
  };
}

function toPeer(m: Message): CallPeer {
  const id = m.client_id;
  return {
    name: str(m.name, "?"),
    clientId: typeof id === "number" && Number.isInteger(id) ? id : null,
  };
}

/** Reads a `welcome` frame; throws a TypeError when a required field is missing. */
export function parseWelcome(m: Message): Welcome {
  if (typeof m.name !== "string" || typeof m.token !== "string") {
    throw new TypeError(`Welcome without name or token: ${JSON.stringify(m).slice(0, 200)}`);
  }
  const limits = (typeof m.limits === "object" && m.limits !== null ? m.limits : {}) as Message;
  return {
    name: m.name,
    token: m.token,
    server: str(m.server),
    filePort: port(m.file_port),
    mediaPort: port(m.media_port),
    maxMessage: num(limits.max_message, 4096),
    maxFrame: num(limits.max_frame, 65536),
    maxUpload: num(limits.max_upload, Number.MAX_SAFE_INTEGER),
    members: list(m.members).map(toMember),
    files: list(m.files).map(toFile).filter((f) => f.fileId !== ""),
    call: list(m.call).map(toPeer),
  };
}

// ---------------------------------------------------------------------------
// Events

/** A running or finished transfer, as the UI shows it. */
export interface TransferInfo {
  /** Local number, unique within the client. */
  id: number;
  kind: "upload" | "download";
  /** File name (upload: base name of the path; download: the server's name or the id). */
  label: string;
  done: number;
  /** 0 until known. */
  total: number;
  /** `Date.now()` when it started. */
  started: number;
}

/** Why the chat connection ended. */
export interface CloseInfo {
  /** `quit`: we asked; `shutdown`: the server stopped; `server_error`: closed after an error frame; `lost`: anything else. */
  reason: "quit" | "shutdown" | "server_error" | "lost";
  code?: string;
  message?: string;
}

/** Everything the UI renders. */
export type ClientEvent =
  | { type: "welcome"; welcome: Welcome; host: string; port: number }
  | { type: "message"; from: string; text: string; own: boolean; history: boolean }
  | { type: "join"; name: string }
  | { type: "leave"; name: string; reason: string }
  | { type: "file"; file: SharedFile; history: boolean }
  | { type: "who"; members: Member[] }
  | { type: "files"; files: SharedFile[] }
  | { type: "shutdown" }
  | { type: "system"; text: string }
  | { type: "server_error"; code: string; message: string }
  | {
    type: "call";
    action: "start" | "stop" | "media";
    from: string;
    first: boolean;
    ended: boolean;
    reason: string;
    members: CallPeer[];
  }
  | { type: "call_joined"; members: CallPeer[] }
  | { type: "call_left"; reason: "left" | "media_timeout" | "media_failed" }
  | { type: "call_log"; line: string }
  | { type: "call_stats"; lines: string[] }
  | { type: "transfer_start"; transfer: TransferInfo }
  | { type: "transfer_progress"; transfer: TransferInfo }
  | {
    type: "transfer_done";
    transfer: TransferInfo;
    filename: string;
    size: number;
    sha256: string;
    fileId?: string;
    path?: string;
  }
  | { type: "transfer_failed"; transfer: TransferInfo; code: string; message: string }
  | { type: "notice"; key: ClientTextKey; params?: Record<string, string | number> }
  | { type: "closed"; info: CloseInfo };

// ---------------------------------------------------------------------------
// Injected collaborators

/** Progress of one transfer. */
export interface Progress {
  done: number;
  total: number;
}

/** The transfer functions of lib/client/transfers.ts (injected so tests can fake them). */
export interface TransferFunctions {
  uploadFile(path: string, options: {
    host: string;
    port: number;
    token: string;
    onProgress?: (p: Progress) => void;
    signal?: AbortSignal;
    /** Called before a cut upload is resumed. */
    onRetry?: (attempt: number, code: string) => void;
  }): Promise<{ file_id: string; filename: string; size: number; sha256: string }>;
  downloadFile(fileId: string, options: {
    host: string;
    port: number;
    dir: string;
    onProgress?: (p: Progress) => void;
    signal?: AbortSignal;
    /** Called before a cut download is continued. */
    onRetry?: (attempt: number, code: string) => void;
  }): Promise<{ path: string; filename: string; size: number; sha256: string }>;
}

/** What the core hands to the call media starter (lib/media/call_media.ts fills in the rest). */
export interface MediaParams {
  host: string;
  mediaPort: number;
  token: string;
  clientId: number;
  lang: Lang;
  log(line: string): void;
  onLeave(): void;
}

/** The part of lib/media/call_media.ts's CallMedia the core uses. */
export interface MediaSession {
  setMembers(members: CallPeer[]): void;
  statsLines(): string[];
  close(): Promise<void>;
}

/** Options of {@link ChatClient.connect}. */
export interface ChatClientOptions {
  host: string;
  port: number;
  name: string;
  lang: Lang;
  /** File port; default: the welcome's `file_port`, else 9010. */
  filePort?: number;
  /** Media port; default: `call_joined.media_port`, the welcome's, else 9020. */
  mediaPort?: number;
  /** Where downloads go. */
  downloads: string;
  /** Receives every event, synchronously; must not throw or block. */
  onEvent(event: ClientEvent): void;
  transfers?: TransferFunctions;
  /** Starts the call media once `call_joined` arrives; without it calls are signaling only. */
  startMedia?(params: MediaParams): Promise<MediaSession>;
  /** TCP connect (default `Deno.connect`); tests inject failures. */
  connect?(options: { hostname: string; port: number; signal: AbortSignal }): Promise<Deno.Conn>;
  /** Connect timeout in ms (default 5,000). */
  connectTimeoutMs?: number;
  /** Time allowed for the welcome in ms (default 10,000). */
  helloTimeoutMs?: number;
  /** Ping interval in ms (default 20,000). */
  pingIntervalMs?: number;
}

/** Why {@link ChatClient.connect} failed. */
export type ConnectErrorCode =
  | "unresolved"
  | "refused"
  | "timeout"
  | "failed"
  | "name_taken"
  | "name_invalid"
  | "refused_by_server"
  | "hello_closed"
  | "hello_timeout"
  | "bad_reply";

/** A failure to connect or to be admitted; the UI explains `code` to the user. */
export class ConnectError extends Error {
  override name = "ConnectError";
  readonly code: ConnectErrorCode;
  readonly host: string;
  readonly port: number;
  /** Server error code when the server refused the hello. */
  readonly serverCode?: string;
  /** Server message, or the system error's text. */
  readonly detail: string;
  constructor(
    code: ConnectErrorCode,
    init: { host: string; port: number; detail: string; serverCode?: string; cause?: unknown },
  ) {
    super(`Connection to ${init.host}:${init.port} failed: ${code}: ${init.detail}`, {
      cause: init.cause,
    });
    this.code = code;
    this.host = init.host;
    this.port = init.port;
    this.detail = init.detail;
    this.serverCode = init.serverCode;
  }
}

/** Sorts a `Deno.connect` failure into the cases a user can act on. */
export function classifyConnectError(error: unknown): "unresolved" | "refused" | "failed" {
  if (error instanceof Deno.errors.ConnectionRefused) return "refused";
  const e = error as { name?: string; message?: string; code?: string };
  const text = `${e?.name ?? ""} ${e?.code ?? ""} ${e?.message ?? ""}`;
  if (/ECONNREFUSED|refused|10061/i.test(text)) return "refused";
  if (
    error instanceof Deno.errors.NotFound ||
    /lookup|resolve|getaddrinfo|not known|nodename|no such host|11001|ENOTFOUND|EAI_/i.test(text)
  ) return "unresolved";
  return "failed";
}

const encoder = new TextEncoder();

/** Largest frame the client accepts from the server (PROTOCOL.md section 1). */
export const SERVER_MAX_FRAME = 1024 * 1024;

/** How many UTF-8 bytes `text` takes. */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== "");
  return parts.length > 0 ? parts[parts.length - 1] : path;
}

// ---------------------------------------------------------------------------
// The client

/**
 * One chat session. Create it with {@link ChatClient.connect}, feed it input
 * lines with {@link handleLine}, and end it with {@link finish} (graceful:
 * waits for transfers) or {@link close} (at once).
 *
 * @example
 * ```ts
 * const client = await ChatClient.connect({ host: "127.0.0.1", port: 9009, name: "Ana",
 *   lang: "es", downloads: "downloads", onEvent: (e) => console.log(e) });
 * client.handleLine("hola");
 * await client.finish();
 * ```
 */
export class ChatClient {
  readonly host: string;
  readonly port: number;
  readonly welcome: Welcome;
  /** Resolves once when the connection ends. */
  readonly closed: Promise<CloseInfo>;

  #fc: FramedConnection;
  #iter: AsyncGenerator<Uint8Array>;
  #options: ChatClientOptions;
  #emit: (event: ClientEvent) => void;
  #files = new Map<string, SharedFile>();
  #transfers = new Map<
    number,
    { info: TransferInfo; abort: AbortController; done: Promise<void> }
  >();
  #nextTransfer = 1;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #quitting = false;
  #shutdownSeen = false;
  #lastError: { code: string; message: string } | null = null;
  #resolveClosed!: (info: CloseInfo) => void;
  #isClosed = false;
  #readLoop: Promise<void> = Promise.resolve();
  // Call state: idle, joining (start sent), in (call_joined seen).
  #call: "idle" | "joining" | "in" = "idle";
  #callMembers: CallPeer[] = [];
  #media: MediaSession | null = null;
  #mediaStarting: Promise<void> | null = null;

  private constructor(
    options: ChatClientOptions,
    fc: FramedConnection,
    iter: AsyncGenerator<Uint8Array>,
    welcome: Welcome,
  ) {
    this.host = options.host;
    this.port = options.port;
    this.#options = options;
    this.#fc = fc;
    this.#iter = iter;
    this.welcome = welcome;
    this.#emit = options.onEvent;
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    for (const f of welcome.files) this.#files.set(f.fileId, f);
  }

  /**
   * Connects, says hello and waits for the welcome. Events (the welcome
   * first, then the history) go to `options.onEvent` from then on.
   * Throws {@link ConnectError}.
   */
  static async connect(options: ChatClientOptions): Promise<ChatClient> {
    const { host, port } = options;
    const connectTimeout = options.connectTimeoutMs ?? 5_000;
    const connect = options.connect ??
      ((o: { hostname: string; port: number; signal: AbortSignal }) => Deno.connect(o));
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, connectTimeout);
    let conn: Deno.Conn;
    try {
      conn = await Promise.race([
        connect({ hostname: host, port, signal: abort.signal }),
        new Promise<never>((_, reject) =>
          abort.signal.addEventListener("abort", () => reject(new Error("Timed out")), {
            once: true,
          })
        ),
      ]);
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message : String(cause);
      if (timedOut) throw new ConnectError("timeout", { host, port, detail, cause });
      throw new ConnectError(classifyConnectError(cause), { host, port, detail, cause });
    } finally {
      clearTimeout(timer);
    }
    try {
      (conn as Deno.TcpConn).setNoDelay?.(true);
      (conn as Deno.TcpConn).setKeepAlive?.(true);
    } catch {
      // Socket options are a nicety.
    }
    // Server frames may pass 64 KiB (a welcome listing many members): PROTOCOL.md section 1.
    const fc = new FramedConnection(conn, { maxFrame: SERVER_MAX_FRAME });
    const iter = fc.payloads();
    fc.send(encodeFrame({
      type: "hello",
      version: 2,
      name: options.name,
      lang: options.lang,
      client: `pc3-client ${VERSION}`,
    }));
    const welcome = await ChatClient.#awaitWelcome(fc, iter, options);
    const client = new ChatClient(options, fc, iter, welcome);
    client.#emit({ type: "welcome", welcome, host, port });
    client.#start();
    return client;
  }

  static async #awaitWelcome(
    fc: FramedConnection,
    iter: AsyncGenerator<Uint8Array>,
    options: ChatClientOptions,
  ): Promise<Welcome> {
    const { host, port } = options;
    const helloTimeout = options.helloTimeoutMs ?? 10_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      fc.close();
    }, helloTimeout);
    try {
      while (true) {
        let step: IteratorResult<Uint8Array>;
        try {
          step = await iter.next();
        } catch (cause) {
          const detail = cause instanceof Error ? cause.message : String(cause);
          throw new ConnectError("bad_reply", { host, port, detail, cause });
        }
        if (step.done) {
          if (timedOut) {
            throw new ConnectError("hello_timeout", {
              host,
              port,
              detail: `${helloTimeout / 1000}`,
            });
          }
          throw new ConnectError("hello_closed", { host, port, detail: "EOF" });
        }
        let msg: Message;
        try {
          msg = decodeMessage(step.value);
        } catch (cause) {
          throw new ConnectError("bad_reply", { host, port, detail: String(cause), cause });
        }
        if (msg.type === "welcome") {
          try {
            return parseWelcome(msg);
          } catch (cause) {
            throw new ConnectError("bad_reply", {
              host,
              port,
              detail: (cause as Error).message,
              cause,
            });
          }
        }
        if (msg.type === "error") {
          const code = str(msg.code, "error");
          const detail = str(msg.message, code);
          const kind: ConnectErrorCode = code === "name_taken" || code === "name_invalid"
            ? code
            : "refused_by_server";
          throw new ConnectError(kind, { host, port, detail, serverCode: code });
        }
        // A v1 server answers a hello with system lines and no welcome: keep
        // waiting (the timeout reports it); anything else before the welcome is ignored.
      }
    } catch (e) {
      fc.close();
      // Let the generator see the closed socket and finish.
      await iter.return(undefined).catch(() => {});
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The name the server gave us. */
  get name(): string {
    return this.welcome.name;
  }

  /** Transfers still running. */
  get activeTransfers(): number {
    return this.#transfers.size;
  }

  /** Whether a call is joined or being joined. */
  get inCall(): boolean {
    return this.#call !== "idle";
  }

  /** Files known from the welcome, `/files` and announcements, by id. */
  knownFile(fileId: string): SharedFile | undefined {
    return this.#files.get(fileId);
  }

  #start(): void {
    const every = this.#options.pingIntervalMs ?? 20_000;
    this.#pingTimer = setInterval(() => this.#send({ type: "ping" }), every);
    this.#readLoop = this.#read();
  }

  #send(message: Message): void {
    this.#fc.send(encodeFrame(message));
  }

  async #read(): Promise<void> {
    let fatal: ProtocolError | null = null;
    try {
      for await (const payload of this.#iter) {
        let msg: Message;
        try {
          msg = decodeMessage(payload);
        } catch {
          continue; // A broken frame from the server is skipped, like the server does.
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
    this.#finishClosed(fatal);
  }

  #finishClosed(fatal: ProtocolError | null): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    clearInterval(this.#pingTimer);
    this.#fc.close();
    let info: CloseInfo;
    if (this.#quitting) info = { reason: "quit" };
    else if (this.#shutdownSeen) info = { reason: "shutdown" };
    else if (fatal !== null) {
      info = { reason: "server_error", code: fatal.code, message: fatal.message };
    } else if (this.#lastError !== null) info = { reason: "server_error", ...this.#lastError };
    else info = { reason: "lost" };
    for (const t of this.#transfers.values()) t.abort.abort();
    void this.#stopMedia();
    this.#call = "idle";
    this.#emit({ type: "closed", info });
    this.#resolveClosed(info);
  }

  #dispatch(m: Message): void {
    switch (m.type) {
      case "message": {
        const from = str(m.from, "?");
        this.#emit({
          type: "message",
          from,
          text: str(m.text),
          own: from === this.name,
          history: m.history === true,
        });
        return;
      }
      case "system": {
        const event = m.event;
        if (event === "join" && typeof m.name === "string") {
          this.#emit({ type: "join", name: m.name });
        } else if (event === "leave" && typeof m.name === "string") {
          this.#emit({ type: "leave", name: m.name, reason: str(m.reason) });
        } else if (event === "shutdown") {
          this.#shutdownSeen = true;
          this.#emit({ type: "shutdown" });
        } else if (typeof m.text === "string") {
          this.#emit({ type: "system", text: m.text });
        }
        return;
      }
      case "file_available": {
        const file = toFile(m);
        if (file.fileId === "") return;
        this.#files.set(file.fileId, file);
        this.#emit({ type: "file", file, history: m.history === true });
        return;
      }
      case "who":
        this.#emit({ type: "who", members: list(m.members).map(toMember) });
        return;
      case "files": {
        const files = list(m.files).map(toFile).filter((f) => f.fileId !== "");
        for (const f of files) this.#files.set(f.fileId, f);
        this.#emit({ type: "files", files });
        return;
      }
      case "pong":
        return;
      case "error": {
        const code = str(m.code, "error");
        const message = str(m.message, code);
        this.#lastError = { code, message };
        if (code === "not_in_call" && this.#call !== "idle") return;
        this.#emit({ type: "server_error", code, message });
        return;
      }
      case "call_joined":
        this.#onCallJoined(m);
        return;
      case "call":
        this.#onCallEvent(m);
        return;
      default:
        return; // Unknown types are ignored (PROTOCOL.md section 1).
    }
  }

  // ---- Commands ----

  /** Parses and runs one input line. Never waits. */
  handleLine(line: string): void {
    this.execute(parseCommand(line));
  }

  /**
   * Runs one parsed command. `quit` is not handled here (the caller decides
   * between {@link finish} and {@link close}).
   */
  execute(cmd: Command): void {
    if (this.#isClosed) return;
    switch (cmd.kind) {
      case "empty":
      case "quit":
        return;
      case "message": {
        const bytes = utf8Length(cmd.text);
        if (bytes > this.welcome.maxMessage) {
          this.#emit({
            type: "notice",
            key: "messageTooLong",
            params: { bytes, max: this.welcome.maxMessage },
          });
          return;
        }
        this.#send({ type: "message", text: cmd.text });
        return;
      }
      case "who":
        this.#send({ type: "who" });
        return;
      case "files":
        this.#send({ type: "files" });
        return;
      case "help":
        this.#emit({ type: "notice", key: "help" });
        return;
      case "usage":
        this.#emit({
          type: "notice",
          key: cmd.command === "upload"
            ? "uploadUsage"
            : cmd.command === "download"
            ? "downloadUsage"
            : "callUsage",
        });
        return;
      case "unknown":
        this.#emit({ type: "notice", key: "unknownCommand", params: { command: cmd.command } });
        return;
      case "upload":
        this.#upload(cmd.path);
        return;
      case "download":
        this.#download(cmd.id);
        return;
      case "call":
        if (cmd.action === "start") this.#callStart();
        else if (cmd.action === "stop") this.#callStop();
        else this.#callStats();
        return;
    }
  }

  // ---- Transfers ----

  #filePort(): number {
    return this.#options.filePort ?? this.welcome.filePort ?? 9010;
  }

  #track(
    kind: "upload" | "download",
    label: string,
    total: number,
    run: (
      info: TransferInfo,
      onProgress: (p: Progress) => void,
      signal: AbortSignal,
    ) => Promise<Omit<Extract<ClientEvent, { type: "transfer_done" }>, "type" | "transfer">>,
  ): void {
    const info: TransferInfo = {
      id: this.#nextTransfer++,
      kind,
      label,
      done: 0,
      total,
      started: Date.now(),
    };
    const abort = new AbortController();
    const onProgress = (p: Progress) => {
      info.done = p.done;
      if (p.total > 0) info.total = p.total;
      this.#emit({ type: "transfer_progress", transfer: info });
    };
    this.#emit({ type: "transfer_start", transfer: info });
    const done = (async () => {
      try {
        const result = await run(info, onProgress, abort.signal);
        info.done = result.size;
        info.total = result.size;
        this.#emit({ type: "transfer_done", transfer: info, ...result });
      } catch (e) {
        const err = e as { code?: unknown; message?: unknown; name?: string };
        const code = abort.signal.aborted
          ? "cancelled"
          : typeof err?.code === "string"
          ? err.code
          : "failed";
        const message = typeof err?.message === "string" ? err.message : String(e);
        this.#emit({ type: "transfer_failed", transfer: info, code, message });
      } finally {
        this.#transfers.delete(info.id);
      }
    })();
    this.#transfers.set(info.id, { info, abort, done });
  }

  #upload(path: string): void {
    const transfers = this.#options.transfers;
    const label = baseName(path);
    if (transfers === undefined) {
      this.#emit({
        type: "notice",
        key: "uploadFailed",
        params: { filename: label, reason: "unavailable" },
      });
      return;
    }
    const host = this.host;
    const port = this.#filePort();
    const token = this.welcome.token;
    this.#track("upload", label, 0, async (_info, onProgress, signal) => {
      const onRetry = (attempt: number) =>
        this.#emit({
          type: "notice",
          key: "uploadResuming",
          params: { filename: label, attempt },
        });
      const r = await transfers.uploadFile(path, {
        host,
        port,
        token,
        onProgress,
        signal,
        onRetry,
      });
      return { filename: r.filename, size: r.size, sha256: r.sha256, fileId: r.file_id };
    });
  }

  #download(id: string): void {
    const transfers = this.#options.transfers;
    const known = this.#files.get(id);
    const label = known?.filename ?? id;
    if (transfers === undefined) {
      this.#emit({
        type: "notice",
        key: "downloadFailed",
        params: { filename: label, reason: "unavailable" },
      });
      return;
    }
    const host = this.host;
    const port = this.#filePort();
    const dir = this.#options.downloads;
    this.#track("download", label, known?.size ?? 0, async (info, onProgress, signal) => {
      const onRetry = (attempt: number) =>
        this.#emit({
          type: "notice",
          key: "downloadResuming",
          params: { filename: info.label, attempt },
        });
      const r = await transfers.downloadFile(id, { host, port, dir, onProgress, signal, onRetry });
      info.label = r.filename;
      return { filename: r.filename, size: r.size, sha256: r.sha256, path: r.path, fileId: id };
    });
  }

  // ---- Calls ----

  #callStart(): void {
    if (this.#call !== "idle") {
      this.#emit({ type: "notice", key: "callAlready" });
      return;
    }
    this.#call = "joining";
    this.#send({ type: "call", action: "start" });
  }

  #callStop(): void {
    if (this.#call === "idle") {
      this.#emit({ type: "notice", key: "callNotIn" });
      return;
    }
    this.#leaveCall("left");
  }

  #leaveCall(reason: "left" | "media_failed"): void {
    this.#call = "idle";
    this.#callMembers = [];
    void this.#stopMedia();
    this.#send({ type: "call", action: "stop" });
    this.#emit({ type: "call_left", reason });
  }

  #callStats(): void {
    if (this.#call === "idle") {
      this.#emit({ type: "notice", key: "callNotIn" });
      return;
    }
    if (this.#media === null) {
      // Joined, but the video session (socket, ffmpeg) is still starting.
      this.#emit({ type: "notice", key: "callMediaStarting" });
      return;
    }
    this.#emit({ type: "call_stats", lines: this.#media.statsLines() });
  }

  #onCallJoined(m: Message): void {
    const members = list(m.members).map(toPeer);
    if (this.#call === "idle") {
      // We left (or never asked) while the answer was on its way.
      return;
    }
    this.#callMembers = members;
    if (this.#call === "in") {
      this.#media?.setMembers(members);
      return;
    }
    this.#call = "in";
    this.#emit({ type: "call_joined", members });
    const start = this.#options.startMedia;
    const token = str(m.token);
    const clientId = num(m.client_id, -1);
    if (start === undefined || token === "" || clientId < 0) return;
    const mediaPort = this.#options.mediaPort ?? port(m.media_port) ?? this.welcome.mediaPort ??
      9020;
    const starting = (async () => {
      let session: MediaSession;
      try {
        session = await start({
          host: this.host,
          mediaPort,
          token,
          clientId,
          lang: this.#options.lang,
          log: (line) => this.#emit({ type: "call_log", line }),
          onLeave: () => {
            if (this.#call !== "idle" && this.#mediaStarting === null) this.#leaveCall("left");
          },
        });
      } catch (e) {
        this.#mediaStarting = null;
        this.#emit({
          type: "notice",
          key: "callMediaFailed",
          params: { reason: e instanceof Error ? e.message : String(e) },
        });
        if (this.#call === "in") this.#leaveCall("media_failed");
        return;
      }
      this.#mediaStarting = null;
      if (this.#call !== "in" || this.#isClosed) {
        await session.close().catch(() => {});
        return;
      }
      this.#media = session;
      session.setMembers(this.#callMembers);
    })();
    this.#mediaStarting = starting;
  }

  #onCallEvent(m: Message): void {
    const action = m.action;
    if (action !== "start" && action !== "stop" && action !== "media") return;
    const from = str(m.from, "?");
    const members = list(m.members).map(toPeer);
    const mine = from === this.name;
    if (this.#call === "in") {
      if (action === "media") {
        const id = m.client_id;
        this.#callMembers = this.#callMembers.map((p) =>
          p.name === from && typeof id === "number" ? { ...p, clientId: id } : p
        );
      } else if (Array.isArray(m.members)) {
        this.#callMembers = members;
      }
      this.#media?.setMembers(this.#callMembers);
    }
    if (mine && action === "stop" && this.#call !== "idle") {
      // The server took us out (media_timeout), or our own stop came back.
      const reason = str(m.reason);
      if (reason === "media_timeout") {
        this.#call = "idle";
        this.#callMembers = [];
        void this.#stopMedia();
        this.#emit({ type: "call_left", reason: "media_timeout" });
        return;
      }
    }
    // Our own start/stop are reported by call_joined / call_left.
    if (mine) return;
    this.#emit({
      type: "call",
      action,
      from,
      first: m.first === true,
      ended: m.ended === true,
      reason: str(m.reason),
      members,
    });
  }

  async #stopMedia(): Promise<void> {
    const starting = this.#mediaStarting;
    if (starting !== null) await starting;
    const media = this.#media;
    this.#media = null;
    if (media !== null) await media.close().catch(() => {});
  }

  // ---- Ending ----

  /**
   * Graceful end (end of piped input, `/quit`): waits for running transfers,
   * leaves the call, sends `quit` and waits for the server to close.
   * `onWait` is called first with the number of transfers still running.
   */
  async finish(onWait?: (running: number) => void): Promise<CloseInfo> {
    if (this.#transfers.size > 0) {
      onWait?.(this.#transfers.size);
      while (this.#transfers.size > 0 && !this.#isClosed) {
        await Promise.allSettled([...this.#transfers.values()].map((t) => t.done));
      }
    }
    if (!this.#isClosed) {
      if (this.#call !== "idle") {
        this.#call = "idle";
        this.#send({ type: "call", action: "stop" });
      }
      await this.#stopMedia();
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
      for (const t of this.#transfers.values()) t.abort.abort();
      if (this.#call !== "idle") this.#send({ type: "call", action: "stop" });
      this.#call = "idle";
      this.#send({ type: "quit" });
      await this.#fc.end(500);
      this.#fc.close();
    }
    await this.#readLoop;
    await this.#stopMedia();
    await Promise.allSettled([...this.#transfers.values()].map((t) => t.done));
    return this.closed;
  }
}
