/**
 * File name rules shared by the server (names it records for uploads) and the
 * client (names it writes under downloads/). Pure functions: no I/O.
 *
 * Names coming from the network are hostile until cleaned: they may hold path
 * separators of either system, `..`, control characters, NUL bytes, reserved
 * Windows device names or trailing dots that Windows silently drops.
 *
 * @module
 */

import { utf8Length } from "./utf8.ts";

/** Longest file name kept, in UTF-8 bytes (common file system limit). */
export const MAX_FILENAME_BYTES = 255;

/** Longest v1 file id accepted, in characters. */
export const MAX_V1_FILE_ID = 200;

// Device names Windows reserves with or without an extension (CON, con.txt, COM1.log...).
// Windows ignores spaces after the device name, so `con .txt` and `Con . txt` are CON too.
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$) *(\..*)?$/i;
// Bidirectional controls (marks, embeddings, overrides, isolates): they reorder what a
// name shows, so `tarea\u202efdp.exe` reads as `tareaexe.pdf`. Removed, not replaced.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// C0 and C1 control characters, DEL, and the characters Windows refuses in names.
// deno-lint-ignore no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f<>:"|?*]/g;

/**
 * The last non-empty component of a path, splitting on `/` and `\\` (both
 * systems' separators): `a/b/` names `b`, as a user typing `/upload a/b/`
 * means. A path with no component at all (`""`, `/`) is returned unchanged so
 * a message about it still shows what was typed.
 *
 * @example
 * ```ts
 * import { baseName } from "./file_names.ts";
 * baseName("C:\\fotos\\playa.jpg"); // "playa.jpg"
 * baseName("a/b/"); // "b"
 * ```
 */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((part) => part !== "");
  return parts.length > 0 ? parts[parts.length - 1] : path;
}

/**
 * Cleans a file name received from a peer so it is safe as the last
 * component of a path on Windows, Linux and macOS.
 *
 * Keeps only the base name, removes bidirectional controls, replaces control
 * and Windows-forbidden characters with `_`, trims spaces and trailing dots,
 * prefixes reserved device names with `_` (also when spaces or dots follow
 * them: `con .txt` becomes `_con .txt`), and shortens to {@link MAX_FILENAME_BYTES} UTF-8 bytes keeping the
 * extension. Throws a `RangeError` when nothing usable remains (empty, `.`,
 * `..`).
 *
 * @example
 * ```ts
 * import { sanitizeFilename } from "./file_names.ts";
 * sanitizeFilename("../../etc/passwd"); // "passwd"
 * sanitizeFilename("C:\\x\\con.txt");   // "_con.txt"
 * ```
 */
export function sanitizeFilename(name: string): string {
  // A peer's name ending in a separator names a directory, not a file.
  if (/[\\/]$/.test(name)) throw new RangeError(`Unusable file name: ${JSON.stringify(name)}`);
  let clean = baseName(name.normalize("NFC").replace(BIDI, "")).replace(UNSAFE, "_");
  clean = clean.trim().replace(/[. ]+$/, "");
  if (clean === "" || /^\.+$/.test(clean)) {
    throw new RangeError(`Unusable file name: ${JSON.stringify(name)}`);
  }
  if (RESERVED.test(clean)) clean = "_" + clean;
  return truncateName(clean, MAX_FILENAME_BYTES);
}

/** Splits `name.ext` into `["name", ".ext"]` (no extension for dot files). */
export function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) return [name, ""];
  const ext = name.slice(dot);
  // An "extension" longer than 32 bytes is just part of the name.
  return utf8Length(ext) > 32 ? [name, ""] : [name.slice(0, dot), ext];
}

/** Shortens a name to `maxBytes` UTF-8 bytes, keeping its extension and whole characters. */
function truncateName(name: string, maxBytes: number): string {
  if (utf8Length(name) <= maxBytes) return name;
  const [stem, ext] = splitExtension(name);
  const room = maxBytes - utf8Length(ext);
  let out = "";
  let used = 0;
  for (const ch of stem) {
    const n = utf8Length(ch);
    if (used + n > room) break;
    out += ch;
    used += n;
  }
  out = out.replace(/[. ]+$/, "");
  return (out === "" ? "_" : out) + ext;
}

/**
 * Checks a v1 client-chosen file id (PROTOCOL.md 3.2): 1..200 characters, no
 * control characters, no `/`, `\` or `..`. Returns the id or throws a
 * `RangeError` saying why.
 */
export function validateV1FileId(id: unknown): string {
  if (typeof id !== "string") throw new RangeError(`File id must be a string: ${typeof id}`);
  const chars = [...id].length;
  if (chars < 1 || chars > MAX_V1_FILE_ID) {
    throw new RangeError(`File id length out of range: ${chars}`);
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f/\\]/.test(id) || id.includes("..")) {
    throw new RangeError(`File id has forbidden characters: ${JSON.stringify(id)}`);
  }
  return id;
}

/**
 * A name not in `taken`: `name.ext`, then `name (1).ext`, `name (2).ext`...
 * Comparison ignores case (Windows and macOS file systems do). The result
 * stays within {@link MAX_FILENAME_BYTES}.
 *
 * @example
 * ```ts
 * import { uniqueName } from "./file_names.ts";
 * uniqueName("a.txt", ["a.txt", "a (1).txt"]); // "a (2).txt"
 * ```
 */
export function uniqueName(name: string, taken: Iterable<string>): string {
  const used = new Set<string>();
  for (const t of taken) used.add(t.toLowerCase());
  if (!used.has(name.toLowerCase())) return name;
  const [stem, ext] = splitExtension(name);
  for (let i = 1;; i++) {
    const suffix = ` (${i})${ext}`;
    const candidate = truncateName(stem, MAX_FILENAME_BYTES - utf8Length(suffix)) + suffix;
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
}
