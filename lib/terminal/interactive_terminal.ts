/**
 * Interactive mode (standard input is a terminal): a raw-mode line editor;
 * incoming lines are printed above the prompt without disturbing what is
 * being typed; names in stable colours; one progress bar per running
 * transfer; an optional pane at the bottom of the screen for the terminal
 * video view ({@link InteractiveTerminal.paint}), below the chat.
 *
 * The class keeps the state (prompt, line editor, running transfers, pane)
 * and what is on screen; what to write is computed from them by the pure
 * functions of `block.ts`, and a redraw only rewrites the rows that changed.
 *
 * @example
 * ```ts
 * import { InteractiveTerminal } from "./interactive_terminal.ts";
 * const term = new InteractiveTerminal({
 *   input: Deno.stdin.readable,
 *   output: Deno.stdout,
 *   lang: "es",
 *   size: () => Deno.consoleSize(),
 *   setRaw: (on) => Deno.stdin.setRaw(on),
 * });
 * term.setName("Ana");
 * await term.close();
 * ```
 *
 * @module
 */

import type { ClientEvent, TransferInfo } from "../client/events.ts";
import { clientText } from "../client/text.ts";
import { type Clock, systemClock, type TimerId } from "../protocol/clock.ts";
import { translator } from "../protocol/i18n.ts";
import { safe, type SafeText, safeText, trusted } from "../protocol/safe_text.ts";
import {
  type Block,
  closePane,
  drawBlock,
  eraseBlock,
  HIDE_CURSOR,
  layoutBlock,
  openPane,
  paneRows,
  SHOW_CURSOR,
  updateBlock,
} from "./block.ts";
import { abortable, type InputItem, textChunks } from "./input.ts";
import { LineEditor } from "./line_editor.ts";
import { TerminalOutput } from "./output.ts";
import { renderProgress } from "./progress.ts";
import { type RenderContext, renderEvent } from "./render_event.ts";
import type { Translate } from "./safe_translate.ts";
import { CSI, OWN_NAME_STYLE, sgr } from "./style.ts";
import type { AskOptions, TerminalOptions, TerminalUi } from "./terminal_ui.ts";
import { displayWidth } from "./width.ts";

/** Options of {@link InteractiveTerminal}. */
export interface InteractiveOptions extends TerminalOptions {
  /** Terminal size (default 80x24). */
  size?: () => { columns: number; rows: number };
  /** Switches raw mode (Deno.stdin.setRaw); not called when absent. */
  setRaw?: (on: boolean) => void;
  /**
   * Time for transfer speeds and the timer that paces progress redraws
   * (default: `Date.now` and the global timers). Tests pass a fake clock so
   * a redraw happens when they move the time, without waiting.
   */
  clock?: TerminalClock;
  /**
   * Colours (default true). False when the user set `NO_COLOR`
   * (https://no-color.org): no SGR colour at all; the cursor movement that
   * keeps the prompt in place stays.
   */
  color?: boolean;
  /** Minimum ms between progress redraws (default 100: ten a second). */
  redrawMs?: number;
}

/** The clock of {@link InteractiveTerminal}: the part of a media clock it uses. */
export type TerminalClock = Pick<Clock, "now" | "setTimeout" | "clearTimeout">;

const CLEAR_SCREEN = safeText`${CSI}2J${CSI}H`;
/** Turns bracketed paste on: the terminal marks pasted text (see line_editor.ts). */
const PASTE_ON = safeText`${CSI}?2004h`;
/** Turns bracketed paste off again. */
const PASTE_OFF = safeText`${CSI}?2004l`;

/** The chat keeps at least this share of the screen's rows when the video pane is open. */
const MIN_CHAT_SHARE = 0.5;

/** A video pane on screen: its height and the screen size it was laid out for. */
interface Pane {
  rows: number;
  screenRows: number;
  columns: number;
}

/** The terminal of interactive mode (see the module documentation). */
export class InteractiveTerminal implements TerminalUi {
  #out: TerminalOutput;
  #ctx: RenderContext;
  #t: Translate;
  #options: InteractiveOptions;
  #editor = new LineEditor();
  #hidden = false;
  #chunks: AsyncGenerator<string>;
  #items: InputItem[] = [];
  #prompt: { styled: SafeText; width: number } = { styled: trusted("> "), width: 2 };
  #bars = new Map<number, TransferInfo>();
  /** The block on screen. */
  #drawn: Block;
  #lastDrawn = 0;
  #clock: TerminalClock;
  /** The pending progress redraw, if any. */
  #redrawTimer: TimerId | undefined;
  #pane: Pane | null = null;
  #raw = false;
  #closed = false;
  #stop = new AbortController();

  /** Enters raw mode (when `setRaw` is given) and draws the prompt. */
  constructor(options: InteractiveOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#out = new TerminalOutput(options.output);
    this.#t = translator(clientText, options.lang);
    this.#ctx = { t: this.#t, color: options.color ?? true, me: null };
    this.#chunks = textChunks(options.input, abortable(this.#stop.signal, options.signal));
    if (options.setRaw !== undefined) {
      options.setRaw(true);
      this.#raw = true;
    }
    this.#drawn = this.#layout();
    this.#out.write(safeText`${PASTE_ON}${drawBlock(this.#drawn)}`);
  }

  #size(): { columns: number; rows: number } {
    try {
      const s = this.#options.size?.() ?? { columns: 80, rows: 24 };
      return { columns: Math.max(10, s.columns), rows: Math.max(3, s.rows) };
    } catch {
      return { columns: 80, rows: 24 };
    }
  }

  /** The block the current state shows. */
  #layout(): Block {
    const { columns } = this.#size();
    const now = this.#clock.now();
    this.#lastDrawn = now;
    const bars = [...this.#bars.values()].map((info) =>
      renderProgress(info, { t: this.#t, now, columns, color: this.#ctx.color })
    );
    // A password being typed (ask hidden) shows nothing of what is typed.
    const line = this.#hidden
      ? { text: trusted(""), cursorColumn: 0 }
      : this.#editor.view(Math.max(1, columns - this.#prompt.width));
    return layoutBlock({
      bars,
      prompt: this.#prompt.styled,
      promptWidth: this.#prompt.width,
      line,
      columns,
    });
  }

  /** Erases the block on screen (the caller writes what takes its place, then {@link #draw}). */
  #erase(): SafeText {
    return eraseBlock(this.#drawn.rows.length);
  }

  /** Lays the block out again and draws it whole where the cursor is. */
  #draw(): SafeText {
    this.#drawn = this.#layout();
    return drawBlock(this.#drawn);
  }

  /** Brings the block on screen up to date with the state, rewriting only what changed. */
  #redraw(): void {
    if (this.#closed) return;
    const next = this.#layout();
    this.#out.write(updateBlock(this.#drawn, next));
    this.#drawn = next;
  }

  /** Sets the user's name: the prompt becomes `name> ` and the name is coloured as ours. */
  setName(name: string): void {
    this.#ctx.me = name;
    const plain = safe(name);
    const styled = sgr(OWN_NAME_STYLE, plain, this.#ctx.color);
    this.#setPrompt(safeText`${plain}> `, safeText`${styled}> `);
  }

  /** Sets the prompt: `plain` is measured, `styled` is drawn. */
  #setPrompt(plain: SafeText, styled: SafeText): void {
    const erase = this.#erase();
    this.#prompt = { styled, width: displayWidth(plain) };
    this.#out.write(safeText`${erase}${this.#draw()}`);
  }

  /** Puts `text` back into the line editor (cursor at its end) and redraws the prompt. */
  restoreLine(text: string): void {
    this.#editor.set(text);
    this.#redraw();
  }

  /** Prints lines above the block (they scroll up as usual), then draws the block again. */
  print(lines: readonly SafeText[]): void {
    if (lines.length === 0) return;
    const text = lines.join("\r\n");
    if (this.#closed) {
      this.#out.write(trusted(text + "\r\n"));
      return;
    }
    this.#out.write(
      trusted(`${HIDE_CURSOR}${this.#erase()}${text}\r\n${this.#draw()}${SHOW_CURSOR}`),
    );
  }

  /** Prints the event's lines; keeps one progress bar per running transfer. */
  show(event: ClientEvent): void {
    switch (event.type) {
      case "welcome":
        this.setName(event.welcome.name);
        break;
      case "transfer_start":
        this.#bars.set(event.transfer.id, event.transfer);
        break;
      case "transfer_progress":
        this.#bars.set(event.transfer.id, event.transfer);
        this.#scheduleRedraw();
        return;
      case "transfer_done":
      case "transfer_failed":
        this.#bars.delete(event.transfer.id);
        break;
      case "connection_lost": {
        // The prompt says it while the client retries; the line being typed stays.
        const offline = safeText`${safe(this.#ctx.me ?? "")} (${
          safe(this.#ctx.t("promptOffline"))
        })> `;
        this.#setPrompt(offline, offline);
        break;
      }
      case "reconnected":
        this.setName(event.welcome.name);
        break;
    }
    this.print(renderEvent(event, this.#ctx));
  }

  /** Redraws progress at most once per `redrawMs`. */
  #scheduleRedraw(): void {
    if (this.#redrawTimer !== undefined || this.#closed) return;
    const redrawMs = this.#options.redrawMs ?? 100;
    const wait = Math.max(0, this.#lastDrawn + redrawMs - this.#clock.now());
    this.#redrawTimer = this.#clock.setTimeout(() => {
      this.#redrawTimer = undefined;
      this.#redraw();
    }, wait);
  }

  /** Rows and columns the video pane may use. */
  paneSize(): { columns: number; rows: number } {
    const { columns, rows } = this.#size();
    const chatRows = Math.max(6, Math.ceil(rows * MIN_CHAT_SHARE));
    return { columns, rows: Math.max(0, rows - chatRows) };
  }

  /**
   * Draws `lines` in a pane at the bottom of the screen, below the chat
   * (which keeps what it showed and scrolls above, in a scroll region).
   * `null` removes the pane, clears its rows and gives the whole screen back
   * to the chat. Lines may carry SGR colours; each should fit
   * {@link paneSize}'s columns.
   */
  paint(lines: readonly SafeText[] | null): void {
    if (this.#closed) return;
    const { columns, rows } = this.#size();
    if (lines === null) {
      if (this.#pane === null) return;
      const erase = safeText`${this.#erase()}${closePane(this.#pane.rows, rows)}`;
      this.#pane = null;
      this.#out.write(safeText`${HIDE_CURSOR}${erase}${this.#draw()}${SHOW_CURSOR}`);
      return;
    }
    const shown = lines.slice(0, this.paneSize().rows);
    let s = HIDE_CURSOR;
    const pane = this.#pane;
    if (
      pane === null || pane.rows !== shown.length || pane.screenRows !== rows ||
      pane.columns !== columns
    ) {
      // (Re)establish the scroll region above the pane, then redraw the block.
      s = safeText`${s}${this.#erase()}`;
      if (pane !== null) s = safeText`${s}${closePane(pane.rows, rows)}`;
      this.#pane = shown.length > 0 ? { rows: shown.length, screenRows: rows, columns } : null;
      s = safeText`${s}${openPane(shown.length, rows)}${this.#draw()}`;
    }
    this.#out.write(safeText`${s}${paneRows(shown, rows)}${SHOW_CURSOR}`);
  }

  /** The next input item, feeding the editor and redrawing as keys arrive. */
  async #nextItem(): Promise<InputItem> {
    while (this.#items.length === 0) {
      const r = await this.#chunks.next();
      if (r.done) return { type: "eof" };
      let cleared = false;
      for (const a of this.#editor.feed(r.value)) {
        if (a.type === "submit") this.#items.push({ type: "line", line: a.line });
        else if (a.type === "interrupt") this.#items.push({ type: "interrupt" });
        else if (a.type === "eof") this.#items.push({ type: "eof" });
        else {
          this.#out.write(CLEAR_SCREEN);
          cleared = true;
        }
      }
      if (cleared && !this.#closed) {
        this.#out.write(safeText`${HIDE_CURSOR}${this.#erase()}${this.#draw()}${SHOW_CURSOR}`);
      } else this.#redraw();
    }
    return this.#items.shift()!;
  }

  /** Input items until end of input; commands are echoed above the prompt. */
  async *input(): AsyncGenerator<InputItem> {
    while (true) {
      const item = await this.#nextItem();
      // Messages come back from the server; commands would leave no trace without this echo.
      if (item.type === "line" && item.line.startsWith("/") && !item.line.startsWith("//")) {
        this.print([sgr("2", safe(`${this.#ctx.me ?? ""}> ${item.line}`), this.#ctx.color)]);
      }
      yield item;
      if (item.type === "eof") return;
    }
  }

  /** Asks for one non-blank line with its own prompt; `null` on Ctrl+C or end of input. */
  async ask(prompt: SafeText, options: AskOptions = {}): Promise<string | null> {
    const before = this.#prompt;
    this.#hidden = this.#editor.secret = options.hidden === true;
    this.#setPrompt(prompt, prompt);
    try {
      while (true) {
        const item = await this.#nextItem();
        if (item.type !== "line") return null;
        if (options.allowEmpty && item.line.trim() === "") return "";
        if (item.line.trim() !== "") {
          // A password is neither echoed nor trimmed (its spaces count).
          if (this.#hidden) return item.line;
          this.print([safeText`${prompt}${safe(item.line)}`]);
          return item.line.trim();
        }
      }
    } finally {
      this.#hidden = this.#editor.secret = false;
      this.#prompt = before;
      this.#redraw();
    }
  }

  /** Erases the block, gives the screen back, leaves raw mode and writes what is queued. Safe twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#redrawTimer !== undefined) this.#clock.clearTimeout(this.#redrawTimer);
    this.#redrawTimer = undefined;
    let s = this.#erase();
    if (this.#pane !== null) {
      // No frozen video frame may stay on screen above the shell's prompt.
      s = safeText`${s}${closePane(this.#pane.rows, this.#size().rows)}`;
      this.#pane = null;
    }
    this.#closed = true;
    this.#out.write(safeText`${s}${CSI}0m${SHOW_CURSOR}${PASTE_OFF}`);
    if (this.#raw) {
      try {
        this.#options.setRaw?.(false);
      } catch {
        // stdin already closed.
      }
      this.#raw = false;
    }
    this.#stop.abort();
    await this.#chunks.return(undefined);
    await this.#out.flush();
  }
}
