/**
 * The terminal client's command language: one input line becomes one typed
 * {@link Command}. Pure: the chat client (lib/client/chat_client.ts) runs the
 * commands.
 *
 * @module
 */

/** One line of user input, parsed. */
export type Command =
  | { kind: "empty" }
  | { kind: "message"; text: string }
  | { kind: "upload"; path: string }
  | { kind: "download"; id: string }
  | { kind: "files"; page?: number; query?: string }
  | { kind: "who" }
  | { kind: "help" }
  | { kind: "quit" }
  | { kind: "call"; action: "start" | "stop" | "stats" }
  /** `/mute`, `/unmute`: our microphone in the call. */
  | { kind: "mute"; muted: boolean }
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
 * import { parseCommand } from "./commands.ts";
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
      return filesCommand(rest);
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
    case "mute":
    case "silenciar":
      return { kind: "mute", muted: true };
    case "unmute":
    case "activar":
      return { kind: "mute", muted: false };
    default:
      return { kind: "unknown", command: `/${match[1]}` };
  }
}

/** Longest search text `/files` sends (the server's limit, PROTOCOL.md 2.4). */
const MAX_FILES_QUERY = 100;

/**
 * `/files`, `/files 3` (page 3, newest first) or `/files tema` (files whose
 * name or sender holds the text).
 */
function filesCommand(rest: string): Command {
  if (rest === "") return { kind: "files" };
  if (/^\d{1,6}$/.test(rest) && Number(rest) > 0) return { kind: "files", page: Number(rest) };
  return { kind: "files", query: rest.slice(0, MAX_FILES_QUERY) };
}
