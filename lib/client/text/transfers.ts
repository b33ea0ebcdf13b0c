/**
 * Part of the client's one catalogue ({@link ../text.ts}): uploads, downloads and their progress.
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** Client texts: uploads, downloads and their progress. */
export const transferText = {
  // Transfers.
  uploadStart: { es: "Subiendo {filename}…", en: "Uploading {filename}…" },
  downloadStart: { es: "Descargando {filename}…", en: "Downloading {filename}…" },
  uploadDone: {
    es: "Subido: {filename} ({size}, SHA-256 verificado) — /download {id}",
    en: "Uploaded: {filename} ({size}, SHA-256 verified) — /download {id}",
  },
  downloadDone: {
    es: "Descargado: {path} ({size}, SHA-256 verificado)",
    en: "Downloaded: {path} ({size}, SHA-256 verified)",
  },
  uploadResuming: {
    es: "Se cortó la subida de {filename}; se reanuda donde quedó (intento {attempt})",
    en: "The upload of {filename} was cut; resuming where it stopped (attempt {attempt})",
  },
  downloadResuming: {
    es: "Se cortó la descarga de {filename}; se reanuda donde quedó (intento {attempt})",
    en: "The download of {filename} was cut; resuming where it stopped (attempt {attempt})",
  },
  uploadFailed: {
    es: "No se pudo subir {filename}: {reason}",
    en: "Could not upload {filename}: {reason}",
  },
  downloadFailed: {
    es: "No se pudo descargar {filename}: {reason}",
    en: "Could not download {filename}: {reason}",
  },
  progress: {
    es: "{arrow} {filename} {bar} {percent}%  {done}/{total}  {speed}/s  quedan {eta}",
    en: "{arrow} {filename} {bar} {percent}%  {done}/{total}  {speed}/s  {eta} left",
  },
  file_missing: {
    es: "el archivo no existe (revisa la ruta)",
    en: "the file does not exist (check the path)",
  },
  not_a_file: { es: "no es un archivo normal", en: "it is not a regular file" },
  connect_failed: {
    es:
      "no se pudo conectar al puerto de archivos del servidor. ¿Abriste los puertos con configurar_firewall.ps1?",
    en:
      "could not connect to the server's file port. Did you open the ports with configurar_firewall.ps1?",
  },
  connection_lost: {
    es: "se perdió la conexión; vuelve a intentarlo",
    en: "the connection was lost; try again",
  },
  hash_mismatch: {
    es: "el SHA-256 no coincide (datos dañados); vuelve a intentarlo",
    en: "the SHA-256 does not match (corrupted data); try again",
  },
  bad_reply: { es: "respuesta inesperada del servidor", en: "unexpected reply from the server" },
  not_found: {
    es: "no hay ningún archivo con ese id (escribe /files)",
    en: "there is no file with that id (type /files)",
  },
  cancelled: { es: "cancelado", en: "cancelled" },
  stalled: {
    es: "el servidor dejó de enviar o recibir datos durante un minuto; vuelve a intentarlo",
    en: "the server stopped sending or receiving data for a minute; try again",
  },
  unavailable: {
    es: "las transferencias no están disponibles en este cliente",
    en: "transfers are not available in this client",
  },
} satisfies Catalog;
