/**
 * The file port's part of the server catalogue: refusals added for a
 * hostile LAN (upload limits, full disk) and the file log lines
 * (`log_<kind>`, lib/server/log_event.ts).
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** The file server's part of the server catalogue. */
export const filesText = {
  too_many_files: {
    es: "Ya tienes {limit} archivos compartidos: no se admiten más",
    en: "You already share {limit} files: no more are accepted",
  },
  v1_too_many_files: {
    es: "Demasiadas subidas sin anunciar desde esta dirección (máximo {limit})",
    en: "Too many unannounced uploads from this address (at most {limit})",
  },
  upload_rate_limited: {
    es: "Demasiadas subidas seguidas (máximo {limit} por minuto): espera un poco",
    en: "Too many uploads in a row (at most {limit} a minute): wait a little",
  },
  too_many_uploads: {
    es: "Tienes demasiadas subidas en curso (máximo {limit}): espera a que terminen",
    en: "You have too many uploads running (at most {limit}): wait for them to finish",
  },
  disk_full: {
    es: "El disco del servidor está lleno: avisa al profesor",
    en: "The server's disk is full: tell the teacher",
  },
  log_disk_full: {
    es: "¡Disco lleno! Subida de «{name}» cancelada: necesitaba {needed}, quedan {free}",
    en: "Disk full! Upload of «{name}» cancelled: it needed {needed}, {free} left",
  },
  log_v1_uploaded: {
    es: "Subida v1 sin sesión desde {ip}: «{name}» ({size}, id {id})",
    en: "v1 upload without a session from {ip}: «{name}» ({size}, id {id})",
  },
  log_v1_expired: {
    es: "Borrada una subida v1 nunca anunciada en la sala: «{name}» de {ip} (id {id})",
    en: "Deleted a v1 upload never announced in the room: «{name}» from {ip} (id {id})",
  },
  log_orphans_removed: {
    es: "Borrados {count} archivos sin índice de una parada brusca",
    en: "Removed {count} unindexed files left by an abrupt stop",
  },
  log_file_error: {
    es: "Error interno en el puerto de archivos ({ip}): {error}",
    en: "Internal error on the file port ({ip}): {error}",
  },
} satisfies Catalog;
