/**
 * Text as a terminal shows it: split into
 * user-perceived characters (graphemes), and measured in columns (wide CJK
 * and emoji take two).
 *
 * @example
 * ```ts
 * import { displayWidth, truncate } from "./width.ts";
 * displayWidth("a日本"); // 5
 * truncate("a日本", 3); // "a日"
 * ```
 *
 * @module
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Splits text into user-perceived characters, so a cursor never lands inside one. */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) || // Hangul Jamo
    (cp >= 0x2e80 && cp <= 0x303e) || // CJK radicals, punctuation
    (cp >= 0x3041 && cp <= 0x33ff) || // Kana, CJK symbols
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) || // CJK ideographs
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || // Hangul syllables
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) || // Fullwidth forms
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) || // Emoji
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x1f680 && cp <= 0x1f6ff) ||
    (cp >= 0x1fa70 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Columns one grapheme takes on a terminal: 0, 1 or 2. */
export function graphemeWidth(g: string): number {
  const cp = g.codePointAt(0) ?? 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (/^\p{Mn}|^\p{Me}|^[\u200b-\u200f]/u.test(g)) return 0;
  if (isWide(cp) || g.includes("\ufe0f")) return 2;
  return 1;
}

/** Columns a string takes (no escape sequences in it). */
export function displayWidth(text: string): number {
  let w = 0;
  for (const g of graphemes(text)) w += graphemeWidth(g);
  return w;
}

/** Cuts plain text to at most `columns` columns, never splitting a grapheme. */
export function truncate(text: string, columns: number): string {
  let w = 0;
  let out = "";
  for (const g of graphemes(text)) {
    const gw = graphemeWidth(g);
    if (w + gw > columns) break;
    w += gw;
    out += g;
  }
  return out;
}
