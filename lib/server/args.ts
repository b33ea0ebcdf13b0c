/**
 * The server's command line: flags in, a checked {@link ServerConfig} (or a
 * help text, or an error in the user's language) out. Pure: no I/O, so the
 * entry point (server.ts) only prints what this returns.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { withoutTaskSeparator } from "../protocol/cli_args.ts";
import { DEFAULT_MAX_FRAME } from "../protocol/frame.ts";
import { isLang, type Lang, langFromArgs, translator } from "../protocol/i18n.ts";
import { DEFAULT_MAX_MESSAGE, DEFAULT_PORTS } from "../protocol/limits.ts";
import { DEFAULT_MAX_UPLOAD, DEFAULT_QUOTA } from "./file_store.ts";
import { UPLOAD_LIMITS } from "./files/upload_limits.ts";
import { DEFAULT_RATE } from "./room/room.ts";
import { DEFAULT_GRACE_MS } from "./room/resume.ts";
import { serverText } from "./text.ts";
import {
  readTeacher,
  TEACHER_DEFAULTS,
  TEACHER_OPTIONS,
  type TeacherFlags,
} from "./args_teacher.ts";
import { DEFAULT_ADDRESS_LIMITS } from "./room/flood.ts";

/** Everything the flags decide. */
export interface ServerConfig extends TeacherFlags {
  /** Address to listen on (`--host`). */
  host: string;
  /** Chat TCP port (`--chat-port`; 0 picks a free one). */
  chatPort: number;
  /** File TCP port (`--file-port`). */
  filePort: number;
  /** Media UDP port (`--media-port`). */
  mediaPort: number;
  /** Data folder (`--storage`). */
  storage: string;
  /** Server language (`--lang`). */
  lang: Lang;
  /** Bytes per chat message (`--max-message`). */
  maxMessage: number;
  /** Bytes per frame (`--max-frame`). */
  maxFrame: number;
  /** Bytes per uploaded file (`--max-upload`). */
  maxUpload: number;
  /** Total storage bytes (`--quota`). */
  quota: number;
  /** Connections per IP address that have not joined the chat yet (`--max-per-ip`). */
  maxPerIp: number;
  /** Chat members per IP address: a lab behind one NAT address (`--max-members-per-ip`). */
  maxMembersPerIp: number;
  /** Chat frames per second per IP address, all its connections together (`--ip-rate`). */
  ipRate: number;
  /** Time to receive the hello, in ms (`--hello-timeout`, given in seconds). */
  helloTimeoutMs: number;
  /** Silence before a v2 client is closed, in ms (`--idle-timeout`, in seconds). */
  idleTimeoutMs: number;
  /** Wait before a vanished member's leave is announced, in ms (`--grace`, in seconds; 0: none). */
  graceMs: number;
  /** Frames per second per connection (`--rate`). */
  rate: number;
  /** Files one member may keep shared (`--max-files`). */
  maxFiles: number;
  /** New uploads one member may start per minute (`--uploads-per-minute`). */
  uploadsPerMinute: number;
  /** Whether v1 clients may upload files (`--no-v1` turns it off). */
  acceptV1Files: boolean;
  /** Whether v1 video is relayed (`--v1-media on|off`). */
  acceptV1Media: boolean;
  /** The room's name in discovery answers (`--room`; "" shows the machine's name). */
  roomName: string;
  /** Whether the server answers discovery and announces itself (`--no-discovery` turns it off). */
  discovery: boolean;
}

/** Result of {@link parseServerArgs}. */
export type ParsedArgs =
  | { kind: "run"; config: ServerConfig }
  | { kind: "help"; lang: Lang; text: string }
  | { kind: "error"; lang: Lang; message: string };

/** The configuration with no flags (PROTOCOL.md section 7). */
export const DEFAULT_CONFIG: Readonly<ServerConfig> = Object.freeze({
  host: "0.0.0.0",
  ...DEFAULT_PORTS,
  storage: "server_storage",
  lang: "es",
  maxMessage: DEFAULT_MAX_MESSAGE,
  maxFrame: DEFAULT_MAX_FRAME,
  maxUpload: DEFAULT_MAX_UPLOAD,
  quota: DEFAULT_QUOTA,
  maxPerIp: 64,
  maxMembersPerIp: 250,
  ipRate: DEFAULT_ADDRESS_LIMITS.frames,
  helloTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  graceMs: DEFAULT_GRACE_MS,
  rate: DEFAULT_RATE,
  maxFiles: UPLOAD_LIMITS.maxFiles,
  uploadsPerMinute: UPLOAD_LIMITS.perMinute,
  acceptV1Files: true,
  acceptV1Media: true,
  roomName: "",
  discovery: true,
  ...TEACHER_DEFAULTS,
});

const OPTIONS = {
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
  "max-members-per-ip": { type: "string" },
  "ip-rate": { type: "string" },
  "hello-timeout": { type: "string" },
  "idle-timeout": { type: "string" },
  grace: { type: "string" },
  rate: { type: "string" },
  "max-files": { type: "string" },
  "uploads-per-minute": { type: "string" },
  "no-v1": { type: "boolean" },
  "v1-media": { type: "string" },
  room: { type: "string" },
  "no-discovery": { type: "boolean" },
  ...TEACHER_OPTIONS,
  help: { type: "boolean", short: "h" },
} as const;

type Values = Record<string, string | boolean | undefined>;
type Expected =
  | "expectPort"
  | "expectPositive"
  | "expectSize"
  | "expectSeconds"
  | "expectGrace"
  | "expectHost"
  | "expectPath"
  | "expectOnOff"
  | "expectLang"
  | "expectPassword"
  | "expectAdminKey"
  | "expectRoom";

/** A flag whose value was refused: what was given and what was expected. */
interface BadValue {
  flag: string;
  value: string;
  expected: Expected;
}

/** One group of flags read into `config`; a refused value is returned. */
type Reader = (values: Values, config: ServerConfig) => BadValue | null;

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

const readLangAndHost: Reader = (values, config) => {
  if (values.lang !== undefined && !isLang(values.lang)) {
    return { flag: "lang", value: String(values.lang), expected: "expectLang" };
  }
  if (values.host === undefined) return null;
  const host = String(values.host).trim();
  if (host === "" || /\s/.test(host)) {
    return { flag: "host", value: String(values.host), expected: "expectHost" };
  }
  config.host = host;
  return null;
};

const readPorts: Reader = (values, config) => {
  const ports = [
    ["chat-port", "chatPort"],
    ["file-port", "filePort"],
    ["media-port", "mediaPort"],
  ] as const;
  for (const [flag, key] of ports) {
    if (values[flag] === undefined) continue;
    const text = String(values[flag]);
    if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
      return { flag, value: text, expected: "expectPort" };
    }
    config[key] = Number(text);
  }
  return null;
};

const readStorage: Reader = (values, config) => {
  if (values.storage === undefined) return null;
  if (String(values.storage).trim() === "") {
    return { flag: "storage", value: "", expected: "expectPath" };
  }
  config.storage = String(values.storage);
  return null;
};

const readSizes: Reader = (values, config) => {
  const sizes = [
    ["max-message", "maxMessage"],
    ["max-frame", "maxFrame"],
    ["max-upload", "maxUpload"],
    ["quota", "quota"],
  ] as const;
  for (const [flag, key] of sizes) {
    if (values[flag] === undefined) continue;
    const size = parseSize(String(values[flag]));
    if (size === null) return { flag, value: String(values[flag]), expected: "expectSize" };
    config[key] = size;
  }
  return null;
};

const readCounts: Reader = (values, config) => {
  const counts = [
    ["max-per-ip", "maxPerIp"],
    ["max-members-per-ip", "maxMembersPerIp"],
    ["ip-rate", "ipRate"],
    ["rate", "rate"],
    ["max-files", "maxFiles"],
    ["uploads-per-minute", "uploadsPerMinute"],
  ] as const;
  for (const [flag, key] of counts) {
    if (values[flag] === undefined) continue;
    const text = String(values[flag]);
    if (!/^\d{1,9}$/.test(text) || Number(text) === 0) {
      return { flag, value: text, expected: "expectPositive" };
    }
    config[key] = Number(text);
  }
  return null;
};

const readTimeouts: Reader = (values, config) => {
  const timeouts = [
    ["hello-timeout", "helloTimeoutMs"],
    ["idle-timeout", "idleTimeoutMs"],
  ] as const;
  for (const [flag, key] of timeouts) {
    if (values[flag] === undefined) continue;
    const text = String(values[flag]);
    const seconds = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !(seconds > 0) || seconds > 86_400) {
      return { flag, value: text, expected: "expectSeconds" };
    }
    config[key] = Math.round(seconds * 1000);
  }
  return null;
};

const readGrace: Reader = (values, config) => {
  if (values.grace === undefined) return null;
  const text = String(values.grace);
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) > 3600) {
    return { flag: "grace", value: text, expected: "expectGrace" };
  }
  config.graceMs = Math.round(Number(text) * 1000);
  return null;
};

const readV1: Reader = (values, config) => {
  if (values["no-v1"]) config.acceptV1Files = false;
  if (values["v1-media"] === undefined) return null;
  const v = String(values["v1-media"]);
  if (v !== "on" && v !== "off") return { flag: "v1-media", value: v, expected: "expectOnOff" };
  config.acceptV1Media = v === "on";
  return null;
};

const readDiscovery: Reader = (values, config) => {
  if (values["no-discovery"]) config.discovery = false;
  if (values.room === undefined) return null;
  const room = String(values.room).trim();
  if ([...room].length > 48 || /[\p{Cc}]/u.test(room)) {
    return { flag: "room", value: String(values.room), expected: "expectRoom" };
  }
  config.roomName = room;
  return null;
};

// A chat message must fit in a frame with its JSON envelope.
const checkEnvelope: Reader = (_values, config) =>
  config.maxMessage + 1024 > config.maxFrame
    ? { flag: "max-message", value: String(config.maxMessage), expected: "expectPositive" }
    : null;

// In this order: when several flags are wrong, the first one is reported.
const READERS: readonly Reader[] = [
  readLangAndHost,
  readPorts,
  readStorage,
  readSizes,
  readCounts,
  readTimeouts,
  readGrace,
  readV1,
  readDiscovery,
  readTeacher,
  checkEnvelope,
];

/**
 * Parses the server's command line (strict: unknown flags are errors).
 * The language of error messages comes from `--lang` when it is valid.
 *
 * @example
 * ```ts
 * import { parseServerArgs } from "./args.ts";
 * const parsed = parseServerArgs(["--chat-port", "9100", "--lang", "en"]);
 * if (parsed.kind === "run") console.log(parsed.config.chatPort); // 9100
 * ```
 */
export function parseServerArgs(rawArgs: string[]): ParsedArgs {
  // `deno task serve -- --chat-port N` passes the `--` on: it is not an option.
  const args = withoutTaskSeparator(rawArgs);
  // The language first, so every later error speaks it.
  const lang = langFromArgs(args);
  const t = translator(serverText, lang);
  let values: Values;
  try {
    ({ values } = parseArgs({ args, strict: true, allowPositionals: false, options: OPTIONS }));
  } catch (e) {
    return { kind: "error", lang, message: t("badFlag", { detail: describeArgError(e, lang) }) };
  }
  if (values.help) {
    const { chatPort, filePort, mediaPort } = DEFAULT_PORTS;
    return { kind: "help", lang, text: t("usage", { chatPort, filePort, mediaPort }) };
  }
  const config: ServerConfig = { ...DEFAULT_CONFIG, lang };
  for (const read of READERS) {
    const bad = read(values, config);
    if (bad !== null) {
      const message = t("badValue", { ...bad, expected: t(bad.expected) });
      return { kind: "error", lang, message };
    }
  }
  return { kind: "run", config };
}
