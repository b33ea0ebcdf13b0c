/**
 * Terminal view of a call: each participant's latest frame drawn with
 * truecolor upper-half-block characters (▀: foreground = top pixel,
 * background = bottom pixel, so one cell shows two pixel rows), tiles side
 * by side with the name above.
 *
 * {@link render} is pure (decoded images in, lines out); {@link TerminalView}
 * decodes only the latest JPEG of each participant and repaints a few times
 * a second at most, through the `paint()`/`paneSize()` callbacks the terminal
 * client gives.
 *
 * @module
 */
import jpeg from "jpeg-js";
import { type Clock, systemClock, type TimerId } from "../protocol/clock.ts";
import { safe, type SafeText } from "../protocol/safe_text.ts";

/** A decoded image: RGBA bytes, row by row. */
export interface DecodedImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One tile to draw. `image: null` shows `note` (e.g. "sin vídeo") instead. */
export interface TerminalTile {
  name: string;
  image: DecodedImage | null;
  note?: string;
}

/** Size of the pane in terminal cells. */
export interface PaneSize {
  columns: number;
  rows: number;
}

/** Narrowest tile drawn; more participants than fit are left out. */
export const MIN_TILE_COLUMNS = 8;

const RESET = "\x1b[0m";
const HALF = "▀";

/**
 * Decodes a JPEG into RGBA; undefined for anything that is not a decodable
 * JPEG or is over 4 megapixels (hostile frames must not eat memory).
 */
export function decodeJpeg(bytes: Uint8Array): DecodedImage | undefined {
  try {
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: 4,
      maxMemoryUsageInMB: 64,
    });
    if (!img.width || !img.height) return undefined;
    return { width: img.width, height: img.height, data: img.data as Uint8Array };
  } catch {
    return undefined;
  }
}

/** Cuts or pads `text` (sanitised) to exactly `width` cells (centered), one cell per code point. */
function fit(text: string, width: number): string {
  const chars = [...safe(text)];
  if (chars.length > width) return chars.slice(0, Math.max(0, width - 1)).join("") + "…";
  const left = Math.floor((width - chars.length) / 2);
  return " ".repeat(left) + chars.join("") + " ".repeat(width - chars.length - left);
}

/**
 * Draws the tiles into exactly `size.rows` lines of `size.columns` cells
 * (fewer tiles when they do not fit); every line ends with a colour reset.
 * Returns no lines when the pane is too small to show anything.
 */
export function render(tiles: TerminalTile[], size: PaneSize): SafeText[] {
  const columns = Math.floor(size.columns);
  const rows = Math.floor(size.rows);
  if (rows < 2 || columns < MIN_TILE_COLUMNS || tiles.length === 0) return [];
  const fitCount = Math.max(1, Math.floor((columns + 1) / (MIN_TILE_COLUMNS + 1)));
  const shown = tiles.slice(0, fitCount);
  const n = shown.length;
  const tileW = Math.floor((columns - (n - 1)) / n);
  const imgRows = rows - 1;
  const lines: string[] = [];
  const used = n * tileW + (n - 1);
  const tail = " ".repeat(columns - used);
  lines.push(shown.map((t) => fit(t.name, tileW)).join(" ") + tail + RESET);
  const cells = shown.map((t) => tileCells(t, tileW, imgRows));
  for (let r = 0; r < imgRows; r++) {
    lines.push(cells.map((c) => c[r]).join(RESET + " ") + RESET + tail);
  }
  // Names and notes went through safe() in fit(); the rest is the view's own colours and cells.
  return lines as SafeText[];
}

/** The `imgRows` strings of one tile, each `tileW` cells wide. */
function tileCells(tile: TerminalTile, tileW: number, imgRows: number): string[] {
  const blank = " ".repeat(tileW);
  const out: string[] = new Array(imgRows).fill(blank);
  const img = tile.image;
  if (!img) {
    if (tile.note) out[Math.floor((imgRows - 1) / 2)] = fit(tile.note, tileW);
    return out;
  }
  const scale = Math.min(tileW / img.width, (2 * imgRows) / img.height);
  const dw = Math.max(1, Math.min(tileW, Math.round(img.width * scale)));
  let dh = Math.max(2, Math.min(2 * imgRows, Math.round(img.height * scale)));
  dh -= dh % 2;
  const left = Math.floor((tileW - dw) / 2);
  const pad = " ".repeat(left);
  const padRight = " ".repeat(tileW - dw - left);
  const sample = (x: number, y: number): number => {
    const sx = Math.min(img.width - 1, Math.floor(((x + 0.5) * img.width) / dw));
    const sy = Math.min(img.height - 1, Math.floor(((y + 0.5) * img.height) / dh));
    return (sy * img.width + sx) * 4;
  };
  for (let r = 0; r < dh / 2; r++) {
    let line = pad;
    let lastFg = "";
    let lastBg = "";
    for (let x = 0; x < dw; x++) {
      const t = sample(x, 2 * r);
      const b = sample(x, 2 * r + 1);
      const d = img.data;
      const fg = `${d[t]};${d[t + 1]};${d[t + 2]}`;
      const bg = `${d[b]};${d[b + 1]};${d[b + 2]}`;
      if (fg !== lastFg) line += `\x1b[38;2;${fg}m`;
      if (bg !== lastBg) line += `\x1b[48;2;${bg}m`;
      lastFg = fg;
      lastBg = bg;
      line += HALF;
    }
    out[r] = line + RESET + padRight;
  }
  return out;
}

/** Options of {@link TerminalView}. */
export interface TerminalViewOptions {
  paint(lines: readonly SafeText[] | null): void;
  paneSize(): PaneSize;
  /** Repaints per second at most (default 4). */
  fps?: number;
  /** Timers of the repaint (default the real ones; tests drive a fake clock). */
  clock?: Clock;
}

/** One participant as the view shows it, in order. */
export interface ViewTile {
  id: number;
  name: string;
  /** Latest JPEG, or null for "no video". */
  jpeg: Uint8Array | null;
  note: string;
}

/** A throttled terminal painter; see the module docs. */
export class TerminalView {
  #options: TerminalViewOptions;
  #tiles: ViewTile[] = [];
  #decoded = new Map<number, { jpeg: Uint8Array; image: DecodedImage | undefined }>();
  #dirty = false;
  #clock: Clock;
  #timer: TimerId;
  #closed = false;
  #painted = false;

  constructor(options: TerminalViewOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    const every = Math.max(50, Math.round(1000 / (options.fps ?? 4)));
    this.#timer = this.#clock.setInterval(() => this.#tick(), every);
  }

  /** Replaces what is shown; drawn at the next tick. */
  update(tiles: ViewTile[]): void {
    if (this.#closed) return;
    this.#tiles = tiles;
    const ids = new Set(tiles.map((t) => t.id));
    for (const id of this.#decoded.keys()) if (!ids.has(id)) this.#decoded.delete(id);
    this.#dirty = true;
  }

  /** Draws now if something changed (the timer calls this). */
  #tick(): void {
    if (!this.#dirty || this.#closed) return;
    this.#dirty = false;
    const tiles: TerminalTile[] = this.#tiles.map((t) => {
      let image: DecodedImage | undefined;
      if (t.jpeg) {
        const cached = this.#decoded.get(t.id);
        if (cached && cached.jpeg === t.jpeg) image = cached.image;
        else {
          image = decodeJpeg(t.jpeg);
          this.#decoded.set(t.id, { jpeg: t.jpeg, image });
        }
      }
      return { name: t.name, image: image ?? null, note: t.note };
    });
    let size: PaneSize;
    try {
      size = this.#options.paneSize();
    } catch {
      return;
    }
    const lines = render(tiles, size);
    try {
      if (lines.length === 0 && this.#painted) {
        this.#options.paint(null);
        this.#painted = false;
      } else if (lines.length > 0) {
        this.#options.paint(lines);
        this.#painted = true;
      }
    } catch { /* the terminal went away; nothing to do */ }
  }

  /** Stops repainting and clears the pane; safe twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearInterval(this.#timer);
    try {
      this.#options.paint(null);
    } catch { /* terminal gone */ }
  }
}
