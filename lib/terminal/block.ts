/**
 * The interactive terminal's screen, as pure functions of its state.
 *
 * The bottom of the screen holds a "block": one row per running transfer,
 * then the prompt row, with the cursor on the prompt row. {@link layoutBlock}
 * computes the block from the state; {@link drawBlock} draws it from the
 * start of its first row; {@link eraseBlock} removes it (CR, cursor up, erase
 * below) so that printed lines take its place; {@link updateBlock} turns the
 * block on screen into a new one, redrawing only from the first row that
 * changed. The prompt row scrolls horizontally, so the block's height is
 * always known.
 *
 * The optional pane at the top of the screen (the terminal video view) is
 * drawn by {@link openPane}, {@link paneRows} and {@link closePane}; the chat
 * scrolls below it, in a scroll region.
 *
 * @example
 * ```ts
 * import { drawBlock, layoutBlock, updateBlock } from "./block.ts";
 * const line = { text: "hola", cursorColumn: 4 };
 * const before = layoutBlock({ bars: [], prompt: "> ", promptWidth: 2, line, columns: 80 });
 * drawBlock(before); // "> hola\r\x1b[6C"
 * updateBlock(before, before); // "" (nothing changed)
 * ```
 *
 * @module
 */

import { CSI, ESC } from "./style.ts";

/** What the block shows. */
export interface BlockState {
  /** One rendered progress line per running transfer. */
  bars: readonly string[];
  /** The prompt, possibly styled. */
  prompt: string;
  /** Columns the prompt takes on screen. */
  promptWidth: number;
  /** The visible part of the line being typed and the cursor's column in it. */
  line: { text: string; cursorColumn: number };
  /** The terminal's width when the block was laid out. */
  columns: number;
}

/** A block laid out: its rows, top to bottom, and where the cursor goes on the last. */
export interface Block {
  /** The rows, top to bottom; the last is the prompt row. */
  readonly rows: readonly string[];
  /** The cursor's column on the prompt row. */
  readonly cursorColumn: number;
  /** The terminal's width it was laid out for (a change forces a whole redraw). */
  readonly columns: number;
}

/** Hides the cursor while the screen changes. */
export const HIDE_CURSOR = `${CSI}?25l`;
/** Shows the cursor again. */
export const SHOW_CURSOR = `${CSI}?25h`;

/** Lays the block out: progress rows, then the prompt row. */
export function layoutBlock(state: BlockState): Block {
  return {
    rows: [...state.bars, state.prompt + state.line.text],
    cursorColumn: state.promptWidth + state.line.cursorColumn,
    columns: state.columns,
  };
}

/** Draws rows from the start of the current row and puts the cursor in place. */
function drawRows(rows: readonly string[], cursorColumn: number): string {
  return rows.join("\r\n") + "\r" + (cursorColumn > 0 ? `${CSI}${cursorColumn}C` : "");
}

/** Draws a whole block from the start of the current row. */
export function drawBlock(block: Block): string {
  return drawRows(block.rows, block.cursorColumn);
}

/** CR, up to the first row of a block of `height` rows, erase to the end of the screen. */
export function eraseBlock(height: number): string {
  const up = height - 1;
  return `\r${up > 0 ? `${CSI}${up}A` : ""}${CSI}J`;
}

/**
 * What turns `drawn` (on screen, cursor on its last row) into `next`:
 * nothing when they are equal, a redraw from the first changed row when only
 * rows changed, and a whole redraw when the height or the width changed.
 */
export function updateBlock(drawn: Block, next: Block): string {
  const n = next.rows.length;
  if (drawn.rows.length !== n || drawn.columns !== next.columns) {
    return HIDE_CURSOR + eraseBlock(drawn.rows.length) + drawBlock(next) + SHOW_CURSOR;
  }
  let first = 0;
  while (first < n && drawn.rows[first] === next.rows[first]) first++;
  if (first === n) {
    // Equal rows: at most the cursor moved along the prompt row.
    return drawn.cursorColumn === next.cursorColumn ? "" : drawRows([], next.cursorColumn);
  }
  const changed = next.rows.slice(first);
  return HIDE_CURSOR + eraseBlock(n - first) + drawRows(changed, next.cursorColumn) + SHOW_CURSOR;
}

/**
 * Establishes a pane of `paneRows` rows at the top of a screen of
 * `screenRows` rows (after the block was erased): clears the rows a taller
 * previous pane (`oldRows`) used, sets the scroll region below the pane and
 * puts the cursor on the last row, where the block is drawn next.
 */
export function openPane(oldRows: number, paneRows: number, screenRows: number): string {
  let s = "";
  for (let r = paneRows + 1; r <= oldRows; r++) s += `${CSI}${r};1H${CSI}2K`;
  s += paneRows > 0 ? `${CSI}${paneRows + 1};${screenRows}r` : `${CSI}r`;
  return s + `${CSI}${screenRows};1H`;
}

/** Paints the pane's lines at the top of the screen, leaving the cursor where it was. */
export function paneRows(lines: readonly string[]): string {
  let s = `${ESC}7`;
  for (let r = 0; r < lines.length; r++) s += `${CSI}${r + 1};1H${CSI}2K${lines[r]}${CSI}0m`;
  return s + `${ESC}8`;
}

/**
 * Removes a pane of `paneRows` rows (after the block was erased): the whole
 * screen scrolls again, the pane's rows are cleared and the cursor goes to
 * the last row, where the block is drawn next.
 */
export function closePane(paneRows: number, screenRows: number): string {
  let s = `${CSI}r`;
  for (let r = 1; r <= paneRows; r++) s += `${CSI}${r};1H${CSI}2K`;
  return s + `${CSI}${screenRows};1H`;
}
