/**
 * Part of the client's one catalogue ({@link ../text.ts}): line tags, the session's events, local refusals and the help.
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** Client texts: line tags, the session's events, local refusals and the help. */
export const sessionText = {
  // Line tags. Pipe-mode output starts with them; tests and scripts match on them.
  tagSystem: { es: "[SISTEMA]", en: "[SYSTEM]" },
  tagFile: { es: "[ARCHIVO]", en: "[FILE]" },
  tagFiles: { es: "[ARCHIVOS]", en: "[FILES]" },
  tagCall: { es: "[LLAMADA]", en: "[CALL]" },
  tagTransfer: { es: "[TRANSFERENCIA]", en: "[TRANSFER]" },
  tagOk: { es: "[OK]", en: "[OK]" },
  tagError: { es: "[ERROR]", en: "[ERROR]" },

  // Session.
  welcome: {
    es: "Conectado a {host}:{port} como {name}. Escribe /help para ver los comandos",
    en: "Connected to {host}:{port} as {name}. Type /help to see the commands",
  },
  online: { es: "En línea ({count}): {names}", en: "Online ({count}): {names}" },
  filesMore: {
    es: "… y {count} más: escribe /files para verlos todos",
    en: "… and {count} more: type /files to see them all",
  },
  callRunning: {
    es: "Videollamada en curso ({names}) — escribe /call start para unirte",
    en: "Video call in progress ({names}) — type /call start to join",
  },
  joined: { es: "{name} se unió al chat", en: "{name} joined the chat" },
  left: { es: "{name} salió del chat", en: "{name} left the chat" },
  leftTimeout: {
    es: "{name} salió del chat (sin respuesta)",
    en: "{name} left the chat (no response)",
  },
  leftDropped: {
    es: "{name} salió del chat (desconectado por el servidor)",
    en: "{name} left the chat (disconnected by the server)",
  },
  shutdown: { es: "El servidor se está cerrando", en: "The server is shutting down" },
  noFiles: { es: "Todavía no se ha compartido ningún archivo", en: "No file has been shared yet" },
  filesHeader: { es: "{count} archivo(s) compartido(s):", en: "{count} shared file(s):" },
  fileShared: {
    es: "{from} compartió {filename} ({size}) — /download {id}",
    en: "{from} shared {filename} ({size}) — /download {id}",
  },
  fileListed: {
    es: "{from} compartió {filename} ({size}, {when}) — /download {id}",
    en: "{from} shared {filename} ({size}, {when}) — /download {id}",
  },

  // Local refusals and hints.
  messageTooLong: {
    es: "Mensaje demasiado largo: {bytes} bytes (máximo {max}). No se envió",
    en: "Message too long: {bytes} bytes (at most {max}). It was not sent",
  },
  unknownCommand: {
    es: "Comando desconocido: {command}. Escribe /help para ver los comandos",
    en: "Unknown command: {command}. Type /help to see the commands",
  },
  uploadUsage: {
    es: "Uso: /upload <ruta del archivo> (puedes arrastrar el archivo a la ventana)",
    en: "Usage: /upload <file path> (you can drag the file onto the window)",
  },
  downloadUsage: {
    es: "Uso: /download <id> (los ids aparecen en /files)",
    en: "Usage: /download <id> (ids are listed by /files)",
  },
  callUsage: {
    es: "Uso: /call start | /call stop | /call stats",
    en: "Usage: /call start | /call stop | /call stats",
  },
  quitWithTransfers: {
    es:
      "Hay {count} transferencia(s) en curso: escribe /quit otra vez (o Ctrl+C) para cancelarlas y salir",
    en: "{count} transfer(s) running: type /quit again (or Ctrl+C) to cancel them and quit",
  },
  waitingTransfers: {
    es: "Esperando a que terminen {count} transferencia(s)…",
    en: "Waiting for {count} transfer(s) to finish…",
  },

  // Help.
  help: {
    es: [
      "Comandos:",
      "  <texto>                 envía un mensaje a todos",
      "  /upload <ruta>          comparte un archivo (la ruta puede tener espacios o comillas)",
      "  /download <id>          descarga un archivo compartido a la carpeta de descargas",
      "  /files                  lista los archivos compartidos con su id",
      "  /who                    muestra quién está conectado",
      "  /call start             inicia o se une a la videollamada",
      "  /call stop              sale de la videollamada",
      "  /call stats             estadísticas del vídeo",
      "  /help                   esta ayuda",
      "  /quit                   salir (también Ctrl+C)",
      "  //texto                 envía un mensaje que empieza por /",
    ].join("\n"),
    en: [
      "Commands:",
      "  <text>                  sends a message to everyone",
      "  /upload <path>          shares a file (the path may have spaces or quotes)",
      "  /download <id>          downloads a shared file into the downloads folder",
      "  /files                  lists the shared files with their ids",
      "  /who                    shows who is connected",
      "  /call start             starts or joins the video call",
      "  /call stop              leaves the video call",
      "  /call stats             video statistics",
      "  /help                   this help",
      "  /quit                   quit (also Ctrl+C)",
      "  //text                  sends a message that starts with /",
    ].join("\n"),
  },
} satisfies Catalog;
