/**
 * Bracketed paste: terminals in mode 2004 (turned on by the interactive
 * terminal) send pasted text between `ESC[200~` and `ESC[201~`, so a pasted
 * block's line breaks can stay in the line being typed instead of each one
 * sending a message. {@link PasteReader} collects one paste across reads,
 * the end marker split anywhere; {@link cleanPaste} makes the text safe to
 * keep in the line. Pure.
 *
 * @example
 * ```ts
 * import { PasteReader, PASTE_START } from "./paste.ts";
 * const paste = new PasteReader();
 * const s = "a\nb\x1b[201~rest";
 * paste.take(s, 0); // { next: 9, text: "a\nb" }
 * PASTE_START; // "\x1b[200~"
 * ```
 *
 * @module
 */

import { safe } from "../protocol/safe_text.ts";

/** The marker a terminal sends before pasted text. */
export const PASTE_START = "\x1b[200~";
/** The marker a terminal sends after pasted text. */
export const PASTE_END = "\x1b[201~";
/** Characters of one paste kept at most (far above the message limit, so it is refused whole). */
const MAX_PASTE = 256 * 1024;
/** A tab in a paste becomes this many spaces (code keeps its indentation). */
const TAB_SPACES = "    ";

/** What {@link PasteReader.take} found: where to go on, and the paste once it ended. */
export interface PasteStep {
  /** Index in the input to continue from (its end while the paste goes on). */
  next: number;
  /** The whole pasted text once its end marker came; absent while it goes on. */
  text?: string;
  /** A possibly split end marker at the end of the input, to be fed again with the next read. */
  pending?: string;
}

/** Collects one bracketed paste (create one per paste). */
export class PasteReader {
  #text = "";

  /** Takes pasted text from `s[i]` up to the end marker, or to the end of `s`. */
  take(s: string, i: number): PasteStep {
    const end = s.indexOf(PASTE_END, i);
    let upTo = end >= 0 ? end : s.length;
    let pending: string | undefined;
    if (end < 0) {
      for (let k = Math.min(PASTE_END.length - 1, s.length - i); k > 0; k--) {
        if (PASTE_END.startsWith(s.slice(s.length - k))) {
          upTo = s.length - k;
          pending = s.slice(upTo);
          break;
        }
      }
    }
    const room = Math.max(0, MAX_PASTE - this.#text.length);
    this.#text += s.slice(i, upTo).slice(0, room);
    if (end < 0) return pending === undefined ? { next: s.length } : { next: s.length, pending };
    return { next: end + PASTE_END.length, text: this.#text };
  }
}

/**
 * Pasted text as the line keeps it: CR LF and CR become LF, tabs become
 * spaces, every line goes through `safe()` (no escape sequences or controls
 * but the line breaks).
 */
export function cleanPaste(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").replaceAll("\t", TAB_SPACES).split("\n");
  return lines.map((l) => safe(l)).join("\n");
}
