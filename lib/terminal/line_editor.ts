/**
 * A single-line editor fed with decoded terminal input. Pure: it keeps the
 * text, the cursor (in graphemes) and the history, and tells the caller what
 * happened; the caller redraws with {@link LineEditor.view}.
 *
 * @example
 * ```ts
 * import { LineEditor } from "./line_editor.ts";
 * const ed = new LineEditor();
 * ed.feed("hla\x1b[D\x1b[Do"); // [] (Left twice, then "o")
 * ed.text; // "hola"
 * ed.feed("\r"); // [{ type: "submit", line: "hola" }]
 * ```
 *
 * @module
 */

import { safe, type SafeText } from "../protocol/safe_text.ts";
import { cleanPaste, PASTE_START, PasteReader } from "./paste.ts";
import { ESC } from "./style.ts";
import { graphemes, graphemeWidth } from "./width.ts";

/** How a line break inside the text shows on the one-row prompt. */
const NEWLINE_MARK = "↵";

/** What a key press asks the terminal to do. */
export type EditorAction =
  | { type: "submit"; line: string }
  | { type: "interrupt" }
  | { type: "eof" }
  | { type: "clear" };

/**
 * The line editor of the interactive terminal.
 *
 * Keys: printable text (UTF-8, wide characters, pastes), Enter, Backspace,
 * Delete, Left/Right, Ctrl+Left/Right (word), Home/End (and Ctrl+A/E),
 * Up/Down (history), Ctrl+U/K/W (delete to start/end/word), Ctrl+L (clear),
 * Ctrl+C (interrupt), Ctrl+D (end on an empty line, else delete).
 *
 * A bracketed paste (`ESC[200~` … `ESC[201~`, which the interactive
 * terminal turns on) is inserted as text: its line breaks stay in the line
 * (shown as `↵`) instead of sending each line, so a pasted block of code is
 * one message. Everything inserted goes through `safe()`: the text never
 * holds escape sequences or controls other than those line breaks.
 */
export class LineEditor {
  #text = "";
  #cursor = 0;
  #viewStart = 0;
  #secret = false;
  #history: string[] = [];
  #historyIndex = 0;
  #draft = "";
  #pending = "";
  #afterCR = false;
  /** Inside a bracketed paste: its reader (paste.ts). */
  #paste: PasteReader | null = null;
  #maxHistory: number;

  /** `maxHistory`: lines kept for Up/Down (default 500). */
  constructor(options: { maxHistory?: number } = {}) {
    this.#maxHistory = options.maxHistory ?? 500;
  }

  /** The current text. */
  get text(): string {
    return this.#text;
  }

  /** Cursor position in graphemes. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Replaces the text (sanitised; line breaks kept) and puts the cursor at its end. */
  set(text: string): void {
    this.#text = text.replace(/\r\n?/g, "\n").split("\n").map((l) => safe(l)).join("\n");
    this.#cursor = graphemes(this.#text).length;
  }

  /** Feeds decoded input (any chunking; escape sequences may be split). */
  feed(input: string): EditorAction[] {
    const actions: EditorAction[] = [];
    const s = this.#pending + input;
    this.#pending = "";
    let i = 0;
    let plain = "";
    const flush = () => {
      if (plain !== "") this.#insert(plain);
      plain = "";
    };
    while (i < s.length) {
      if (this.#paste !== null) {
        flush();
        i = this.#pasteChunk(s, i);
        continue;
      }
      if (s.startsWith(PASTE_START, i)) {
        flush();
        this.#paste = new PasteReader();
        i += PASTE_START.length;
        continue;
      }
      if (i + PASTE_START.length > s.length && PASTE_START.startsWith(s.slice(i))) {
        // Maybe the start of a paste marker split across reads.
        flush();
        this.#pending = s.slice(i);
        break;
      }
      const ch = s[i];
      const code = ch.charCodeAt(0);
      if (ch === "\n" && this.#afterCR) {
        // CR LF from one Enter press.
        this.#afterCR = false;
        i++;
        continue;
      }
      this.#afterCR = false;
      if (ch === ESC) {
        flush();
        const consumed = this.#escape(s, i);
        if (consumed === 0) {
          this.#pending = s.slice(i);
          break;
        }
        i += consumed;
      } else if (code < 0x20 || code === 0x7f) {
        flush();
        i++;
        plain = this.#control(code, actions);
      } else {
        plain += ch;
        i++;
      }
    }
    flush();
    return actions;
  }

  /** Handles one control key; returns text it types (Tab types a space). */
  #control(code: number, actions: EditorAction[]): string {
    switch (code) {
      case 0x0d: // CR
        this.#afterCR = true;
        actions.push(this.#submit());
        break;
      case 0x0a: // LF
        actions.push(this.#submit());
        break;
      case 0x7f: // DEL, Backspace
      case 0x08:
        this.#backspace();
        break;
      case 0x03: // Ctrl+C
        actions.push({ type: "interrupt" });
        break;
      case 0x04: // Ctrl+D
        if (this.#text === "") actions.push({ type: "eof" });
        else this.#delete();
        break;
      case 0x01: // Ctrl+A
        this.#cursor = 0;
        break;
      case 0x05: // Ctrl+E
        this.#cursor = graphemes(this.#text).length;
        break;
      case 0x02: // Ctrl+B
        this.#move(-1);
        break;
      case 0x06: // Ctrl+F
        this.#move(1);
        break;
      case 0x0b: // Ctrl+K
        this.#text = graphemes(this.#text).slice(0, this.#cursor).join("");
        break;
      case 0x15: // Ctrl+U
        this.#text = graphemes(this.#text).slice(this.#cursor).join("");
        this.#cursor = 0;
        break;
      case 0x17: // Ctrl+W
        this.#deleteWordBack();
        break;
      case 0x0c: // Ctrl+L
        actions.push({ type: "clear" });
        break;
      case 0x10: // Ctrl+P
        this.#historyMove(-1);
        break;
      case 0x0e: // Ctrl+N
        this.#historyMove(1);
        break;
      case 0x09: // Tab
        return " ";
      default:
        break; // Other control keys do nothing.
    }
    return "";
  }

  /** Parses an escape sequence at `s[i]`; returns characters consumed, 0 if incomplete. */
  #escape(s: string, i: number): number {
    if (i + 1 >= s.length) return 0;
    const next = s[i + 1];
    if (next === "[") {
      let j = i + 2;
      while (j < s.length && /[0-9;?<>=]/.test(s[j])) j++;
      if (j >= s.length) return 0;
      this.#csi(s.slice(i + 2, j), s[j]);
      return j - i + 1;
    }
    if (next === "O") {
      if (i + 2 >= s.length) return 0;
      this.#csi("", s[i + 2]);
      return 3;
    }
    if (next === "b" || next === "f") {
      this.#wordMove(next === "b" ? -1 : 1);
      return 2;
    }
    if (next === "\x7f" || next === "\b") {
      this.#deleteWordBack();
      return 2;
    }
    // A lone Esc press (or Alt+key we do not use): drop the ESC.
    return 1;
  }

  #csi(params: string, final: string): void {
    const parts = params.split(";");
    // A modifier (Ctrl, Alt, Shift) on an arrow moves by word.
    const word = parts.length > 1 && ["5", "3", "2"].includes(parts[1]);
    switch (final) {
      case "A":
        return this.#historyMove(-1);
      case "B":
        return this.#historyMove(1);
      case "C":
        return word ? this.#wordMove(1) : this.#move(1);
      case "D":
        return word ? this.#wordMove(-1) : this.#move(-1);
      case "H":
        this.#cursor = 0;
        return;
      case "F":
        this.#cursor = graphemes(this.#text).length;
        return;
      case "~":
        return this.#tilde(parts[0]);
      default:
        return;
    }
  }

  /** `ESC [ n ~` keys: Home, End, Delete; bracketed paste markers and F-keys are ignored. */
  #tilde(key: string): void {
    if (key === "1" || key === "7") this.#cursor = 0;
    else if (key === "4" || key === "8") this.#cursor = graphemes(this.#text).length;
    else if (key === "3") this.#delete();
  }

  /** Feeds the paste in progress; once it ended, inserts it. Returns where to go on. */
  #pasteChunk(s: string, i: number): number {
    const step = this.#paste!.take(s, i);
    if (step.pending !== undefined) this.#pending = step.pending;
    if (step.text !== undefined) {
      this.#paste = null;
      this.#insert(cleanPaste(step.text), true);
    }
    return step.next;
  }

  /** Inserts text at the cursor; without `clean`, it is sanitised first. */
  #insert(raw: string, clean = false): void {
    const text = clean ? raw : safe(raw);
    if (text === "") return;
    const g = graphemes(this.#text);
    const before = g.slice(0, this.#cursor).join("") + text;
    this.#text = before + g.slice(this.#cursor).join("");
    // Re-segment: the typed text may join a grapheme (a combining accent).
    this.#cursor = graphemes(before).length;
  }

  #move(delta: number): void {
    const n = graphemes(this.#text).length;
    this.#cursor = Math.max(0, Math.min(n, this.#cursor + delta));
  }

  #wordMove(delta: number): void {
    const g = graphemes(this.#text);
    let c = this.#cursor;
    if (delta < 0) {
      while (c > 0 && /\s/.test(g[c - 1])) c--;
      while (c > 0 && !/\s/.test(g[c - 1])) c--;
    } else {
      while (c < g.length && /\s/.test(g[c])) c++;
      while (c < g.length && !/\s/.test(g[c])) c++;
    }
    this.#cursor = c;
  }

  #backspace(): void {
    if (this.#cursor === 0) return;
    const g = graphemes(this.#text);
    g.splice(this.#cursor - 1, 1);
    this.#text = g.join("");
    this.#cursor--;
  }

  #delete(): void {
    const g = graphemes(this.#text);
    if (this.#cursor >= g.length) return;
    g.splice(this.#cursor, 1);
    this.#text = g.join("");
  }

  #deleteWordBack(): void {
    const end = this.#cursor;
    this.#wordMove(-1);
    const g = graphemes(this.#text);
    g.splice(this.#cursor, end - this.#cursor);
    this.#text = g.join("");
  }

  #historyMove(delta: number): void {
    if (this.#history.length === 0) return;
    if (this.#historyIndex === this.#history.length) this.#draft = this.#text;
    const index = Math.max(0, Math.min(this.#history.length, this.#historyIndex + delta));
    if (index === this.#historyIndex) return;
    this.#historyIndex = index;
    this.set(index === this.#history.length ? this.#draft : this.#history[index]);
  }

  /** While true, submitted lines stay out of the history (a password being typed). */
  set secret(on: boolean) {
    this.#secret = on;
  }

  #submit(): EditorAction {
    // A paste that ended with a line break does not send an empty last line.
    const line = this.#text.includes("\n") ? this.#text.replace(/\n+$/, "") : this.#text;
    if (!this.#secret && line.trim() !== "" && this.#history[this.#history.length - 1] !== line) {
      this.#history.push(line);
      if (this.#history.length > this.#maxHistory) this.#history.shift();
    }
    this.#historyIndex = this.#history.length;
    this.#draft = "";
    this.#text = "";
    this.#cursor = 0;
    this.#viewStart = 0;
    return { type: "submit", line };
  }

  /**
   * The visible part of the text in `columns` columns (scrolled horizontally
   * so the cursor is always visible) and the cursor's column within it.
   */
  view(columns: number): { text: SafeText; cursorColumn: number } {
    const g = graphemes(this.#text).map((x) => x === "\n" ? NEWLINE_MARK : x);
    const widths = g.map(graphemeWidth);
    const room = Math.max(1, columns - 1);
    if (this.#cursor < this.#viewStart) this.#viewStart = this.#cursor;
    const widthBetween = (a: number, b: number) => {
      let w = 0;
      for (let k = a; k < b; k++) w += widths[k];
      return w;
    };
    while (this.#viewStart < this.#cursor && widthBetween(this.#viewStart, this.#cursor) > room) {
      this.#viewStart++;
    }
    // Keep as much text as fits when the line got shorter.
    while (this.#viewStart > 0 && widthBetween(this.#viewStart - 1, g.length) <= room) {
      this.#viewStart--;
    }
    let text = "";
    let w = 0;
    for (let k = this.#viewStart; k < g.length; k++) {
      if (w + widths[k] > room) break;
      w += widths[k];
      text += g[k];
    }
    // The text was sanitised as it was inserted; line breaks are shown as marks.
    return { text: text as SafeText, cursorColumn: widthBetween(this.#viewStart, this.#cursor) };
  }
}
