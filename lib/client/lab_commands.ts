/**
 * The client's lab-network entry points, kept out of client.ts so it only
 * wires them: `--discover` (list servers and exit), `--check HOST` (diagnose
 * and exit), the check run after a failed connection, choosing the server
 * when started without `--host`, and remembering the last address.
 *
 * @module
 */

import type { Lang } from "../protocol/i18n.ts";
import { decodeJoinCode } from "../protocol/join_code.ts";
import type { SafeText } from "../protocol/safe_text.ts";
import { checkLines, runCheck } from "./check.ts";
import { configPath, readClientConfig, writeClientConfig } from "./config_file.ts";
import type { ConnectError } from "./connect_errors.ts";
import { discoverServers } from "./discovery.ts";
import {
  chooseServer,
  formatFound,
  parseAddress,
  type PromptIo,
  type ServerChoice,
  shouldPauseOnExit,
} from "./start_prompt.ts";
import { labTranslator } from "./text/lab.ts";

/** Where a command's lines go. */
export type PrintLine = (line: SafeText) => void;

/**
 * `--discover`: looks for servers (~2 s) and prints one line per server;
 * exit code 0 when some answered, 1 when none did.
 */
export async function discoverCommand(
  options: { lang: Lang; port?: number; print: PrintLine; windowMs?: number },
): Promise<number> {
  const st = labTranslator(options.lang);
  const found = await discoverServers({ port: options.port, windowMs: options.windowMs });
  if (found.length === 0) {
    options.print(st("discoveredNone"));
    return 1;
  }
  options.print(st("discoveredHeader"));
  for (const line of formatFound(found, options.lang)) options.print(line);
  return 0;
}

/**
 * `--check TARGET` (an address, `host:port` or a join code): probes the three
 * services and prints the verdicts and likely causes. Exit code 0 when all
 * work, 1 otherwise, 2 when TARGET cannot be read.
 */
export async function checkCommand(
  target: string,
  options: {
    lang: Lang;
    chatPort: number;
    filePort?: number;
    mediaPort?: number;
    print: PrintLine;
    timeoutMs?: number;
  },
): Promise<number> {
  const parsed = parseAddress(target, options.chatPort, options.lang);
  if (!parsed.ok) {
    options.print(parsed.error);
    return 2;
  }
  const c = parsed.choice;
  const report = await runCheck(c.host, {
    chatPort: c.chatPort,
    filePort: options.filePort ?? c.filePort,
    mediaPort: options.mediaPort ?? c.mediaPort,
    timeoutMs: options.timeoutMs,
  });
  for (const line of checkLines(report, options.lang)) options.print(line);
  return report.causes.length === 0 ? 0 : 1;
}

/** The connection failures a network check can explain further. */
const CHECKABLE = new Set(["refused", "timeout", "failed"]);

/** Whether {@link checkAfterFailure} diagnoses this failure (then the failure line gives no hint of its own). */
export function checksAfterFailure(error: ConnectError): boolean {
  return CHECKABLE.has(error.code);
}

/**
 * After a failed connection: when the failure is the network's (refused,
 * timeout, other socket error), runs the same check as `--check` and prints
 * its lines; other failures (a refused name, a wrong password) print nothing.
 */
export async function checkAfterFailure(
  error: ConnectError,
  options: {
    lang: Lang;
    filePort?: number;
    mediaPort?: number;
    print: (lines: readonly SafeText[]) => void;
    timeoutMs?: number;
  },
): Promise<void> {
  if (!checksAfterFailure(error)) return;
  const report = await runCheck(error.host, {
    chatPort: error.port,
    filePort: options.filePort,
    mediaPort: options.mediaPort,
    timeoutMs: options.timeoutMs ?? 2_000,
  });
  options.print(checkLines(report, options.lang, true));
}

/**
 * Chooses the server for a start without `--host` on a terminal: discovery
 * (on `mediaPort` when given), then the prompt, with the remembered address
 * as the default. Null when the person gives up.
 */
export async function pickServer(
  io: PromptIo,
  options: { lang: Lang; chatPort: number; mediaPort?: number },
): Promise<ServerChoice | null> {
  const path = configPath();
  const last = path === null ? {} : await readClientConfig(path);
  return await chooseServer({
    lang: options.lang,
    io,
    discover: () => discoverServers({ port: options.mediaPort }),
    last,
    defaultChatPort: options.chatPort,
  });
}

/** Remembers the address connected to, for the next start's prompt. Never throws. */
export async function rememberServer(host: string, chatPort: number): Promise<void> {
  const path = configPath();
  if (path === null) return;
  const config = await readClientConfig(path);
  await writeClientConfig(path, { ...config, host, chatPort });
}

/** The client's lab flags, as node:util `parseArgs` options (spread into the client's). */
export const LAB_FLAG_OPTIONS = {
  join: { type: "string" },
  discover: { type: "boolean", default: false },
  check: { type: "string" },
} as const;

/** What the lab flags decide. */
export interface LabFlags {
  /** Whether the address came from `--host` or `--join` (else: discovery on a terminal, 127.0.0.1 in a pipe). */
  hostGiven: boolean;
  /** `--discover`: list the servers on the network and exit. */
  discover: boolean;
  /** `--check TARGET`: diagnose the connection to TARGET and exit. */
  check?: string;
}

/**
 * Reads the lab flags from parsed values; `--join CODE` also gives the
 * address and ports (spread after `--host` so the code wins). `badJoin` makes
 * the error for a code that does not decode.
 */
export function labFlags(
  args: readonly string[],
  values: Record<string, unknown>,
  badJoin: (value: string) => Error,
): LabFlags & Partial<ServerChoice> {
  let joined: ServerChoice | null = null;
  if (values.join !== undefined) {
    try {
      const { host, chatPort, filePort, mediaPort } = decodeJoinCode(String(values.join));
      joined = { host, chatPort, filePort, mediaPort };
    } catch {
      throw badJoin(String(values.join));
    }
  }
  return {
    ...joined,
    hostGiven: joined !== null || args.some((a) => a === "--host" || a.startsWith("--host=")),
    discover: values.discover === true,
    check: values.check === undefined ? undefined : String(values.check),
  };
}

/**
 * Runs `--discover` or `--check` when asked; null when neither was (the
 * client goes on to connect).
 */
export async function runLabCommand(
  flags: LabFlags & { lang: Lang; chatPort: number; filePort?: number; mediaPort?: number },
  print: PrintLine,
): Promise<number | null> {
  if (flags.discover) {
    return await discoverCommand({ lang: flags.lang, port: flags.mediaPort, print });
  }
  if (flags.check !== undefined) return await checkCommand(flags.check, { ...flags, print });
  return null;
}

/** {@link shouldPauseOnExit} for this process. */
export function pauseOnExit(args: readonly string[], interactive: boolean): boolean {
  return shouldPauseOnExit(args, {
    os: Deno.build.os,
    interactive,
    env: (name: string) => {
      try {
        return Deno.env.get(name);
      } catch {
        return undefined;
      }
    },
  });
}

/** Asks for Enter before a window of its own closes on a fatal error. */
export async function waitForEnter(io: PromptIo, lang: Lang): Promise<void> {
  await io.ask(labTranslator(lang)("pressEnter"), { allowEmpty: true });
}
