/**
 * The server's texts for calls (lib/server/room/call.ts): the log lines of a
 * call that begins and one that ends. Spanish and English; spread into
 * `serverText` (lib/server/text.ts).
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** The call part of the server catalogue. */
export const callsServerText = {
  log_call_started: {
    es: "{by} inició una llamada",
    en: "{by} started a call",
  },
  log_call_ended: { es: "La llamada terminó", en: "The call ended" },
} satisfies Catalog;
