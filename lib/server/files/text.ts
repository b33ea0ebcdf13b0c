/**
 * Every user-facing text of the file port (the `message` of its error
 * frames), Spanish and English, in the shape of lib/server/text.ts so the
 * two catalogues can be merged key by key. Keys start with `file_` and name
 * the text, not the wire code: one code can have several texts (a
 * `size_mismatch` because bytes are missing, or because extra bytes came).
 *
 * Two texts are pinned in English in both languages on purpose: original
 * (v1) clients compare `message` with "file not found" and "unknown request"
 * (PROTOCOL.md section 3).
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** The file server's catalogue. */
export const fileServerText = {
  file_frame_too_large: { es: "Trama demasiado grande", en: "Frame too large" },
  file_bad_utf8: { es: "La trama no es UTF-8 válido", en: "Frame is not valid UTF-8" },
  file_bad_json: { es: "La trama no es JSON válido", en: "Frame is not valid JSON" },
  file_bad_message: { es: "Mensaje mal formado: {detail}", en: "Malformed message: {detail}" },
  file_not_object: {
    es: "La trama debe contener un objeto JSON",
    en: "Frame must hold a JSON object",
  },
  file_unknown_type: { es: "unknown request", en: "unknown request" },
  file_hello_timeout: {
    es: "No llegó ninguna petición a tiempo",
    en: "No request arrived in time",
  },
  file_too_many_connections: {
    es: "Demasiadas conexiones desde tu dirección",
    en: "Too many connections from your address",
  },
  file_server_shutdown: { es: "El servidor se está deteniendo", en: "The server is stopping" },
  file_bad_request: { es: "Petición no válida: {detail}", en: "Invalid request: {detail}" },
  file_unauthorized: {
    es: "Sesión no válida: conéctate al chat primero",
    en: "Invalid session: join the chat first",
  },
  file_v1_disabled: {
    es: "Este servidor no acepta subidas v1",
    en: "This server does not accept v1 uploads",
  },
  file_bad_filename: {
    es: "Nombre de archivo no válido: {detail}",
    en: "Invalid file name: {detail}",
  },
  file_bad_file_id: { es: "Identificador de archivo no válido", en: "Invalid file id" },
  file_exists: {
    es: "Ese identificador ya existe: {detail}",
    en: "That file id exists: {detail}",
  },
  file_upload_too_large: {
    es: "Tamaño no válido o por encima del límite ({limit} bytes): {detail}",
    en: "Size invalid or over the limit ({limit} bytes): {detail}",
  },
  file_quota_exceeded: {
    es: "No queda espacio en el servidor para {detail} bytes",
    en: "No room left on the server for {detail} bytes",
  },
  file_size_mismatch: {
    es: "Se recibieron {got} bytes de {size} anunciados",
    en: "Received {got} bytes of {size} announced",
  },
  file_size_extra: {
    es: "Llegaron más bytes de los anunciados",
    en: "More bytes arrived than announced",
  },
  file_hash_mismatch: {
    es: "El SHA-256 no coincide: el archivo llegó dañado",
    en: "SHA-256 mismatch: the file arrived damaged",
  },
  file_not_found: { es: "file not found", en: "file not found" },
  file_upload_not_found: {
    es: "No existe esa subida para reanudar: {detail}",
    en: "No such upload to resume: {detail}",
  },
  file_resume_size: {
    es: "El tamaño no coincide con el de la subida a reanudar: {detail}",
    en: "Size differs from the upload being resumed: {detail}",
  },
  file_upload_running: {
    es: "Esa subida sigue en curso; reinténtalo en unos segundos",
    en: "That upload is still running; try again in a few seconds",
  },
  file_server_error: { es: "Error interno del servidor", en: "Internal server error" },
} satisfies Catalog;

/** A key of {@link fileServerText}. */
export type FileTextKey = keyof typeof fileServerText;
