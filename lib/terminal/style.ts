/**
 * Colours and the escape sequences the terminal uses. Only sequences that
 * Windows Terminal, modern cmd (VT mode) and SSH terminals all understand are
 * used: CR, CUU/CUF (`ESC[nA`, `ESC[nC`), ED (`ESC[J`), EL (`ESC[2K`), CUP
 * (`ESC[r;cH`), DECSTBM (`ESC[t;br`), DECSC / DECRC (`ESC7`, `ESC8`), DECTCEM
 * (`ESC[?25l/h`) and SGR colours.
 *
 * @example
 * ```ts
 * import { safe } from "../protocol/safe_text.ts";
 * import { nameStyle, sgr } from "./style.ts";
 * sgr(nameStyle("Luis", "Ana"), safe("Luis"), true); // "\x1b[..mLuis\x1b[0m"
 * sgr("1;31", safe("plain"), false); // "plain"
 * ```
 *
 * @module
 */

import { type SafeText, trusted } from "../protocol/safe_text.ts";

/** The escape character that starts every sequence (the renderer's own: trusted). */
export const ESC: SafeText = trusted("\x1b");
/** Control Sequence Introducer (`ESC [`). */
export const CSI: SafeText = trusted(`${ESC}[`);

// Twelve colours that read on dark and light backgrounds; none is white, so
// the user's own name (bold bright white) is always distinct.
const NAME_COLOURS = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96];

/** The SGR parameters of the user's own name: bold bright white. */
export const OWN_NAME_STYLE = "1;97";

/**
 * The SGR parameters for a name: a stable colour from a hash of it (case and
 * Unicode normalisation ignored), so a person keeps one colour; the user's
 * own name is bold bright white.
 */
export function nameStyle(name: string, me: string | null): string {
  if (me !== null && name === me) return OWN_NAME_STYLE;
  let h = 2166136261;
  for (const ch of name.normalize("NFC").toLowerCase()) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return String(NAME_COLOURS[h % NAME_COLOURS.length]);
}

/**
 * Wraps text in an SGR style and a reset when `on`; returns it unchanged
 * otherwise (pipe mode). `style` is the program's own (digits and `;`).
 */
export function sgr(style: string, text: SafeText, on: boolean): SafeText {
  return on ? trusted(`${CSI}${style}m${text}${CSI}0m`) : text;
}
