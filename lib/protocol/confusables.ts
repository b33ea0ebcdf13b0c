/**
 * A small confusable skeleton for comparing user names (the idea of
 * Unicode TR39's skeleton, with a hand-made table instead of the full
 * confusables.txt, which is not on this machine and not worth a download).
 *
 * {@link skeleton} maps a name to the form it shares with every name that
 * looks the same: "Ana", "ＡＮＡ", "\u0410na" (Cyrillic A), "𝐀na"
 * (mathematical bold) and "Αnα" (Greek) all become "ana".
 *
 * How: NFKC first (fullwidth forms, mathematical alphanumerics, ligatures,
 * superscripts and compatibility letters fold into plain ones); then the
 * table below, case-sensitively, for letters whose capital looks like a Latin
 * capital but whose small form looks like something else (Greek Η is H, η
 * is n); then lower case; then the table again for the small forms; then a
 * few multi-letter look-alikes ("rn" is "m").
 *
 * The table is data: one line per Latin target, listing the code points of
 * Cyrillic, Greek, Armenian and Latin-extension letters (and digits) that
 * render like it in common fonts. Pure, no I/O.
 *
 * @module
 */

/**
 * The table: target (lower-case Latin) -> the characters that look like it.
 * A character appears once. Capitals are listed where their small form
 * looks different (they are looked up before lower-casing).
 */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  a: "\u0430\u0410\u0251\u03b1\u0391\u237a",
  b: "\u0392\u0412\u042c\u044c\u0185",
  c: "\u0441\u0421\u03f2\u03f9",
  d: "\u0501\u217e",
  e: "\u0435\u0415\u0395\u04bd",
  g: "\u0261\u0581",
  h: "\u04bb\u04ba\u0397\u041d\u0570",
  i: "\u0456\u0406\u03b9\u0399\u0269\u0131\u04c0",
  j: "\u0458\u0408\u03f3\u037f",
  k: "\u03ba\u039a\u041a\u043a",
  l: "\u04cf\u0031\u007c\u01c0",
  m: "\u041c\u039c\u043c\u03fb",
  n: "\u0578\u039d\u03b7\u057c",
  o: "\u043e\u041e\u03bf\u039f\u0030\u0585\u0555\u03c3",
  p: "\u0440\u0420\u03c1\u03a1",
  q: "\u051b\u051a",
  r: "\u0433",
  s: "\u0455\u0405",
  t: "\u0422\u03a4\u0442",
  u: "\u03c5\u057d",
  v: "\u03bd\u0475\u0474",
  w: "\u051d\u051c\u0461",
  x: "\u0445\u0425\u03c7\u03a7",
  y: "\u0443\u0423\u03a5\u04af\u04ae\u03b3",
  z: "\u0396",
};

/** Sequences of Latin letters that read as one (after the table). */
const MULTI: ReadonlyArray<readonly [RegExp, string]> = [
  [/rn/g, "m"],
  [/vv/g, "w"],
];

/** The table as a map from one code point to its Latin look-alike. */
const TABLE: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  for (const [target, sources] of Object.entries(LOOK_ALIKES)) {
    for (const ch of sources) {
      if (map.has(ch)) {
        throw new Error(`Confusable listed twice: U+${ch.codePointAt(0)!.toString(16)}`);
      }
      map.set(ch, target);
    }
  }
  return map;
})();

function mapChars(text: string): string {
  let out = "";
  for (const ch of text) out += TABLE.get(ch) ?? ch;
  return out;
}

/**
 * The confusable skeleton of `text`: equal for names that look alike,
 * lower case, in NFKC. For comparing only; never shown.
 *
 * @example
 * ```ts
 * import { skeleton } from "./confusables.ts";
 * skeleton("Prof\u0435sor") === skeleton("profesor"); // true (Cyrillic е)
 * skeleton("\uff21na") === skeleton("Ana"); // true (fullwidth Ａ)
 * ```
 */
export function skeleton(text: string): string {
  let s = mapChars(text.normalize("NFKC")).toLowerCase();
  s = mapChars(s);
  for (const [from, to] of MULTI) s = s.replace(from, to);
  return s.normalize("NFC");
}

/** Number of characters in the table (for tests and documentation). */
export const CONFUSABLE_COUNT: number = TABLE.size;
