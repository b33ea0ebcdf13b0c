/**
 * The client commands the server's banner prints, in the one form that works
 * for how this server was started:
 * - from source (`deno task serve`, `deno run server.ts`): the project's task,
 *   `deno task client --name TU_NOMBRE --host 192.168.1.10`;
 * - compiled (`pc3-server`, `pc3-server.exe`): the client executable next to
 *   it, named like the server with `client` for `server`, as a path in the
 *   current folder (`./pc3-client`, and `.\pc3-client.exe` on Windows, where
 *   PowerShell does not run programs from the current folder by bare name).
 *
 * Pure: the executable path and OS are parameters ({@link launchForm} is
 * given `Deno.execPath()` and `Deno.build.os` by server.ts).
 *
 * @example
 * ```ts
 * import { clientCommandLines, launchForm } from "./banner.ts";
 * const form = launchForm("C:\\pc3\\pc3-server.exe", "windows");
 * clientCommandLines(form, { addresses: ["192.168.1.10"], placeholder: "TU_NOMBRE", chatPort: 9009 });
 * // [".\\pc3-client.exe --name TU_NOMBRE --host 192.168.1.10"]
 * ```
 *
 * @module
 */

import { DEFAULT_CHAT_PORT } from "../protocol/limits.ts";

/** How the server was started, which decides how the client is started. */
export type LaunchForm =
  | { kind: "source" }
  | { kind: "compiled"; client: string; windows: boolean };

/** The last part of a path with either separator. */
function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/**
 * Tells a server run by Deno from source (the runtime is `deno`/`deno.exe`)
 * from a compiled one (the runtime is the program itself), and names the
 * client executable of a compiled one.
 */
export function launchForm(execPath: string, os: string): LaunchForm {
  const exe = baseName(execPath);
  if (/^deno(\.exe)?$/i.test(exe)) return { kind: "source" };
  const windows = os === "windows";
  let client = /server/i.test(exe)
    ? exe.replace(/server/i, (m) => m[0] === "S" ? "Client" : "client")
    : "pc3-client";
  if (windows && !/\.exe$/i.test(client)) client += ".exe";
  return { kind: "compiled", client, windows };
}

/** What {@link clientCommandLines} fills in. */
export interface CommandParams {
  /** The addresses to connect to (one line each). */
  addresses: readonly string[];
  /** The name placeholder, in the server's language (`TU_NOMBRE`). */
  placeholder: string;
  /** The chat port (named only when it is not the default). */
  chatPort: number;
}

/** The program part of a command line: the task, or the executable in the current folder. */
export function clientProgram(form: LaunchForm): string {
  if (form.kind === "source") return "deno task client";
  return form.windows ? `.\\${form.client}` : `./${form.client}`;
}

/** One ready-to-copy client command per address. */
export function clientCommandLines(form: LaunchForm, params: CommandParams): string[] {
  const port = params.chatPort === DEFAULT_CHAT_PORT ? "" : ` --chat-port ${params.chatPort}`;
  const program = clientProgram(form);
  return params.addresses.map((a) => {
    const host = a.includes(":") ? `[${a}]` : a;
    return `${program} --name ${params.placeholder} --host ${host}${port}`;
  });
}

/**
 * A banner line from another part of the server (the join code, the teacher
 * key) with its `pc3-client --…` command in the form that works here: the
 * catalogues name the program generically, as people know it.
 */
export function withClientProgram(line: string, form: LaunchForm): string {
  return line.replace(/\bpc3-client(?= --)/g, clientProgram(form));
}
