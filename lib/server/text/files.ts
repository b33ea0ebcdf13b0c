/**
 * The file port's part of the server catalogue: its refusals (PROTOCOL.md
 * section 6), the limits against a hostile LAN (upload limits, full disk)
 * and the file log lines (`log_<kind>`, lib/server/log_event.ts).
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** The file server's part of the server catalogue. */
export const filesText = {
  // Refusals of the file port (PROTOCOL.md sections 3 and 6).
  request_timeout: {
    es: "No llegó ninguna petición a tiempo: conexión cerrada",
    en: "No request arrived in time: connection closed",
  },
  unauthorized: {
    es: "Sesión no válida: conéctate al chat primero",
    en: "Invalid session: join the chat first",
  },
  v1_disabled: {
    es: "Este servidor no acepta subidas v1",
    en: "This server does not accept v1 uploads",
  },
  bad_filename: {
    es: "Nombre de archivo no válido: {detail}",
    en: "Invalid file name: {detail}",
  },
  bad_file_id: { es: "Identificador de archivo no válido", en: "Invalid file id" },
  file_exists: {
    es: "Ese identificador ya existe: {detail}",
    en: "That file id exists: {detail}",
  },
  upload_too_large: {
    es: "Tamaño no válido o mayor que el máximo por archivo ({limit}): {detail}",
    en: "Size invalid or over the largest file allowed ({limit}): {detail}",
  },
  quota_exceeded: {
    es: "No queda sitio en el servidor para {detail}",
    en: "No room left on the server for {detail}",
  },
  size_mismatch: {
    es: "Se recibieron {got} bytes de {size} anunciados",
    en: "Received {got} bytes of {size} announced",
  },
  size_extra: {
    es: "Llegaron más bytes de los anunciados",
    en: "More bytes arrived than announced",
  },
  hash_mismatch: {
    es: "El SHA-256 no coincide: el archivo llegó dañado",
    en: "SHA-256 mismatch: the file arrived damaged",
  },
  upload_not_found: {
    es: "No existe esa subida para reanudar: {detail}",
    en: "No such upload to resume: {detail}",
  },
  resume_size: {
    es: "El tamaño no coincide con el de la subida a reanudar: {detail}",
    en: "Size differs from the upload being resumed: {detail}",
  },
  upload_running: {
    es: "Esa subida sigue en curso; reinténtalo en unos segundos",
    en: "That upload is still running; try again in a few seconds",
  },
  server_error: { es: "Error interno del servidor", en: "Internal server error" },
  // Pinned in English in both languages: original (v1) clients compare these
  // messages as strings (PROTOCOL.md section 3).
  v1_unknown_request: { es: "unknown request", en: "unknown request" },
  v1_file_not_found: { es: "file not found", en: "file not found" },

  // Limits added for a hostile LAN (issue 7).
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
