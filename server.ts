/**
 * PC3 server entry point: chat (TCP 9009), files (TCP 9010) and the video
 * relay (UDP 9020) in one process.
 *
 * ```sh
 * deno task serve -- --lang en --chat-port 9009
 * ```
 *
 * Thin wiring only: storage folder, sockets, banner, signals. The flags are
 * parsed by lib/server/args.ts; the logic lives in lib/.
 *
 * @module
 */

import { resolve } from "node:path";
import { translator } from "./lib/protocol/i18n.ts";
import { VERSION } from "./lib/protocol/version.ts";
import { localLanAddresses } from "./lib/net/net_info.ts";
import { clientCommandLines, launchForm, withClientProgram } from "./lib/server/banner.ts";
import { versionLine, wantsVersion } from "./lib/protocol/cli_args.ts";
import { parseServerArgs, type ServerConfig } from "./lib/server/args.ts";
import { serveChat } from "./lib/server/chat_server.ts";
import { serveFiles } from "./lib/server/file_server.ts";
import { FileStore } from "./lib/server/file_store.ts";
import { HistoryStore } from "./lib/server/history_store.ts";
import { formatRelayStats } from "./lib/server/relay/report.ts";
import { serveMedia } from "./lib/server/relay/udp_server.ts";
import { bannerLabLines, discoveryFor } from "./lib/server/discovery_service.ts";
import { warnWindowsNetwork } from "./lib/server/net_profile.ts";
import { addressLimits } from "./lib/server/room/flood.ts";
import { Room, type RoomOptions } from "./lib/server/room/room.ts";
import { stopSignals } from "./lib/server/signals.ts";
import {
  openLog,
  startConsole,
  teacherBannerLines,
  teacherOptions,
} from "./lib/server/console_setup.ts";
import type { LogSink } from "./lib/server/log_event.ts";
import { serverText } from "./lib/server/text.ts";

/** Raised when a port can not be opened; `inUse` tells the usual cause. */
export class ListenError extends Error {
  override name = "ListenError";
  /** `message` in the server's language; `inUse` when another program holds the port. */
  constructor(message: string, readonly inUse: boolean, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A running server. */
export interface RunningServer {
  /** The chat port actually bound (the flag's, or a free one for 0). */
  chatPort: number;
  /** The file port actually bound. */
  filePort: number;
  /** The media port actually bound. */
  mediaPort: number;
  /** The chat room. */
  room: Room;
  /** Shutdown notice, queues flushed, history and file index saved. Safe twice. */
  close(): Promise<void>;
}

/** Lines printed by the server. */
export interface ServerOutput {
  /** A line for standard output. */
  print(line: string): void;
  /** A line for standard error. */
  error(line: string): void;
}

type Text = ReturnType<typeof translator<typeof serverText>>;

interface Sockets {
  chat: Deno.Listener;
  files: Deno.Listener;
  media: Deno.DatagramConn;
}

/** The port-opening failure in the user's words: taken, or another error. */
function listenError(e: unknown, t: Text, where: { kind: string; port: number; flag: string }) {
  if (e instanceof Deno.errors.AddrInUse) {
    return new ListenError(t("portInUse", where), true, { cause: e });
  }
  const detail = (e as Error).message;
  return new ListenError(t("listenFailed", { ...where, detail }), false, { cause: e });
}

/** Opens the three ports; `cleanups` gets a close for each one opened. */
function openSockets(config: ServerConfig, t: Text, cleanups: Array<() => void>): Sockets {
  const hostname = config.host;
  const tcp = (port: number, flag: string) => {
    try {
      const listener = Deno.listen({ hostname, port, transport: "tcp" });
      cleanups.push(() => listener.close());
      return listener;
    } catch (e) {
      throw listenError(e, t, { kind: "TCP", port, flag });
    }
  };
  const chat = tcp(config.chatPort, "chat-port");
  const files = tcp(config.filePort, "file-port");
  let media: Deno.DatagramConn;
  try {
    media = Deno.listenDatagram({ hostname, port: config.mediaPort, transport: "udp" });
  } catch (e) {
    throw listenError(e, t, { kind: "UDP", port: config.mediaPort, flag: "media-port" });
  }
  cleanups.push(() => media.close());
  return { chat, files, media };
}

/** Creates the storage folder and opens the chat history in it. */
async function openHistory(storage: string, t: Text, out: ServerOutput): Promise<HistoryStore> {
  try {
    await Deno.mkdir(storage, { recursive: true });
  } catch (e) {
    const detail = (e as Error).message;
    throw new Error(t("storageFailed", { dir: storage, detail }), { cause: e });
  }
  return await HistoryStore.open(storage, {
    onProblem: (p) => {
      if (p.kind === "corrupt") out.error(t("historyCorrupt", { file: p.file, aside: p.aside }));
      else out.error(t("historySaveFailed", { file: p.file, detail: String(p.error) }));
    },
  });
}

/** Opens the file index in the storage folder. */
function openFileStore(
  storage: string,
  config: ServerConfig,
  t: Text,
  out: ServerOutput,
  log: LogSink,
) {
  return FileStore.open(storage, {
    log,
    quota: config.quota,
    maxFiles: config.maxFiles,
    maxUpload: config.maxUpload,
    onProblem: (p) => {
      if (p.kind === "corrupt_index") {
        out.error(t("storeCorrupt", { file: p.file, aside: p.aside, detail: p.detail }));
      } else out.error(t("storeSaveFailed", { file: p.file, detail: p.detail }));
    },
  });
}

/** Runs `cleanups` newest first, ignoring what was already closed. */
async function undo(cleanups: Array<() => Promise<void> | void>): Promise<void> {
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch {
      // Already closed by its owner.
    }
  }
}

/** The room with the flags' limits, its history, ports, log and the teacher's options. */
function newRoom(
  config: ServerConfig,
  history: HistoryStore,
  extra: Pick<RoomOptions, "filePort" | "mediaPort" | "log" | "teacher">,
): Room {
  return new Room({
    lang: config.lang,
    history: history.initial,
    onHistory: (h) => history.save(h),
    // seq never goes backwards after a crash (history_store.ts).
    reserveSeq: (upTo) => history.reserveSeq(upTo),
    maxMessage: config.maxMessage,
    maxFrame: config.maxFrame,
    maxUpload: config.maxUpload,
    rate: config.rate,
    addressLimits: addressLimits(config.ipRate),
    graceMs: config.graceMs,
    ...extra,
  });
}

/** The chat port and the relay over `room`; their unexpected failures go to the teacher's log. */
function startChatAndRelay(
  sockets: ReturnType<typeof openSockets>,
  config: ServerConfig,
  room: Room,
  side: ReturnType<typeof discoveryFor>,
  log: LogSink,
) {
  const failed = (port: string) => (line: string) =>
    log({ kind: "server_error", port, error: line });
  const media = serveMedia(sockets.media, {
    room,
    acceptV1: config.acceptV1Media,
    side,
    log: failed("media"),
  });
  const chat = serveChat(sockets.chat, {
    room,
    maxFrame: config.maxFrame,
    helloTimeoutMs: config.helloTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxPerIp: config.maxPerIp,
    maxMembersPerIp: config.maxMembersPerIp,
    lang: config.lang,
    events: log,
    log: failed("chat"),
  });
  return { chat, media };
}

/** Whether `token` is the file token of a live member of `room` (muted ones too: they read). */
function isMember(room: Room, token: unknown): boolean {
  return typeof token === "string" && room.nameByToken(token) !== undefined;
}

/** The file port, publishing into `room`. */
function startFiles(
  listener: Deno.Listener,
  config: ServerConfig,
  deps: {
    store: FileStore;
    room: Room;
    log: LogSink;
    acceptV1Files: boolean;
    membersOnly: boolean;
  },
) {
  const { store, room, log } = deps;
  return serveFiles(listener, {
    store,
    // A muted member, or a student of a read-only room, has no upload rights (moderation.ts).
    sessionName: (token) => room.canShare(token) ? room.nameByToken(token) : undefined,
    onPublished: (info) => room.announceFile(info),
    acceptV1: deps.acceptV1Files,
    // A room with a password (and no --allow-v1) lets only its members download.
    ...(deps.membersOnly ? { downloadSession: (t: unknown) => isMember(room, t) } : {}),
    log,
    limits: { maxFiles: config.maxFiles, perMinute: config.uploadsPerMinute },
    maxFrame: config.maxFrame,
    helloTimeoutMs: config.helloTimeoutMs,
    maxPerIp: config.maxPerIp,
    lang: config.lang,
  });
}

/**
 * Opens storage and every port, prints the banner and the ready line, and
 * returns the running server. Throws {@link ListenError} when a port is
 * taken (everything opened so far is closed again).
 */
export async function startServer(config: ServerConfig, out: ServerOutput): Promise<RunningServer> {
  const t = translator(serverText, config.lang);
  const storage = resolve(config.storage);
  const history = await openHistory(storage, t, out);
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    // The log (--log), password key and teacher key (lib/server/console_setup.ts).
    const serverLog = await openLog(config, t, { print: out.print });
    cleanups.push(() => serverLog.close());
    const log = serverLog.log.sink;
    const teacher = await teacherOptions(config, t);
    // Sessionless v1 uploads, and downloads, in a room with a password (PROTOCOL.md 2.7, 3.5).
    const membersOnly = teacher.password !== undefined && !config.allowV1;
    const acceptV1Files = config.acceptV1Files && !membersOnly;
    const sockets = openSockets(config, t, cleanups);
    const chatPort = (sockets.chat.addr as Deno.NetAddr).port;
    const filePort = (sockets.files.addr as Deno.NetAddr).port;
    const mediaPort = (sockets.media.addr as Deno.NetAddr).port;
    const room = newRoom(config, history, {
      filePort,
      mediaPort,
      log,
      teacher: { ...teacher, deleteFile: (id) => deleteFile(id) },
    });
    const store = await openFileStore(storage, config, t, out, log);
    cleanups.push(() => store.close());
    room.setFiles(store);
    // The catalogue entry goes at once (remove() takes it before its first await).
    const deleteFile = (id: string) => {
      const f = store.get(id);
      if (f !== undefined) store.remove(id).catch(() => {});
      return f;
    };
    const files = startFiles(sockets.files, config, {
      store,
      room,
      log,
      acceptV1Files,
      membersOnly,
    });
    // The relay registers as the room's one call listener (room.watchCall) and lets go in close().
    const side = discoveryFor(config, { chatPort, filePort, mediaPort }, room, teacher, log);
    cleanups.push(() => side.close());
    const { chat, media } = startChatAndRelay(sockets, config, room, side, log);
    printBanner(out, { ...config, acceptV1Files }, storage, { chatPort, filePort, mediaPort });
    const form = launchForm(Deno.execPath(), Deno.build.os);
    for (const line of teacherBannerLines(t, config, teacher)) {
      out.print(withClientProgram(line, form));
    }
    // The machine-readable ready line, identical in every language.
    out.print(`PC3 ready chat=${chatPort} files=${filePort} media=${mediaPort}`);
    const close = async () => {
      await chat.close();
      await files.close();
      const stats = media.stats();
      side.close();
      await media.close();
      for (const line of formatRelayStats(stats, config.lang)) out.print(line);
      await history.close(room.historyState());
      await store.close();
      await serverLog.close();
    };
    let closing: Promise<void> | null = null;
    return { chatPort, filePort, mediaPort, room, close: () => closing ??= close() };
  } catch (e) {
    await undo(cleanups);
    await history.close();
    throw e;
  }
}

function printBanner(
  out: ServerOutput,
  config: ServerConfig,
  storage: string,
  ports: { chatPort: number; filePort: number; mediaPort: number },
): void {
  const t = translator(serverText, config.lang);
  out.print(t("bannerTitle", { version: VERSION }));
  out.print(
    t("bannerPorts", { chat: ports.chatPort, files: ports.filePort, media: ports.mediaPort }),
  );
  out.print(t("bannerStorage", { dir: storage }));
  out.print(t("bannerV1Files", { state: t(config.acceptV1Files ? "accepted" : "refused") }));
  out.print(t("bannerV1Media", { state: t(config.acceptV1Media ? "accepted" : "refused") }));
  const everywhere = config.host === "0.0.0.0" || config.host === "::";
  const addresses = everywhere ? localLanAddresses().map((a) => a.address) : [config.host];
  if (!everywhere) out.print(t("bannerBound", { host: config.host }));
  if (addresses.length === 0) {
    out.print(t("bannerNoAddresses"));
  } else {
    out.print(t("bannerAddresses"));
    for (const a of addresses) out.print(`  ${a}`);
  }
  out.print(t("bannerClient"));
  // The one command form that works for how this server was started (lib/server/banner.ts).
  const form = launchForm(Deno.execPath(), Deno.build.os);
  const shown = addresses.length > 0 ? addresses : ["127.0.0.1"];
  const params = { addresses: shown, placeholder: t("placeholderName"), chatPort: ports.chatPort };
  for (const cmd of clientCommandLines(form, params)) out.print(`  ${cmd}`);
  const lab = { ...ports, discovery: config.discovery };
  for (const line of bannerLabLines(t, addresses.length > 0 ? addresses : ["127.0.0.1"], lab)) {
    out.print(withClientProgram(line, form));
  }
  out.print(t("bannerFirewall"));
  out.print(t("bannerStop"));
}

/** Runs the server until SIGINT/SIGTERM; returns the exit code. */
export async function main(args: string[] = Deno.args): Promise<number> {
  const out: ServerOutput = {
    print: (line) => console.log(line),
    error: (line) => console.error(line),
  };
  if (wantsVersion(args)) {
    out.print(versionLine("pc3-server"));
    return 0;
  }
  const parsed = parseServerArgs(args);
  if (parsed.kind === "help") {
    out.print(parsed.text);
    return 0;
  }
  if (parsed.kind === "error") {
    out.error(parsed.message);
    return 2;
  }
  const config = parsed.config;
  const t = translator(serverText, config.lang);
  // Signals are caught before the ready line is printed, so a Ctrl+C right
  // after it still stops cleanly.
  const signals = stopSignals();
  let server: RunningServer;
  try {
    server = await startServer(config, out);
  } catch (e) {
    signals.remove();
    out.error((e as Error).message);
    return 1;
  }
  // Windows: a Public network profile or missing firewall rules (lib/server/net_profile.ts).
  const netCheck = warnWindowsNetwork(t, out.error);
  // The teacher's console: commands typed (or piped) on standard input (lib/server/console.ts).
  if (Deno.stdin.isTerminal()) out.print(t("consoleHint"));
  const stopConsole = startConsole(server.room, Deno.stdin.readable, {
    lang: config.lang,
    print: out.print,
    onStop: signals.request,
  });
  await signals.stop;
  await netCheck;
  // Not awaited: a read pending on a terminal may only end with the process.
  void stopConsole();
  out.print(t("stopping"));
  await server.close();
  signals.remove();
  out.print(t("stopped"));
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main());
}
