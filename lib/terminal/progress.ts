/**
 * The progress line of one transfer, drawn by the interactive terminal above
 * its prompt. Pure: the clock is a parameter.
 *
 * @example
 * ```ts
 * import { clientText } from "../client/text.ts";
 * import { translator } from "../protocol/i18n.ts";
 * import { renderProgress } from "./progress.ts";
 * const t = translator(clientText, "en");
 * const info = { id: 1, kind: "upload" as const, label: "a.iso", done: 50, total: 100, started: 0 };
 * renderProgress(info, { t, now: 1000, columns: 80, color: false });
 * // "↑ a.iso [██████████░░░░░░░░░░] 50% ..."
 * ```
 *
 * @module
 */

import type { TransferInfo } from "../client/events.ts";
import { formatDuration, formatSize } from "../client/text.ts";
import { safe, type SafeText } from "../protocol/safe_text.ts";
import { safeTranslator, type Translate } from "./safe_translate.ts";
import { sgr } from "./style.ts";
import { truncate } from "./width.ts";

/** Cells of the bar between its brackets. */
const BAR_WIDTH = 20;
/** Columns the file name may take. */
const NAME_COLUMNS = 28;

/** What {@link renderProgress} needs besides the transfer. */
export interface ProgressOptions {
  /** The texts, in the user's language. */
  t: Translate;
  /** The current time in ms (same clock as `TransferInfo.started`). */
  now: number;
  /** The terminal's width. */
  columns: number;
  /** Cyan (interactive) or plain text. */
  color: boolean;
}

/**
 * One progress line: arrow, name, bar, percent, bytes, speed, time left.
 * Speed is the average since the start. Cut to `columns - 1` columns so the
 * terminal never wraps it.
 */
export function renderProgress(info: TransferInfo, options: ProgressOptions): SafeText {
  const elapsed = Math.max(0.001, (options.now - info.started) / 1000);
  const speed = info.done / elapsed;
  const total = info.total;
  const fraction = total > 0 ? Math.min(1, info.done / total) : 0;
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = "[" + "█".repeat(filled) + "░".repeat(BAR_WIDTH - filled) + "]";
  const eta = total > 0 && speed > 0 ? (total - info.done) / speed : Infinity;
  const text = safeTranslator(options.t)("progress", {
    arrow: safe(info.kind === "upload" ? "↑" : "↓"),
    filename: safe(truncate(safe(info.label), NAME_COLUMNS)),
    bar: safe(bar),
    percent: total > 0 ? Math.floor(fraction * 100) : 0,
    done: safe(formatSize(info.done)),
    total: safe(total > 0 ? formatSize(total) : "?"),
    speed: safe(formatSize(speed)),
    eta: safe(formatDuration(eta)),
  });
  const line = truncate(text, Math.max(1, options.columns - 1)) as SafeText;
  return sgr("36", line, options.color);
}
