/**
 * The one sanitiser for text that reaches a terminal, and a type that proves
 * it was applied.
 *
 * Every string that comes from the network (names, messages, file names,
 * error messages, anything a server or another user chose) must pass
 * {@link safe} before it is printed. The result is branded {@link SafeText}:
 * the terminal's output functions accept only `SafeText`, so forgetting the
 * sanitiser for a new kind of message is a type error, not a hole.
 *
 * `safe()` removes everything that could act on the terminal instead of being
 * shown, or that hides or reorders what is shown:
 * - escape sequences whole: CSI (`ESC [` … final byte, and 8-bit CSI),
 *   OSC / DCS / SOS / PM / APC strings up to their terminator (BEL or ST),
 *   and two-byte `ESC x` sequences;
 * - the other C0 and C1 controls and DEL, line and paragraph separators
 *   (each becomes a space, so words stay apart);
 * - bidirectional controls and isolates (U+061C, U+200E/F, U+202A–E,
 *   U+2066–9), which can make `tarea\u202efdp.exe` look like `tareaexe.pdf`;
 * - lone surrogates (become U+FFFD) and noncharacters;
 * - default-ignorable code points that hide text (U+00AD, U+034F, Hangul
 *   fillers, U+17B4/5, Mongolian selectors, U+200B, U+2060–U+206F, U+FEFF,
 *   U+FFF0–U+FFFB, shorthand and musical format controls, tag characters
 *   U+E0000–U+E007F). ZWJ/ZWNJ and variation selectors stay: emoji and
 *   several scripts need them, and they never hide a whole character.
 *
 * Text built only from constants (catalogue templates, the renderer's own
 * escape sequences) is made `SafeText` with the {@link safeText} tagged
 * template, whose interpolations must already be `SafeText` (or numbers), or
 * with {@link trusted} for a constant.
 *
 * @example
 * ```ts
 * import { safe, safeText } from "./safe_text.ts";
 * safe("a\x1b]52;c;cm0gLXJmIH4=\x07b"); // "ab"
 * safe("tarea\u202efdp.exe"); // "tareafdp.exe"
 * const name = safe("Ana\x1b[2J");
 * safeText`[${name}]: ${safe("hola")}`; // "[Ana]: hola"
 * ```
 *
 * @module
 */

declare const safeBrand: unique symbol;

/** A string that went through {@link safe} (or was built only from trusted constants and `SafeText`). */
export type SafeText = string & { readonly [safeBrand]: true };

const ESC = 0x1b;
const BEL = 0x07;

/** 8-bit C1 introducers of control strings (DCS, SOS, OSC, PM, APC) terminated by ST. */
const C1_STRINGS = new Set([0x90, 0x98, 0x9d, 0x9e, 0x9f]);
/** Final characters after ESC that open a control string (P, X, ], ^, _). */
const ESC_STRINGS = new Set([0x50, 0x58, 0x5d, 0x5e, 0x5f]);

/** Code points removed outright: bidi controls and default-ignorables that hide text. */
function isRemoved(cp: number): boolean {
  if (cp < 0xad) return false;
  return cp === 0xad || cp === 0x34f || cp === 0x61c || cp === 0x115f || cp === 0x1160 ||
    cp === 0x17b4 || cp === 0x17b5 || (cp >= 0x180b && cp <= 0x180f) ||
    cp === 0x200b || cp === 0x200e || cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0x3164 || cp === 0xfeff || cp === 0xffa0 || (cp >= 0xfff0 && cp <= 0xfffb) ||
    (cp >= 0x1bca0 && cp <= 0x1bca3) || (cp >= 0x1d173 && cp <= 0x1d17a) ||
    (cp >= 0xe0000 && cp <= 0xe007f) ||
    // Noncharacters: U+FDD0..U+FDEF and the last two of every plane.
    (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe;
}

/** C0 (but ESC, handled apart), DEL, C1 and the line/paragraph separators: shown as a space. */
function isSpaced(cp: number): boolean {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029;
}

/**
 * Index just past a control string (OSC, DCS, …) whose body starts at `i`:
 * after its BEL, `ESC \` or 8-bit ST. An unterminated one ends at `i`, so
 * only its introducer is dropped and the rest is shown as (sanitised) text.
 */
function skipControlString(s: string, i: number): number {
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === BEL || c === 0x9c) return j + 1;
    if (c === ESC) return s.charCodeAt(j + 1) === 0x5c ? j + 2 : j;
  }
  return i;
}

/** Index just past a CSI sequence whose parameters start at `i` (ECMA-48: params, intermediates, final). */
function skipCsi(s: string, i: number): number {
  let j = i;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c >= 0x40 && c <= 0x7e) return j + 1;
    if (c < 0x20 || c > 0x3f) return j; // Not a CSI byte: the sequence ends here, broken.
    j++;
  }
  return j;
}

/** Index just past the escape sequence that starts with ESC at `i`. */
function skipEscape(s: string, i: number): number {
  const next = s.charCodeAt(i + 1);
  if (Number.isNaN(next)) return i + 1;
  if (next === 0x5b) return skipCsi(s, i + 2);
  if (ESC_STRINGS.has(next)) return skipControlString(s, i + 2);
  // nF sequences: intermediates 0x20-0x2f, then one final byte.
  let j = i + 1;
  while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
  const final = s.charCodeAt(j);
  return final >= 0x30 && final <= 0x7e ? j + 1 : j;
}

/**
 * Makes untrusted text safe to print on a terminal (see the module
 * documentation for what goes). Linear in the length of the text; text with
 * nothing to remove is returned as it is.
 */
export function safe(text: string): SafeText {
  let out = "";
  let start = 0; // Start of the clean run not yet copied to `out`.
  let i = 0;
  while (i < text.length) {
    const unit = text.charCodeAt(i);
    let cp = unit;
    let width = 1;
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const low = text.charCodeAt(i + 1);
      if (unit <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
        cp = (unit - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        width = 2;
      } else {
        out += text.slice(start, i) + "\ufffd";
        start = i = i + 1;
        continue;
      }
    }
    let replacement: string | null = null;
    let end = i + width;
    if (cp === ESC) {
      replacement = "";
      end = skipEscape(text, i);
    } else if (cp === 0x9b) {
      replacement = "";
      end = skipCsi(text, i + 1);
    } else if (C1_STRINGS.has(cp)) {
      replacement = "";
      end = skipControlString(text, i + 1);
    } else if (isSpaced(cp)) replacement = " ";
    else if (isRemoved(cp)) replacement = "";
    if (replacement === null) {
      i = end;
      continue;
    }
    out += text.slice(start, i) + replacement;
    start = i = end;
  }
  return (start === 0 ? text : out + text.slice(start)) as SafeText;
}

/**
 * Marks a constant as safe: only for text written in the program (a
 * catalogue template, an escape sequence the renderer itself emits), never
 * for anything that came from outside.
 */
export function trusted(constant: string): SafeText {
  return constant as SafeText;
}

/**
 * Tagged template for building safe text: the literal parts are the
 * program's own, and every interpolation must already be `SafeText` or a
 * number, so untrusted text cannot slip in unsanitised.
 *
 * @example
 * ```ts
 * import { safe, safeText } from "./safe_text.ts";
 * safeText`[${safe("Ana")}] ${3} files`; // "[Ana] 3 files"
 * ```
 */
export function safeText(
  literals: TemplateStringsArray,
  ...values: readonly (SafeText | number)[]
): SafeText {
  let s = literals[0];
  for (let i = 0; i < values.length; i++) s += String(values[i]) + literals[i + 1];
  return s as SafeText;
}

/** Joins safe parts with a separator written in the program (a comma, a line break the renderer adds). */
export function joinSafe(parts: readonly SafeText[], separator: string): SafeText {
  return parts.join(separator) as SafeText;
}
