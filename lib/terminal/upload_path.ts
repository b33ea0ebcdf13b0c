/**
 * Paths as people paste them into `/upload`: what a terminal, a file manager
 * or Explorer put on the line becomes the path of a file on disk.
 *
 * {@link uploadPathCandidates} is pure: it lists what the text may mean, most
 * likely first — surrounding quotes removed (Windows Terminal and Explorer's
 * "Copy as path" add `"…"`, GNOME's drag and drop adds `'…'`), a `file://`
 * URI percent-decoded (file managers), `~` and `~/…` expanded, and shell
 * backslash escapes undone (`mis\ vídeos/clase\ grabada.mp4`, as KDE and
 * macOS drag and drop write them). A Windows path (`C:\…`, `\\server\…`)
 * keeps its backslashes. {@link findUploadFile} then takes the first
 * candidate that exists, so an ambiguous text (a backslash that is part of
 * the name) still works.
 *
 * @example
 * ```ts
 * import { uploadPathCandidates } from "./upload_path.ts";
 * uploadPathCandidates("mis\\ vídeos/a.mp4", { windows: false, home: "/home/ana" });
 * // ["mis vídeos/a.mp4", "mis\\ vídeos/a.mp4"]
 * uploadPathCandidates("file:///home/ana/Mis%20v%C3%ADdeos/a.mp4", { windows: false });
 * // ["/home/ana/Mis vídeos/a.mp4"]
 * ```
 *
 * @module
 */

/** What path resolution needs to know of the platform. */
export interface PathEnv {
  /** Windows path rules (drive letters, backslash separators). */
  windows: boolean;
  /** The user's home folder for `~`, when known. */
  home?: string;
}

/** The outcome of looking for the file to upload. */
export type FoundFile =
  | { ok: true; path: string; size: number }
  | {
    ok: false;
    code: "file_missing" | "is_directory" | "not_a_file" | "unreadable";
    path: string;
  };

/** Removes one pair of surrounding quotes (and the spaces a drag and drop leaves around them). */
function unquote(raw: string): string {
  const s = raw.trim();
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) {
    return s.slice(1, -1);
  }
  return s;
}

/** A `file://` URI as a local path, or null when it is not one (or is malformed). */
function fromFileUri(text: string, windows: boolean): string | null {
  if (!/^file:\/\//i.test(text)) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (!windows) return url.host === "" || url.host === "localhost" ? path : null;
  if (url.host !== "" && url.host !== "localhost") {
    return `\\\\${url.host}${path.replaceAll("/", "\\")}`;
  }
  // file:///C:/Users/x -> C:\Users\x
  return path.replace(/^\/([A-Za-z]:)/, "$1").replaceAll("/", "\\");
}

/** Whether the text looks like a Windows path, where backslashes separate folders. */
function isWindowsPath(text: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(text) || text.startsWith("\\\\");
}

/** `~` or `~/…` (also `~\…` on Windows) expanded with `home`. */
function expandHome(text: string, env: PathEnv): string {
  if (env.home === undefined || env.home === "") return text;
  if (text === "~") return env.home;
  const sep = env.windows ? /^~[\\/]/ : /^~\//;
  if (!sep.test(text)) return text;
  const home = env.home.replace(/[\\/]+$/, "");
  return home + (env.windows ? "\\" : "/") + text.slice(2);
}

/** Undoes shell backslash escapes (`\ ` → space, `\\` → `\`, `\(` → `(`). */
function unescapeShell(text: string): string {
  return text.replace(/\\(.)/g, "$1");
}

/**
 * What the text typed after `/upload` may name, most likely first, without
 * duplicates. Never empty for non-blank text.
 */
export function uploadPathCandidates(raw: string, env: PathEnv): string[] {
  const text = unquote(raw);
  const uri = fromFileUri(text, env.windows);
  if (uri !== null) return [uri];
  const out: string[] = [];
  const add = (p: string) => {
    const expanded = expandHome(p, env);
    if (expanded !== "" && !out.includes(expanded)) out.push(expanded);
  };
  const windowsPath = env.windows && isWindowsPath(text);
  // A backslash before a space or a shell special character is an escape (Linux, macOS);
  // in a Windows path backslashes are separators, so the text as typed comes first.
  const escaped = /\\[ '"()&;!$`\\[\]{}*?#~<>|]/.test(text);
  if (escaped && !windowsPath) add(unescapeShell(text));
  add(text);
  if (windowsPath && text.includes("\\ ")) add(unescapeShell(text));
  return out;
}

/** The file-system calls {@link findUploadFile} makes (injected by tests). */
export interface StatFs {
  stat(path: string): Promise<{ isFile: boolean; isDirectory: boolean; size: number }>;
}

/**
 * The first candidate that exists: a regular file is `ok`; otherwise the
 * reason, for the first candidate that exists (a folder says so) or, when
 * none does, `file_missing` for the most likely one.
 */
export async function findUploadFile(
  candidates: readonly string[],
  fs: StatFs = Deno,
): Promise<FoundFile> {
  let found: FoundFile | null = null;
  for (const path of candidates) {
    try {
      const st = await fs.stat(path);
      if (st.isFile) return { ok: true, path, size: st.size };
      found ??= { ok: false, code: st.isDirectory ? "is_directory" : "not_a_file", path };
    } catch (e) {
      if (e instanceof Deno.errors.PermissionDenied) {
        found ??= { ok: false, code: "unreadable", path };
      }
    }
  }
  return found ?? { ok: false, code: "file_missing", path: candidates[0] ?? "" };
}
