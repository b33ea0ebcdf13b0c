/**
 * The client's lab-network entry points, kept out of client.ts so it only
 * wires them: `--discover` (list servers and exit), `--check HOST` (diagnose
 * and exit), the check run after a failed connection, choosing the server
 * when started without `--host`, and remembering the last address.
 *
 * @module
 */

import type { Lang } from "../protocol/i18n.ts";
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
  if (!CHECKABLE.has(error.code)) return;
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
