/**
 * The relay's counters as human lines, for the server's shutdown report or a
 * log, in the server's language (texts in lib/server/text.ts).
 *
 * @module
 */

import { type Lang, translator } from "../../protocol/i18n.ts";
import { serverText } from "../text.ts";
import { DROP_REASONS, type RelayStats } from "./types.ts";

/** Relay counters plus the socket's own error counts. */
export interface MediaServerStats extends RelayStats {
  /** Sends that failed (unreachable peer, closed socket). */
  sendErrors: number;
  /** Receive calls that failed and were retried. */
  receiveErrors: number;
}

/**
 * Human lines describing relay stats: a summary, the drops by reason (only
 * when some), one line per bound member, and network errors (only when
 * some). Drop reasons keep their protocol names (they are counters, not prose).
 *
 * @example
 * ```ts
 * import { formatRelayStats } from "./report.ts";
 * import { DROP_REASONS, type RelayDropReason } from "./types.ts";
 * const dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<RelayDropReason, number>;
 * const stats = { received: 0, sent: 0, frames: 0, audio: 0, expired: 0, dropped, droppedTotal: 0, members: [], sendErrors: 0, receiveErrors: 0 };
 * formatRelayStats(stats, "en");
 * // ["Video relay: 0 datagrams received, 0 frames forwarded to 0 destinations, 0 dropped"]
 * ```
 */
export function formatRelayStats(stats: MediaServerStats, lang: Lang): string[] {
  const t = translator(serverText, lang);
  const lines = [t("relaySummary", {
    received: stats.received,
    frames: stats.frames,
    sent: stats.sent,
    dropped: stats.droppedTotal,
  })];
  const nonZero = DROP_REASONS.filter((r) => stats.dropped[r] > 0);
  if (nonZero.length > 0) {
    lines.push(
      t("relayDrops", { list: nonZero.map((r) => `${r}=${stats.dropped[r]}`).join(", ") }),
    );
  }
  for (const m of stats.members) {
    lines.push(t("relayMember", {
      name: m.name,
      id: m.clientId,
      protocol: m.protocol,
      address: m.address,
      in: m.framesIn,
      out: m.framesOut,
    }));
  }
  if (stats.sendErrors > 0 || stats.receiveErrors > 0) {
    lines.push(t("relayErrors", { send: stats.sendErrors, receive: stats.receiveErrors }));
  }
  return lines;
}
