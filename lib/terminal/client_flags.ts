/**
 * The client's command line: the options `--help` lists, read with
 * node:util `parseArgs` and validated, every mistake said in the user's
 * language ({@link FlagError}). A leading `--` (which `deno task` passes on)
 * is not an option; `--host` takes `IP:PORT` (lib/terminal/flag_text.ts).
 *
 * @example
 * ```ts
 * import { parseFlags } from "./client_flags.ts";
 * parseFlags(["--", "--name", "Ana", "--host", "192.168.1.10:12009"]).chatPort; // 12009
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import * as lab from "../client/lab_commands.ts";
import { clientText, type ClientTextKey } from "../client/text.ts";
import { withoutTaskSeparator } from "../protocol/cli_args.ts";
import { type Lang, langFromArgs, translator } from "../protocol/i18n.ts";
import { DEFAULT_CHAT_PORT } from "../protocol/limits.ts";
import { safe } from "../protocol/safe_text.ts";
import { describeFlagProblem, parseHostFlag } from "./flag_text.ts";

/** The client's command-line options, validated. */
export interface ClientFlags extends lab.LabFlags {
  name?: string;
  /** `--password`: the room password (else asked for, hidden, when the room has one). */
  password?: string;
  /** `--admin KEY`: the teacher key printed in the server's banner (lib/client/admin.ts). */
  admin?: string;
  host: string;
  chatPort: number;
  filePort?: number;
  mediaPort?: number;
  downloads: string;
  lang: Lang;
  camera?: string;
  listCameras: boolean;
  /** `--audio-source`, `--mic`, `--list-mics`: the call's sound (lib/media/audio_call.ts). */
  audioSource: "mic" | "test" | "none";
  mic?: string;
  listMics: boolean;
  videoSource: "camera" | "test" | "none";
  videoView: "window" | "terminal" | "none";
  width: number;
  height: number;
  fps: number;
  help: boolean;
}

/**
 * A command-line error: the message to print (translated) before exiting
 * with 2; `hinted` when it already says what to type (no "see --help" then).
 */
export class FlagError extends Error {
  override name = "FlagError";
  /** `message` is in the user's language. */
  constructor(message: string, readonly hinted = false) {
    super(message);
  }
}

/** Whether a graphical display is there for the video window (else the view defaults to the terminal). */
export function hasDisplay(): boolean {
  if (Deno.build.os === "windows" || Deno.build.os === "darwin") return true;
  try {
    return Boolean(Deno.env.get("DISPLAY") || Deno.env.get("WAYLAND_DISPLAY"));
  } catch {
    return false;
  }
}

// The flags of `--help`, as node:util's parseArgs reads them.
const FLAG_OPTIONS = {
  name: { type: "string" },
  password: { type: "string" },
  admin: { type: "string" },
  host: { type: "string", default: "127.0.0.1" },
  ...lab.LAB_FLAG_OPTIONS,
  "chat-port": { type: "string", default: String(DEFAULT_CHAT_PORT) },
  "file-port": { type: "string" },
  "media-port": { type: "string" },
  downloads: { type: "string", default: "downloads" },
  lang: { type: "string", default: "es" },
  camera: { type: "string" },
  "list-cameras": { type: "boolean", default: false },
  mic: { type: "string" },
  "list-mics": { type: "boolean", default: false },
  "audio-source": { type: "string", default: "mic" },
  "video-source": { type: "string", default: "camera" },
  "video-view": { type: "string" },
  "video-size": { type: "string", default: "320x240" },
  fps: { type: "string", default: "15" },
  help: { type: "boolean", short: "h", default: false },
} as const;

type FlagValues = Record<string, string | boolean | undefined>;
type BadValue = (flag: string, value: unknown, expected: string) => FlagError;

/**
 * Parses and validates the options. Throws {@link FlagError} with a
 * translated message.
 */
export function parseFlags(rawArgs: string[], display = true): ClientFlags {
  // `deno task client -- --name Ana` passes the `--` on: it is not an option.
  const args = withoutTaskSeparator(rawArgs);
  const lang = langFromArgs(args);
  const t = translator(clientText, lang);
  let values: FlagValues;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: FLAG_OPTIONS,
    }));
  } catch (e) {
    const problem = describeFlagProblem(e, lang, Object.keys(FLAG_OPTIONS));
    throw new FlagError(problem.text, problem.hinted);
  }
  const bad: BadValue = (flag, value, expected) =>
    new FlagError(t("badValue", { flag, value: String(value), expected }));
  const portOf = (flag: string): number | undefined => {
    const v = values[flag];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d+$/.test(String(v)) || n < 1 || n > 65535) throw bad(flag, v, "1-65535");
    return n;
  };
  const lv = values.lang;
  if (lv !== "es" && lv !== "en") throw bad("lang", lv, "es|en");
  const video = videoFlags(values, display, bad);
  const audioSource = values["audio-source"];
  if (audioSource !== "mic" && audioSource !== "test" && audioSource !== "none") {
    throw bad("audio-source", audioSource, "mic|test|none");
  }
  const { host, chatPort } = hostAndPort(args, values, t, portOf("chat-port")!);
  return {
    name: values.name === undefined ? undefined : String(values.name),
    password: values.password === undefined ? undefined : String(values.password),
    admin: values.admin === undefined ? undefined : String(values.admin),
    host,
    chatPort,
    filePort: portOf("file-port"),
    mediaPort: portOf("media-port"),
    // --join CODE gives the address and ports; without --host or --join, discovery.
    ...lab.labFlags(args, values, (v) => bad("join", v, t("badFlagJoin"))),
    downloads: String(values.downloads),
    lang: lv,
    camera: values.camera === undefined ? undefined : String(values.camera),
    listCameras: values["list-cameras"] === true,
    audioSource,
    mic: values.mic === undefined ? undefined : String(values.mic),
    listMics: values["list-mics"] === true,
    ...video,
    help: values.help === true,
  };
}

/**
 * `--host` as people write it: `192.168.1.10`, `192.168.1.10:12009` (the
 * port is the chat port), `[fe80::1]:9009`; a web address is explained.
 */
function hostAndPort(
  args: string[],
  values: FlagValues,
  t: (key: ClientTextKey, params?: Record<string, string | number>) => string,
  chatPort: number,
): { host: string; chatPort: number } {
  const value = String(values.host);
  const parsed = parseHostFlag(value);
  const bad = (expected: string) =>
    new FlagError(t("badValue", { flag: "host", value: safe(value), expected }));
  if ("error" in parsed) {
    if (parsed.error === "url") throw new FlagError(t("hostNotUrl"), true);
    throw bad(parsed.error === "port" ? "192.168.1.10:9009" : "192.168.1.10");
  }
  if (parsed.host === "") throw bad("192.168.1.10");
  if (parsed.port === undefined) return { host: parsed.host, chatPort };
  const explicit = args.some((a) => a === "--chat-port" || a.startsWith("--chat-port="));
  if (explicit && chatPort !== parsed.port) {
    throw new FlagError(
      t("hostPortClash", { value: safe(value), hostPort: parsed.port, chatPort }),
    );
  }
  return { host: parsed.host, chatPort: parsed.port };
}

/** Validates the video flags; the view defaults to a window when there is a display. */
function videoFlags(
  values: FlagValues,
  display: boolean,
  bad: BadValue,
): Pick<ClientFlags, "videoSource" | "videoView" | "width" | "height" | "fps"> {
  const source = values["video-source"];
  if (source !== "camera" && source !== "test" && source !== "none") {
    throw bad("video-source", source, "camera|test|none");
  }
  const view = values["video-view"] ?? (display ? "window" : "terminal");
  if (view !== "window" && view !== "terminal" && view !== "none") {
    throw bad("video-view", view, "window|terminal|none");
  }
  const size = /^(\d{2,4})x(\d{2,4})$/.exec(String(values["video-size"]));
  if (
    size === null || Number(size[1]) < 16 || Number(size[2]) < 16 || Number(size[1]) > 1920 ||
    Number(size[2]) > 1080
  ) {
    throw bad("video-size", values["video-size"], "320x240");
  }
  const fps = Number(values.fps);
  if (!/^\d+$/.test(String(values.fps)) || fps < 1 || fps > 60) {
    throw bad("fps", values.fps, "1-60");
  }
  return {
    videoSource: source,
    videoView: view,
    width: Number(size[1]),
    height: Number(size[2]),
    fps,
  };
}
