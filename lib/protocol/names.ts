/**
 * User name rules of the chat room (PROTOCOL.md 2.1).
 *
 * v2 clients get a strict check with a reason they can show; v1 clients can
 * not be refused, so their names are repaired and made unique with a suffix.
 * Uniqueness compares {@link nameKey}: the confusable skeleton of
 * lib/protocol/confusables.ts (NFKC, look-alike letters folded, lower case),
 * so "Ana", "\u0410na" (Cyrillic А) and "Ａna" (fullwidth) are one name.
 * Invisible code points (default-ignorables, format characters, Hangul
 * fillers, the braille blank, variation selectors, tags, spaces other than
 * U+0020, lone surrogates, unassigned and private-use code points, U+FFFD)
 * are refused in v2 names and removed from v1 names.
 *
 * Pure functions, no I/O.
 *
 * @module
 */

import { skeleton } from "./confusables.ts";

/** Longest name, in Unicode code points. */
export const MAX_NAME = 32;

/** Names nobody may take (compared with {@link nameKey}). */
const RESERVED_NAMES: readonly string[] = ["sistema", "system", "server"];

/** Why a v2 name was refused. */
export type NameProblem =
  | "not_string"
  | "empty"
  | "too_long"
  | "control"
  | "invisible"
  | "reserved";

/** Result of {@link checkName}. */
export type NameCheck = { ok: true; name: string } | { ok: false; problem: NameProblem };

// C0 controls, DEL, C1 controls, line and paragraph separators (on purpose).
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
// deno-lint-ignore no-control-regex
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/gu;
// Code points that show nothing, or nothing distinctive, and let one name pose
// as another: default-ignorables (zero-width spaces and joiners, bidi controls,
// U+034F, Hangul fillers U+115F/U+1160/U+3164/U+FFA0, U+17B4, U+180E, variation
// selectors, tags U+E0000-E007F, ...), other format characters, lone surrogates
// (Cs), private use (Co) and unassigned (Cn) code points, the braille blank
// U+2800, the replacement character U+FFFD, the object replacement U+FFFC, and
// every space but U+0020 (no-break, ideographic, thin...). Right-to-left
// letters themselves (Arabic, Hebrew) are fine.
const INVISIBLE_CLASS =
  "[\\p{Default_Ignorable_Code_Point}\\p{Cf}\\p{Cs}\\p{Co}\\p{Cn}\\u2800\\ufffc\\ufffd[\\p{Zs}--[\\u0020]]]";
const INVISIBLE = new RegExp(INVISIBLE_CLASS, "v");
const INVISIBLE_ALL = new RegExp(INVISIBLE_CLASS, "gv");

/**
 * The form names are compared in: the confusable skeleton (NFKC, look-alike
 * letters folded to Latin, lower case). "Ana", "ANA", "\u0410na" and
 * "Ａna" share one key.
 */
export function nameKey(name: string): string {
  return skeleton(name);
}

/** Whether a name (any case) is reserved for the server. */
function isReserved(name: string): boolean {
  return RESERVED_NAMES.includes(nameKey(name));
}

/** Number of Unicode code points of a string. */
function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The first `max` code points of a string. */
function cut(text: string, max: number): string {
  let out = "";
  let n = 0;
  for (const ch of text) {
    if (n++ === max) break;
    out += ch;
  }
  return out;
}

/**
 * Checks a v2 hello name. Returns the name to use (trimmed, NFC) or the
 * problem. Uniqueness is the room's business.
 *
 * @example
 * ```ts
 * checkName("  Ana ");  // { ok: true, name: "Ana" }
 * checkName("a\u0007"); // { ok: false, problem: "control" }
 * ```
 */
export function checkName(raw: unknown): NameCheck {
  if (typeof raw !== "string") return { ok: false, problem: "not_string" };
  // Lone surrogates first: normalize() would keep them, a terminal shows U+FFFD.
  if (!raw.isWellFormed()) return { ok: false, problem: "invisible" };
  const name = raw.normalize("NFC").trim();
  if (name.length === 0) return { ok: false, problem: "empty" };
  if (CONTROL.test(name)) return { ok: false, problem: "control" };
  if (INVISIBLE.test(name)) return { ok: false, problem: "invisible" };
  if (codePoints(name) > MAX_NAME) return { ok: false, problem: "too_long" };
  if (isReserved(name)) return { ok: false, problem: "reserved" };
  return { ok: true, name };
}

/**
 * Repairs a v1 hello name so it can always be accepted: control and
 * invisible characters (lone surrogates included) removed, trimmed, cut to {@link MAX_NAME}; empty or
 * missing becomes `user_<port>`; a name that is reserved or `taken` gets the
 * first free suffix `_2`, `_3`, ... (the base is cut so the result still fits).
 * A look-alike of a taken name counts as taken.
 *
 * @param taken tells whether a name key is already in use.
 */
export function repairName(
  raw: unknown,
  options: { port: number; taken: (key: string) => boolean },
): string {
  let name = typeof raw === "string"
    ? raw.toWellFormed().replace(INVISIBLE_ALL, "").normalize("NFC").replace(CONTROL_ALL, "")
      .replace(INVISIBLE_ALL, "").trim()
    : "";
  name = cut(name, MAX_NAME).trim();
  if (name.length === 0) name = `user_${options.port}`;
  const free = (candidate: string) => !isReserved(candidate) && !options.taken(nameKey(candidate));
  if (free(name)) return name;
  for (let i = 2;; i++) {
    const suffix = `_${i}`;
    const candidate = cut(name, MAX_NAME - suffix.length) + suffix;
    if (free(candidate)) return candidate;
  }
}
