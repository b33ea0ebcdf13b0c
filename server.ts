/**
 * PC3 server entry point: chat (TCP 9009), files (TCP 9010) and the video
 * relay (UDP 9020) in one process.
 *
 * ```sh
 * deno task serve -- --lang en --chat-port 9009
 * ```
 *
 * Thin wiring only: flags, storage folder, sockets, banner, signals. The
 * logic lives in lib/.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { serveChat } from "./lib/server/chat_server.ts";
import { serveFiles } from "./lib/server/file_server.ts";
import { FileStore } from "./lib/server/file_store.ts";
import { HistoryStore } from "./lib/server/history_store.ts";
import { isLang, type Lang, langFromArgs, translator } from "./lib/protocol/i18n.ts";
import { clientCommands, localLanAddresses } from "./lib/net/net_info.ts";
import { Room } from "./lib/server/room.ts";
import { serverText } from "./lib/server/text.ts";
import { formatRelayStats, serveMedia } from "./lib/server/relay_server.ts";
import { VERSION } from "./lib/protocol/version.ts";

/** Everything the flags decide. */
export interface ServerConfig {
  host: string;
  chatPort: number;
  filePort: number;
  mediaPort: number;
  storage: string;
  lang: Lang;
  maxMessage: number;
  maxFrame: number;
  maxUpload: number;
  quota: number;
  maxPerIp: number;
  helloTimeoutMs: number;
  idleTimeoutMs: number;
  rate: number;
  acceptV1Files: boolean;
  acceptV1Media: boolean;
}

/** Result of {@link parseServerArgs}. */
export type ParsedArgs =
  | { kind: "run"; config: ServerConfig }
  | { kind: "help"; lang: Lang; text: string }
  | { kind: "error"; lang: Lang; message: string };

const DEFAULTS: ServerConfig = {
  host: "0.0.0.0",
  chatPort: 9009,
  filePort: 9010,
  mediaPort: 9020,
  storage: "server_storage",
  lang: "es",
  maxMessage: 4096,
  maxFrame: 64 * 1024,
  maxUpload: 16 * 1024 ** 3,
  quota: 64 * 1024 ** 3,
  maxPerIp: 64,
  helloTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  rate: 20,
  acceptV1Files: true,
  acceptV1Media: true,
};

const SIZE_SUFFIX: Record<string, number> = {
  "": 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** Parses `123`, `64K`, `16G` (binary units) into bytes, or null. */
function parseSize(text: string): number | null {
  const m = /^(\d+)([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (m === null) return null;
  const value = Number(m[1]) * SIZE_SUFFIX[m[2].toLowerCase()];
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

/** node:util parseArgs errors in the user's language (the flag named after a colon). */
function describeArgError(e: unknown, lang: Lang): string {
  const t = translator(serverText, lang);
  const message = (e as Error).message ?? String(e);
  const quoted = /'([^']+)'/.exec(message)?.[1]?.replace(/ <value>$/, "") ?? message;
  switch ((e as { code?: string }).code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return t("argUnknown", { flag: quoted });
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return t("argPositional", { value: quoted });
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return message.includes("does not take")
        ? t("argNoValue", { flag: quoted })
        : t("argMissing", { flag: quoted });
    default:
      return message;
  }
}

/**
 * Parses the server's command line (strict: unknown flags are errors).
 * The language of error messages comes from `--lang` when it is valid.
 */
export function parseServerArgs(args: string[]): ParsedArgs {
  // The language first, so every later error speaks it.
  const lang = langFromArgs(args);
  const t = translator(serverText, lang);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: "string" },
        "chat-port": { type: "string" },
        "file-port": { type: "string" },
        "media-port": { type: "string" },
        storage: { type: "string" },
        lang: { type: "string" },
        "max-message": { type: "string" },
        "max-frame": { type: "string" },
        "max-upload": { type: "string" },
        quota: { type: "string" },
        "max-per-ip": { type: "string" },
        "hello-timeout": { type: "string" },
        "idle-timeout": { type: "string" },
        rate: { type: "string" },
        "no-v1": { type: "boolean" },
        "v1-media": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    return { kind: "error", lang, message: t("badFlag", { detail: describeArgError(e, lang) }) };
  }
  if (values.help) return { kind: "help", lang, text: t("usage") };
  const config: ServerConfig = { ...DEFAULTS, lang };
  const bad = (flag: string, value: string, expected: Parameters<typeof t>[0]) => ({
    kind: "error" as const,
    lang,
    message: t("badValue", { flag, value, expected: t(expected) }),
  });
  if (values.lang !== undefined && !isLang(values.lang)) {
    return bad("lang", String(values.lang), "expectLang");
  }
  if (values.host !== undefined) {
    const host = String(values.host).trim();
    if (host === "" || /\s/.test(host)) return bad("host", String(values.host), "expectHost");
    config.host = host;
  }
  const ports = [["chat-port", "chatPort"], ["file-port", "filePort"], [
    "media-port",
    "mediaPort",
  ]] as const;
  for (const [flag, key] of ports) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const text = String(raw);
    if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) return bad(flag, text, "expectPort");
    config[key] = Number(text);
  }
  if (values.storage !== undefined) {
    if (String(values.storage).trim() === "") return bad("storage", "", "expectPath");
    config.storage = String(values.storage);
  }
  const sizes = [
    ["max-message", "maxMessage"],
    ["max-frame", "maxFrame"],
    ["max-upload", "maxUpload"],
    ["quota", "quota"],
  ] as const;
  for (const [flag, key] of sizes) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const size = parseSize(String(raw));
    if (size === null) return bad(flag, String(raw), "expectPositive");
    config[key] = size;
  }
  for (const [flag, key] of [["max-per-ip", "maxPerIp"], ["rate", "rate"]] as const) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const text = String(raw);
    if (!/^\d{1,9}$/.test(text) || Number(text) === 0) return bad(flag, text, "expectPositive");
    config[key] = Number(text);
  }
  const timeouts = [["hello-timeout", "helloTimeoutMs"], [
    "idle-timeout",
    "idleTimeoutMs",
  ]] as const;
  for (const [flag, key] of timeouts) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const text = String(raw);
    const seconds = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !(seconds > 0) || seconds > 86_400) {
      return bad(flag, text, "expectSeconds");
    }
    config[key] = Math.round(seconds * 1000);
  }
  if (values["no-v1"]) config.acceptV1Files = false;
  if (values["v1-media"] !== undefined) {
    const v = String(values["v1-media"]);
    if (v !== "on" && v !== "off") return bad("v1-media", v, "expectOnOff");
    config.acceptV1Media = v === "on";
  }
  // A chat message must fit in a frame with its JSON envelope.
  if (config.maxMessage + 1024 > config.maxFrame) {
    return bad("max-message", String(config.maxMessage), "expectPositive");
  }
  return { kind: "run", config };
}

/** Raised when a port can not be opened; `inUse` tells the usual cause. */
export class ListenError extends Error {
  override name = "ListenError";
  constructor(message: string, readonly inUse: boolean, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A running server. */
export interface RunningServer {
  chatPort: number;
  filePort: number;
  mediaPort: number;
  room: Room;
  /** Shutdown notice, queues flushed, history and file index saved. Safe twice. */
  close(): Promise<void>;
}

/** Lines printed by the server. */
export interface ServerOutput {
  print(line: string): void;
  error(line: string): void;
}

function listenTcp(
  host: string,
  port: number,
  kind: string,
  flag: string,
  lang: Lang,
): Deno.Listener {
  const t = translator(serverText, lang);
  try {
    return Deno.listen({ hostname: host, port, transport: "tcp" });
  } catch (e) {
    if (e instanceof Deno.errors.AddrInUse) {
      throw new ListenError(t("portInUse", { kind, port, flag }), true, { cause: e });
    }
    throw new ListenError(t("listenFailed", { kind, port, detail: (e as Error).message }), false, {
      cause: e,
    });
  }
}

function listenUdp(host: string, port: number, lang: Lang): Deno.DatagramConn {
  const t = translator(serverText, lang);
  try {
    return Deno.listenDatagram({ hostname: host, port, transport: "udp" });
  } catch (e) {
    if (e instanceof Deno.errors.AddrInUse) {
      throw new ListenError(t("portInUse", { kind: "UDP", port, flag: "media-port" }), true, {
        cause: e,
      });
    }
    throw new ListenError(
      t("listenFailed", { kind: "UDP", port, detail: (e as Error).message }),
      false,
      { cause: e },
    );
  }
}

/**
 * Opens storage and every port, prints the banner and the ready line, and
 * returns the running server. Throws {@link ListenError} when a port is
 * taken (everything opened so far is closed again).
 */
export async function startServer(config: ServerConfig, out: ServerOutput): Promise<RunningServer> {
  const t = translator(serverText, config.lang);
  const storage = resolve(config.storage);
  try {
    await Deno.mkdir(storage, { recursive: true });
  } catch (e) {
    throw new Error(t("storageFailed", { dir: storage, detail: (e as Error).message }), {
      cause: e,
    });
  }
  const history = await HistoryStore.open(storage, {
    onProblem: (p) => {
      if (p.kind === "corrupt") out.error(t("historyCorrupt", { file: p.file, aside: p.aside }));
      else out.error(t("historySaveFailed", { file: p.file, detail: String(p.error) }));
    },
  });

  const cleanups: Array<() => Promise<void> | void> = [];
  const undo = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // Already closed by its owner.
      }
    }
  };
  try {
    const chatListener = listenTcp(config.host, config.chatPort, "TCP", "chat-port", config.lang);
    cleanups.push(() => chatListener.close());
    const fileListener = listenTcp(config.host, config.filePort, "TCP", "file-port", config.lang);
    cleanups.push(() => fileListener.close());
    const mediaSocket = listenUdp(config.host, config.mediaPort, config.lang);
    cleanups.push(() => mediaSocket.close());
    const chatPort = (chatListener.addr as Deno.NetAddr).port;
    const filePort = (fileListener.addr as Deno.NetAddr).port;
    const mediaPort = (mediaSocket.addr as Deno.NetAddr).port;

    const room = new Room({
      lang: config.lang,
      history: history.initial,
      onHistory: (h) => history.save(h),
      maxMessage: config.maxMessage,
      maxFrame: config.maxFrame,
      maxUpload: config.maxUpload,
      rate: config.rate,
      filePort,
      mediaPort,
    });

    // Files: the store (index in the storage folder) and the file port.
    const store = await FileStore.open(storage, {
      quota: config.quota,
      maxUpload: config.maxUpload,
      onProblem: (p) => {
        if (p.kind === "corrupt_index") {
          out.error(t("storeCorrupt", { file: p.file, aside: p.aside, detail: p.detail }));
        } else out.error(t("storeSaveFailed", { file: p.file, detail: p.detail }));
      },
    });
    cleanups.push(() => store.close());
    room.setFiles(store);
    const files = serveFiles(fileListener, {
      store,
      sessionName: (token) => room.nameByToken(token),
      onPublished: (info) => room.announceFile(info),
      acceptV1: config.acceptV1Files,
      maxFrame: config.maxFrame,
      helloTimeoutMs: config.helloTimeoutMs,
      maxPerIp: config.maxPerIp,
      lang: config.lang,
    });

    // ---- Media relay (UDP, H4a's lib/server/relay_server.ts): started here, stopped in close() ----
    const media = serveMedia(mediaSocket, { room, acceptV1: config.acceptV1Media });
    // ---- end of media relay wiring ----

    const chat = serveChat(chatListener, {
      room,
      maxFrame: config.maxFrame,
      helloTimeoutMs: config.helloTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      maxPerIp: config.maxPerIp,
      lang: config.lang,
    });

    printBanner(out, config, storage, { chatPort, filePort, mediaPort });
    // The machine-readable ready line, identical in every language.
    out.print(`PC3 ready chat=${chatPort} files=${filePort} media=${mediaPort}`);

    let closing: Promise<void> | null = null;
    return {
      chatPort,
      filePort,
      mediaPort,
      room,
      close() {
        closing ??= (async () => {
          await chat.close();
          await files.close();
          // ---- media relay stop ----
          const stats = media.stats();
          await media.close();
          for (const line of formatRelayStats(stats, config.lang)) out.print(line);
          // ---- end of media relay stop ----
          await history.close(room.historyState());
          await store.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await undo();
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
  const shown = addresses.length > 0 ? addresses : ["127.0.0.1"];
  const portFlag = ports.chatPort === 9009 ? "" : ` --chat-port ${ports.chatPort}`;
  for (const a of shown) {
    for (const cmd of clientCommands(a, t("placeholderName"))) out.print(`  ${cmd}${portFlag}`);
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
  const { promise: stop, resolve: requestStop } = Promise.withResolvers<void>();
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  const onSignal = () => requestStop();
  for (const s of signals) {
    try {
      Deno.addSignalListener(s, onSignal);
    } catch {
      // Signal not supported here.
    }
  }
  const removeSignals = () => {
    for (const s of signals) {
      try {
        Deno.removeSignalListener(s, onSignal);
      } catch {
        // Was not added.
      }
    }
  };
  let server: RunningServer;
  try {
    server = await startServer(config, out);
  } catch (e) {
    removeSignals();
    out.error((e as Error).message);
    return 1;
  }
  await stop;
  out.print(t("stopping"));
  await server.close();
  removeSignals();
  out.print(t("stopped"));
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main());
}
