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
 * The optional pane at the bottom of the screen (the terminal video view) is
 * drawn by {@link openPane}, {@link paneRows} and {@link closePane}; the chat
 * scrolls above it, in a scroll region, and keeps what it showed before.
 *
 * @example
 * ```ts
 * import { safe, trusted } from "../protocol/safe_text.ts";
 * import { drawBlock, layoutBlock, updateBlock } from "./block.ts";
 * const line = { text: safe("hola"), cursorColumn: 4 };
 * const prompt = trusted("> ");
 * const before = layoutBlock({ bars: [], prompt, promptWidth: 2, line, columns: 80 });
 * drawBlock(before); // "> hola\r\x1b[6C"
 * updateBlock(before, before); // "" (nothing changed)
 * ```
 *
 * @module
 */

import { joinSafe, type SafeText, safeText, trusted } from "../protocol/safe_text.ts";
import { CSI, ESC } from "./style.ts";

/** What the block shows. */
export interface BlockState {
  /** One rendered progress line per running transfer. */
  bars: readonly SafeText[];
  /** The prompt, possibly styled. */
  prompt: SafeText;
  /** Columns the prompt takes on screen. */
  promptWidth: number;
  /** The visible part of the line being typed and the cursor's column in it. */
  line: { text: SafeText; cursorColumn: number };
  /** The terminal's width when the block was laid out. */
  columns: number;
}

/** A block laid out: its rows, top to bottom, and where the cursor goes on the last. */
export interface Block {
  /** The rows, top to bottom; the last is the prompt row. */
  readonly rows: readonly SafeText[];
  /** The cursor's column on the prompt row. */
  readonly cursorColumn: number;
  /** The terminal's width it was laid out for (a change forces a whole redraw). */
  readonly columns: number;
}

/** Hides the cursor while the screen changes. */
export const HIDE_CURSOR: SafeText = safeText`${CSI}?25l`;
/** Shows the cursor again. */
export const SHOW_CURSOR: SafeText = safeText`${CSI}?25h`;

/** Lays the block out: progress rows, then the prompt row. */
export function layoutBlock(state: BlockState): Block {
  return {
    rows: [...state.bars, safeText`${state.prompt}${state.line.text}`],
    cursorColumn: state.promptWidth + state.line.cursorColumn,
    columns: state.columns,
  };
}

/** Draws rows from the start of the current row and puts the cursor in place. */
function drawRows(rows: readonly SafeText[], cursorColumn: number): SafeText {
  const right = cursorColumn > 0 ? safeText`${CSI}${cursorColumn}C` : trusted("");
  return safeText`${joinSafe(rows, "\r\n")}\r${right}`;
}

/** Draws a whole block from the start of the current row. */
export function drawBlock(block: Block): SafeText {
  return drawRows(block.rows, block.cursorColumn);
}

/** CR, up to the first row of a block of `height` rows, erase to the end of the screen. */
export function eraseBlock(height: number): SafeText {
  const up = height - 1;
  return safeText`\r${up > 0 ? safeText`${CSI}${up}A` : trusted("")}${CSI}J`;
}

/**
 * What turns `drawn` (on screen, cursor on its last row) into `next`:
 * nothing when they are equal, a redraw from the first changed row when only
 * rows changed, and a whole redraw when the height or the width changed.
 */
export function updateBlock(drawn: Block, next: Block): SafeText {
  const n = next.rows.length;
  if (drawn.rows.length !== n || drawn.columns !== next.columns) {
    return safeText`${HIDE_CURSOR}${eraseBlock(drawn.rows.length)}${drawBlock(next)}${SHOW_CURSOR}`;
  }
  let first = 0;
  while (first < n && drawn.rows[first] === next.rows[first]) first++;
  if (first === n) {
    // Equal rows: at most the cursor moved along the prompt row.
    return drawn.cursorColumn === next.cursorColumn ? trusted("") : drawRows([], next.cursorColumn);
  }
  const changed = drawRows(next.rows.slice(first), next.cursorColumn);
  return safeText`${HIDE_CURSOR}${eraseBlock(n - first)}${changed}${SHOW_CURSOR}`;
}

/**
 * Opens a pane of `paneRows` rows at the BOTTOM of a screen of `screenRows`
 * rows, below the chat (called after the block was erased, with no pane on
 * screen). Line feeds first scroll the chat up by as much as the pane needs,
 * so no line on screen is painted over (the top ones go to the scrollback);
 * then the scroll region is set to the rows above the pane. The cursor ends
 * in the chat region, where the block is drawn next.
 */
export function openPane(paneRows: number, screenRows: number): SafeText {
  if (paneRows <= 0) return trusted("");
  const chatRows = screenRows - paneRows;
  return safeText`${
    trusted("\n".repeat(paneRows))
  }${CSI}${paneRows}A${ESC}7${CSI}1;${chatRows}r${ESC}8`;
}

/**
 * Paints the pane's lines on the bottom `lines.length` rows of a screen of
 * `screenRows` rows, leaving the cursor where it was. The lines are the video
 * view's own (colours and block characters; names passed through `safe()`).
 */
export function paneRows(lines: readonly SafeText[], screenRows: number): SafeText {
  const first = screenRows - lines.length + 1;
  let s = safeText`${ESC}7`;
  for (let r = 0; r < lines.length; r++) {
    s = safeText`${s}${CSI}${first + r};1H${CSI}2K${lines[r]}${CSI}0m`;
  }
  return safeText`${s}${ESC}8`;
}

/**
 * Removes a pane of `paneRows` rows from the bottom of a screen of
 * `screenRows` rows (after the block was erased): the whole screen scrolls
 * again and the pane's rows are cleared, so no frozen frame stays behind;
 * the cursor stays where the block is drawn next.
 */
export function closePane(paneRows: number, screenRows: number): SafeText {
  let s = safeText`${ESC}7${CSI}r`;
  for (let r = Math.max(1, screenRows - paneRows + 1); r <= screenRows; r++) {
    s = safeText`${s}${CSI}${r};1H${CSI}2K`;
  }
  return safeText`${s}${ESC}8`;
}
