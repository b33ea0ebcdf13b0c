/**
 * The client's main loop: input lines from the terminal become commands for
 * the chat client until the session ends.
 *
 * Quitting: the end of piped input and a piped `/quit` wait for running
 * transfers. In a terminal, Ctrl+C or `/quit` with transfers running asks
 * first (a second Ctrl+C or `/quit` cancels them and quits); without
 * transfers they quit at once. Any other command in between cancels the
 * question.
 *
 * `/upload` paths are resolved here, before the client starts anything
 * (lib/terminal/upload_path.ts): a missing file or a folder is told at once,
 * and "Subiendo …" appears only for a file that was found.
 *
 * @example
 * ```ts ignore
 * import { runSession } from "./session_loop.ts";
 * const code = await runSession(client, ui, { lang: "es", interactive: true });
 * ```
 *
 * @module
 */

import type { Command } from "../client/commands.ts";
import { parseCommand } from "../client/commands.ts";
import type { CloseInfo } from "../client/events.ts";
import type { Lang } from "../protocol/i18n.ts";
import { safe, safeText } from "../protocol/safe_text.ts";
import { utf8Length } from "../protocol/utf8.ts";
import { clientTranslator } from "./safe_translate.ts";
import type { TerminalUi } from "./terminal_ui.ts";
import { findUploadFile, type PathEnv, type StatFs, uploadPathCandidates } from "./upload_path.ts";

/** What the loop needs of the chat client (lib/client/chat_client.ts). */
export interface SessionClient {
  /** Ends when the connection ends. */
  readonly closed: Promise<CloseInfo>;
  /** Transfers still running. */
  readonly activeTransfers: number;
  /** The server's limits from the welcome (`maxMessage`: bytes of one message). */
  readonly welcome?: { readonly maxMessage: number };
  execute(cmd: Command): void;
  /** Takes a line first when it is a teacher command of `--admin` (optional). */
  interceptLine?(line: string): boolean;
  /** Graceful end: waits for transfers, then quits. */
  finish(onWait?: (running: number) => void): Promise<CloseInfo>;
  /** Ends at once (transfers cancelled). */
  close(): Promise<CloseInfo>;
}

/** Options of {@link runSession}. */
export interface SessionOptions {
  lang: Lang;
  /** A person at a terminal (quitting with transfers asks first). */
  interactive: boolean;
  /** Platform rules for `/upload` paths (default: this machine's). */
  pathEnv?: PathEnv;
  /** File-system calls for `/upload` checks (default: Deno's). */
  fs?: StatFs;
}

/** This machine's path rules and home folder. */
export function localPathEnv(): PathEnv {
  const windows = Deno.build.os === "windows";
  let home: string | undefined;
  try {
    home = Deno.env.get(windows ? "USERPROFILE" : "HOME") ?? undefined;
  } catch {
    home = undefined; // No --allow-env: `~` stays as typed.
  }
  return { windows, home };
}

/** The exit code for how the session ended: 0 when we quit, 1 when the server or the network ended it. */
function exitCode(info: CloseInfo): number {
  return info.reason === "quit" ? 0 : 1;
}

/** Runs the session until it ends; resolves with the exit code. */
export async function runSession(
  client: SessionClient,
  ui: TerminalUi,
  options: SessionOptions,
): Promise<number> {
  const st = clientTranslator(options.lang);
  const finish = async () =>
    exitCode(
      await client.finish((n) =>
        ui.print([safeText`${st("tagTransfer")} ${st("waitingTransfers", { count: n })}`])
      ),
    );
  const closed = client.closed.then((info) => ({ closed: info }));
  const input = ui.input();
  let asked = false;
  /** Quit now, or (transfers running, first time) ask to confirm. */
  const quitOrAsk = async (how: "interruptWithTransfers" | "quitWithTransfers") => {
    const running = client.activeTransfers;
    if (running > 0 && !asked) {
      asked = true;
      ui.print([safeText`${st("tagTransfer")} ${st(how, { count: running })}`]);
      return null;
    }
    await client.close();
    return 0;
  };
  while (true) {
    const next = await Promise.race([input.next(), closed]);
    if ("closed" in next) return exitCode(next.closed);
    const item = next.done ? { type: "eof" as const } : next.value;
    if (item.type === "eof") return await finish();
    if (item.type === "interrupt") {
      const code = await quitOrAsk("interruptWithTransfers");
      if (code !== null) return code;
      continue;
    }
    // The teacher commands of --admin (lib/client/admin.ts) are taken first.
    if (client.interceptLine?.(item.line)) continue;
    const cmd = parseCommand(item.line);
    if (cmd.kind === "quit") {
      if (!options.interactive) return await finish();
      const code = await quitOrAsk("quitWithTransfers");
      if (code !== null) return code;
      continue;
    }
    if (cmd.kind !== "empty") asked = false;
    if (cmd.kind === "upload") await upload(cmd.path, client, ui, options);
    else client.execute(cmd);
    // A message over the limit is refused whole (the client says so): give the text back to edit.
    const max = client.welcome?.maxMessage;
    if (cmd.kind === "message" && max !== undefined && utf8Length(cmd.text) > max) {
      ui.restoreLine?.(item.line);
    }
  }
}

/** Finds the file `/upload` names, then starts the upload or says why not. */
async function upload(
  typed: string,
  client: SessionClient,
  ui: TerminalUi,
  options: SessionOptions,
): Promise<void> {
  const candidates = uploadPathCandidates(typed, options.pathEnv ?? localPathEnv());
  const found = await findUploadFile(candidates, options.fs);
  if (found.ok) {
    client.execute({ kind: "upload", path: found.path });
    return;
  }
  const st = clientTranslator(options.lang);
  const reason = st(found.code);
  ui.print([
    safeText`${st("tagError")} ${st("uploadFailed", { filename: safe(found.path), reason })}`,
  ]);
}
