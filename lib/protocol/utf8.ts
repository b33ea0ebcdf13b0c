/**
 * UTF-8 helpers shared by both ends: one definition of "how many bytes is this
 * text on the wire", used by every length limit in PROTOCOL.md.
 *
 * @module
 */

/**
 * UTF-8 byte length of a string, without encoding it. A lone surrogate counts
 * as 3 bytes, as `TextEncoder` would write U+FFFD in its place.
 *
 * @example
 * ```ts
 * import { utf8Length } from "./utf8.ts";
 * utf8Length("año"); // 4
 * ```
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
