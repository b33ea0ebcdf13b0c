/**
 * Every user-facing text of the client (terminal, transfers, calls and the
 * call window), Spanish (default) and English, in one catalogue kept in parts
 * by topic under ./text/; plus the size/speed/duration formatting the client
 * prints. Use with `translator()` from lib/protocol/i18n.ts.
 *
 * @module
 */

import type { Catalog } from "../protocol/i18n.ts";
import { teacherClientText } from "./text/teacher.ts";
import { audioText } from "./text/audio.ts";
import { callText } from "./text/calls.ts";
import { failureText } from "./text/failures.ts";
import { labText } from "./text/lab.ts";
import { listingText } from "./text/listing.ts";
import { reconnectText } from "./text/reconnect.ts";
import { sessionText } from "./text/session.ts";
import { transferText } from "./text/transfers.ts";
import { uiText } from "./text/ui.ts";

/** The client's one catalog, kept in parts by topic under ./text/. */
export const clientText = {
  ...sessionText,
  ...transferText,
  ...callText,
  ...audioText,
  ...failureText,
  ...labText,
  ...reconnectText,
  ...uiText,
  ...listingText,
  ...teacherClientText,
} satisfies Catalog;

/** A key of {@link clientText}. */
export type ClientTextKey = keyof typeof clientText;

/** Byte counts for people (lib/protocol/sizes.ts), shared with the server. */
export { formatSize } from "../protocol/sizes.ts";

/** Formats seconds as `m:ss` or `h:mm:ss`; unknown (infinite/NaN) as `--:--`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/**
 * Formats a server timestamp (Unix ms) in local time for listings: `HH:MM` when
 * it is from the same day as `now`, else `DD/MM/YYYY HH:MM`; unknown (0) as `?`.
 */
export function formatWhen(ts: number, now = Date.now()): string {
  if (!(ts > 0)) return "?";
  const d = new Date(ts);
  const two = (n: number) => String(n).padStart(2, "0");
  const time = `${two(d.getHours())}:${two(d.getMinutes())}`;
  const today = new Date(now);
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() &&
    d.getDate() === today.getDate();
  return sameDay ? time : `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()} ${time}`;
}
