/**
 * PC3 terminal client.
 *
 * ```
 * deno task client --name Ana --host 192.168.1.10
 * ```
 *
 * Interactive when standard input is a terminal; otherwise (a pipe, a
 * script, a test) it reads one command per line and prints one plain line
 * per event (formats in lib/terminal/render_event.ts). Exit codes: 0 after /quit, Ctrl+C
 * or the end of the input; 1 when the connection fails or the server closes
 * it; 2 for bad command-line options.
 *
 * @module
 */

import { listCameras, listMics } from "./lib/media/call_capture.ts";
import { CallMedia } from "./lib/media/call_media.ts";
import { offerForView } from "./lib/protocol/call_codecs.ts";
import type { MediaParams, MediaSession } from "./lib/client/call_flow.ts";
import { ChatClient } from "./lib/client/chat_client.ts";
import { ConnectError } from "./lib/client/connect_errors.ts";
import { AdminSession } from "./lib/client/admin.ts";
import { needsPassword } from "./lib/client/auth.ts";
import type { ClientEvent } from "./lib/client/events.ts";
import { clientText } from "./lib/client/text.ts";
import type { TransferFunctions } from "./lib/client/transfer_jobs.ts";
import { downloadFile, uploadFile } from "./lib/client/transfers.ts";
import { langFromArgs, translator } from "./lib/protocol/i18n.ts";
import * as lab from "./lib/client/lab_commands.ts";
import { DEFAULT_PORTS } from "./lib/protocol/limits.ts";
import { describeConnectError, renderLost } from "./lib/terminal/connect_text.ts";
import { InteractiveTerminal } from "./lib/terminal/interactive_terminal.ts";
import { PipeTerminal } from "./lib/terminal/pipe_terminal.ts";
import type { TerminalUi } from "./lib/terminal/terminal_ui.ts";
import { safeTranslator } from "./lib/terminal/safe_translate.ts";
import { safe, type SafeText } from "./lib/protocol/safe_text.ts";
import { runSession } from "./lib/terminal/session_loop.ts";
import { consoleInput } from "./lib/terminal/console_input.ts";
import { versionLine, wantsVersion } from "./lib/protocol/cli_args.ts";
import {
  type ClientFlags,
  FlagError,
  hasDisplay,
  parseFlags,
} from "./lib/terminal/client_flags.ts";

// The options (lib/terminal/client_flags.ts), exported here too: tests and tools import them from the program.
export { FlagError, parseFlags } from "./lib/terminal/client_flags.ts";
export type { ClientFlags } from "./lib/terminal/client_flags.ts";

/** Whether the user asked for no colours (`NO_COLOR` set and not empty, https://no-color.org). */
function noColor(): boolean {
  try {
    return (Deno.env.get("NO_COLOR") ?? "") !== "";
  } catch {
    return false;
  }
}

const encoder = new TextEncoder();

function writeErr(line: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  } catch {
    // stderr closed: nothing else to do.
  }
}

function writeOut(line: string): void {
  try {
    Deno.stdout.writeSync(encoder.encode(line + "\n"));
  } catch {
    // stdout closed.
  }
}

/** Runs the client; resolves with the exit code. */
export async function main(args: string[] = Deno.args): Promise<number> {
  if (wantsVersion(args)) {
    writeOut(versionLine("pc3-client"));
    return 0;
  }
  let flags: ClientFlags;
  try {
    flags = parseFlags(args, hasDisplay());
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    const t = translator(clientText, langFromArgs(args));
    writeErr(`${t("tagError")} ${e.message}`);
    // One hint: "see --help" only when the message does not already say what to type.
    if (!e.hinted) writeErr(t("seeHelp"));
    return 2;
  }
  const t = translator(clientText, flags.lang);
  if (flags.help) {
    writeOut(t("usage", { ...DEFAULT_PORTS }));
    return 0;
  }
  const labExit = await lab.runLabCommand(flags, writeOut);
  if (labExit !== null) return labExit;
  if (flags.listCameras) {
    const cameras = await listCameras();
    writeOut(
      cameras.length === 0
        ? t("noCameras")
        : [t("cameras"), ...cameras.map((c) => `  ${c}`)].join("\n"),
    );
    return 0;
  }
  if (flags.listMics) {
    const mics = await listMics();
    writeOut(
      mics.length === 0 ? t("noMics") : [t("mics"), ...mics.map((m) => `  ${m}`)].join("\n"),
    );
    return 0;
  }
  const interactive = Deno.stdin.isTerminal();
  if (flags.name === undefined && !interactive) {
    writeErr(`${t("tagError")} ${t("nameRequired")}`);
    writeErr(t("seeHelp"));
    return 2;
  }
  // On Windows a console is read through node:process, so typed ñ, á, € arrive intact.
  const keyboard = interactive ? consoleInput() : null;
  const term = keyboard !== null
    ? new InteractiveTerminal({
      input: keyboard.readable,
      output: Deno.stdout,
      lang: flags.lang,
      size: () => Deno.consoleSize(),
      setRaw: keyboard.setRaw,
      color: !noColor(),
    })
    : null;
  const ui: TerminalUi = term ??
    new PipeTerminal({ input: Deno.stdin.readable, output: Deno.stdout, lang: flags.lang });
  const pause = lab.pauseOnExit(args, interactive);
  try {
    // Without --host on a terminal, find the server (lib/client/start_prompt.ts).
    const choice = interactive && !flags.hostGiven ? await lab.pickServer(ui, flags) : flags;
    if (choice === null) return 1;
    flags = { ...flags, ...choice };
    const client = await connect(flags, ui, term);
    if (client !== null && interactive) await lab.rememberServer(flags.host, flags.chatPort);
    const code = client === null
      ? 1
      : await runSession(client, ui, { lang: flags.lang, interactive: term !== null });
    if (code !== 0 && pause) await lab.waitForEnter(ui, flags.lang);
    return code;
  } finally {
    await ui.close();
  }
}

/**
 * Connects and gets admitted. On a terminal a refused name can be corrected
 * at once; any other failure is explained and gives `null`.
 */
async function connect(
  flags: ClientFlags,
  ui: TerminalUi,
  term: InteractiveTerminal | null,
): Promise<ChatClient | null> {
  const t = translator(clientText, flags.lang);
  const st = safeTranslator(t);
  const interactive = term !== null;
  const fail = (line: SafeText) => interactive ? ui.print([line]) : writeErr(line);
  const transfers: TransferFunctions = { uploadFile, downloadFile };
  let name = flags.name ?? await ui.ask(st("namePrompt"));
  // The room password (lib/client/auth.ts) and the teacher session of --admin (lib/client/admin.ts).
  let password = flags.password;
  let client: ChatClient | null = null;
  const admin = teacherSession(flags, ui, () => client);
  while (name !== null) {
    try {
      client = await ChatClient.connect({
        password,
        onOtherFrame: (raw) => admin?.frame(raw),
        interceptLine: (line) => admin?.line(line) ?? false,
        host: flags.host,
        port: flags.chatPort,
        name,
        lang: flags.lang,
        filePort: flags.filePort,
        mediaPort: flags.mediaPort,
        downloads: flags.downloads,
        transfers,
        startMedia: mediaStarter(flags, term),
        videoOffer: offerForView(flags.videoView === "window" ? "window" : "terminal"),
        onEvent: (e: ClientEvent) => {
          ui.show(e);
          if (e.type === "closed" && e.info.reason === "lost") {
            ui.print([renderLost(t, flags.host, flags.chatPort)]);
          }
          if (e.type === "reconnected") admin?.login();
        },
      });
      admin?.login();
      return client;
    } catch (e) {
      if (!(e instanceof ConnectError)) throw e;
      if (interactive && needsPassword(e)) {
        if (e.serverCode === "auth_failed") fail(st("passwordWrong"));
        password = await ui.ask(st("passwordPrompt"), { hidden: true }) ?? undefined;
        if (password === undefined) return null;
        continue;
      }
      fail(describeConnectError(e, t, name, { checkFollows: lab.checksAfterFailure(e) }));
      await lab.checkAfterFailure(e, { ...flags, print: (lines) => lines.forEach(fail) });
      if (!interactive || (e.code !== "name_taken" && e.code !== "name_invalid")) return null;
      name = await ui.ask(st("namePrompt"));
    }
  }
  return null;
}

/** The teacher session of `--admin KEY`, printing through `ui`; null without the flag. */
function teacherSession(
  flags: ClientFlags,
  ui: TerminalUi,
  client: () => ChatClient | null,
): AdminSession | null {
  if (flags.admin === undefined) return null;
  return new AdminSession({
    key: flags.admin,
    lang: flags.lang,
    send: (request) => client()?.sendRequest(request) ?? false,
    name: () => client()?.name ?? "",
    print: (lines) => ui.print(lines.flatMap((l) => l.split("\n")).map((line) => safe(line))),
  });
}

/** Starts a call's media with the video flags; the terminal view paints into `term`. */
function mediaStarter(
  flags: ClientFlags,
  term: InteractiveTerminal | null,
): (p: MediaParams) => Promise<MediaSession> {
  // Without a terminal there is nowhere to draw the terminal view.
  const view = flags.videoView === "terminal" && term === null ? "none" : flags.videoView;
  const pane = view === "terminal" ? term : null;
  return async (p) => {
    const media = await CallMedia.start({
      ...p,
      source: flags.videoSource,
      camera: flags.camera,
      view,
      width: flags.width,
      height: flags.height,
      fps: flags.fps,
      audioSource: flags.audioSource,
      mic: flags.mic,
      paint: pane === null ? undefined : (lines) => pane.paint(lines),
      paneSize: pane === null ? undefined : () => pane.paneSize(),
    });
    return {
      setMembers: (members) => media.setMembers(members),
      statsLines: () => media.statsLines(),
      setMuted: (muted) => media.setMuted(muted),
      setSend: (send) => media.setSend(send),
      sendKeyframe: () => media.sendKeyframe(),
      close: async () => {
        await media.close();
        // Whatever the view left on screen, the chat gets the whole screen back.
        pane?.paint(null);
      },
    };
  };
}

if (import.meta.main) {
  const code = await main();
  Deno.exit(code);
}
