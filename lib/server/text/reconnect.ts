/**
 * The server's texts for reconnection (lib/server/room/resume.ts): the log
 * lines of a member whose connection vanished and of one that came back, and
 * the `--grace` flag's expected value. Spanish and English; spread into
 * `serverText` (lib/server/text.ts).
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** The reconnection part of the server catalogue. */
export const reconnectServerText = {
  log_reconnecting: {
    es: "{name} perdió la conexión; se le espera antes de anunciar su salida",
    en: "{name} lost the connection; waiting before announcing the leave",
  },
  log_reconnected: { es: "{name} volvió a conectarse", en: "{name} reconnected" },
  expectGrace: {
    es: "segundos, de 0 (sin espera) a 3600",
    en: "seconds, from 0 (no wait) to 3600",
  },
} satisfies Catalog;
