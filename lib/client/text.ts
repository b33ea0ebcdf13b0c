/**
 * Every user-facing text of the terminal client, Spanish (default) and
 * English, plus the size/speed/duration formatting the client prints. Use
 * with `translator()` from lib/protocol/i18n.ts.
 *
 * @module
 */

import type { Catalog } from "../protocol/i18n.ts";

/** The client's catalog. */
export const clientText = {
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

  // Calls.
  callFirst: {
    es: "{from} inició una videollamada — escribe /call start para unirte",
    en: "{from} started a video call — type /call start to join",
  },
  callJoin: { es: "{from} se unió a la videollamada", en: "{from} joined the video call" },
  callLeave: { es: "{from} salió de la videollamada", en: "{from} left the video call" },
  callLeaveTimeout: {
    es: "{from} salió de la videollamada (sin vídeo durante 10 s)",
    en: "{from} left the video call (no video for 10 s)",
  },
  callEnded: { es: "La videollamada terminó", en: "The video call ended" },
  callYouJoined: {
    es: "Estás en la videollamada con: {names}. /call stop para salir",
    en: "You are in the video call with: {names}. /call stop to leave",
  },
  callYouLeft: { es: "Saliste de la videollamada", en: "You left the video call" },
  callYouTimedOut: {
    es:
      "Saliste de la videollamada: el servidor no recibió tu vídeo en 10 s (¿cortafuegos UDP? configurar_firewall.ps1)",
    en:
      "You left the video call: the server got no video from you for 10 s (UDP firewall? configurar_firewall.ps1)",
  },
  callAlready: { es: "Ya estás en la videollamada", en: "You are already in the video call" },
  callNotIn: { es: "No estás en una videollamada", en: "You are not in a video call" },
  callMediaStarting: {
    es: "El vídeo de la llamada todavía se está iniciando; vuelve a probar en un momento",
    en: "The call's video is still starting; try again in a moment",
  },
  callMediaFailed: {
    es: "No se pudo iniciar el vídeo: {reason}",
    en: "Could not start the video: {reason}",
  },
  callNobody: { es: "nadie más", en: "nobody else" },

  // Connection failures (the client exits with a non-zero code after them).
  connRefused: {
    es:
      "No se pudo conectar a {host}:{port}: conexión rechazada. ¿Está el servidor en marcha? ¿Son correctos la IP y el puerto? ¿Abriste los puertos con configurar_firewall.ps1?",
    en:
      "Could not connect to {host}:{port}: connection refused. Is the server running? Are the IP address and port right? Did you open the ports with configurar_firewall.ps1?",
  },
  connUnresolved: {
    es:
      "No se pudo conectar a {host}:{port}: no se encuentra el equipo «{host}». Revisa la dirección (por ejemplo --host 192.168.1.10)",
    en:
      "Could not connect to {host}:{port}: the host «{host}» was not found. Check the address (for example --host 192.168.1.10)",
  },
  connTimeout: {
    es:
      "No se pudo conectar a {host}:{port}: sin respuesta en {seconds} s. ¿Es correcta la IP? ¿Abriste los puertos con configurar_firewall.ps1?",
    en:
      "Could not connect to {host}:{port}: no answer in {seconds} s. Is the IP address right? Did you open the ports with configurar_firewall.ps1?",
  },
  connFailed: {
    es: "No se pudo conectar a {host}:{port}: {detail}",
    en: "Could not connect to {host}:{port}: {detail}",
  },
  nameTaken: {
    es: "El nombre «{name}» ya está en uso. Elige otro con --name",
    en: "The name «{name}» is already taken. Choose another one with --name",
  },
  nameInvalid: {
    es:
      "El nombre «{name}» no es válido: {message}. Usa de 1 a 32 caracteres, sin caracteres de control",
    en: "The name «{name}» is not valid: {message}. Use 1 to 32 characters, no control characters",
  },
  helloRefused: {
    es: "El servidor {host}:{port} rechazó la conexión: {message}",
    en: "The server {host}:{port} refused the connection: {message}",
  },
  helloClosed: {
    es: "El servidor {host}:{port} cerró la conexión sin responder. ¿Es un servidor PC3 en marcha?",
    en:
      "The server {host}:{port} closed the connection without answering. Is it a running PC3 server?",
  },
  helloTimeout: {
    es: "El servidor {host}:{port} no respondió al saludo en {seconds} s. ¿Es un servidor PC3?",
    en: "The server {host}:{port} did not answer the hello in {seconds} s. Is it a PC3 server?",
  },
  badReply: {
    es: "Respuesta inesperada de {host}:{port}: {detail}. ¿Es un servidor PC3 v2?",
    en: "Unexpected reply from {host}:{port}: {detail}. Is it a PC3 v2 server?",
  },
  closedShutdown: {
    es: "El servidor se cerró. Vuelve a conectarte cuando esté en marcha otra vez",
    en: "The server shut down. Connect again when it is running again",
  },
  closedIdle: {
    es: "El servidor cerró la conexión por inactividad ({message})",
    en: "The server closed the connection for inactivity ({message})",
  },
  closedSlow: {
    es: "El servidor cerró la conexión: este equipo no recibía los mensajes a tiempo",
    en: "The server closed the connection: this computer did not take the messages in time",
  },
  closedError: {
    es: "El servidor cerró la conexión: {message}",
    en: "The server closed the connection: {message}",
  },
  closedLost: {
    es:
      "Se perdió la conexión con el servidor {host}:{port}. ¿Se cerró el servidor o se cortó la red?",
    en:
      "The connection to the server {host}:{port} was lost. Did the server stop or the network fail?",
  },

  // Command line.
  namePrompt: { es: "Tu nombre: ", en: "Your name: " },
  nameRequired: {
    es: "Falta --name (obligatorio cuando la entrada no es una terminal)",
    en: "Missing --name (required when the input is not a terminal)",
  },
  badFlag: { es: "Opción no válida: {detail}", en: "Invalid option: {detail}" },
  badValue: {
    es: "Valor no válido para --{flag}: {value} ({expected})",
    en: "Invalid value for --{flag}: {value} ({expected})",
  },
  seeHelp: {
    es: "Ejecuta con --help para ver las opciones",
    en: "Run with --help to see the options",
  },
  noCameras: { es: "No se encontró ninguna cámara", en: "No camera found" },
  cameras: { es: "Cámaras:", en: "Cameras:" },
  usage: {
    es: [
      "Uso: pc3-client --name <nombre> [--host <ip>] [opciones]",
      "",
      "  --name <nombre>          tu nombre en el chat (se pregunta si falta y hay terminal)",
      "  --host <ip>              dirección del servidor (por defecto 127.0.0.1)",
      "  --chat-port <n>          puerto del chat (por defecto 9009)",
      "  --file-port <n>          puerto de archivos (por defecto el que indique el servidor, o 9010)",
      "  --media-port <n>         puerto UDP de vídeo (por defecto el que indique el servidor, o 9020)",
      "  --downloads <carpeta>    carpeta de descargas (por defecto downloads)",
      "  --lang es|en             idioma (por defecto es)",
      "  --camera <dispositivo>   cámara a usar en las videollamadas",
      "  --list-cameras           lista las cámaras y sale",
      "  --video-source <s>       camera | test | none (por defecto camera)",
      "  --video-view <v>         window | terminal | none (por defecto window; terminal sin pantalla)",
      "  --video-size <AxB>       tamaño del vídeo (por defecto 320x240)",
      "  --fps <n>                imágenes por segundo (por defecto 15)",
      "  --help                   esta ayuda",
      "",
      "Sin terminal (entrada por tubería) el cliente lee un comando por línea y escribe una",
      "línea por evento; al acabar la entrada espera a las transferencias y sale.",
    ].join("\n"),
    en: [
      "Usage: pc3-client --name <name> [--host <ip>] [options]",
      "",
      "  --name <name>            your chat name (asked for when missing and on a terminal)",
      "  --host <ip>              server address (default 127.0.0.1)",
      "  --chat-port <n>          chat port (default 9009)",
      "  --file-port <n>          file port (default: what the server says, else 9010)",
      "  --media-port <n>         UDP video port (default: what the server says, else 9020)",
      "  --downloads <folder>     downloads folder (default downloads)",
      "  --lang es|en             language (default es)",
      "  --camera <device>        camera used in video calls",
      "  --list-cameras           lists the cameras and exits",
      "  --video-source <s>       camera | test | none (default camera)",
      "  --video-view <v>         window | terminal | none (default window; terminal without a display)",
      "  --video-size <WxH>       video size (default 320x240)",
      "  --fps <n>                frames per second (default 15)",
      "  --help                   this help",
      "",
      "Without a terminal (input from a pipe) the client reads one command per line and prints",
      "one line per event; at the end of the input it waits for transfers and exits.",
    ].join("\n"),
  },
} satisfies Catalog;

/** A key of {@link clientText}. */
export type ClientTextKey = keyof typeof clientText;

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/**
 * Formats a byte count for people, in powers of 1024: `512 B`, `1.5 KB`,
 * `200.0 MB`, `4.0 GB`.
 */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "? B";
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // 1023.96 MB would print as "1024.0 MB": promote it.
  if (value.toFixed(1) === "1024.0" && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

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
