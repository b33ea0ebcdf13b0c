/**
 * Part of the client's one catalogue ({@link ../text.ts}): connection failures and the command line.
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** Client texts: connection failures and the command line. */
export const failureText = {
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
  // The same failures when the automatic check follows with causes and fixes (one hint, not two).
  connRefusedBare: {
    es: "No se pudo conectar a {host}:{port}: conexión rechazada",
    en: "Could not connect to {host}:{port}: connection refused",
  },
  connTimeoutBare: {
    es: "No se pudo conectar a {host}:{port}: sin respuesta en {seconds} s",
    en: "Could not connect to {host}:{port}: no answer in {seconds} s",
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
      "  --host <ip>              dirección del servidor (sin ella, en un terminal se busca en la red;",
      "                           con entrada por tubería, 127.0.0.1); ip:puerto elige también el",
      "                           puerto del chat (por ejemplo 192.168.1.10:12009)",
      "  --join <código>          entra con el código que muestra el servidor (p. ej. K7M2-QX4D)",
      "  --discover               lista los servidores PC3 de la red local y sale",
      "  --check <ip|código>      comprueba chat, archivos y llamadas con ese servidor y dice qué falla",
      "  --password <clave>       contraseña de la sala (si falta y la sala tiene, se pregunta sin mostrarla)",
      "  --admin <clave>          entra como profesor con la clave que muestra el servidor",
      "  --chat-port <n>          puerto del chat (por defecto {chatPort})",
      "  --file-port <n>          puerto de archivos (por defecto el que indique el servidor, o {filePort})",
      "  --media-port <n>         puerto UDP de vídeo (por defecto el que indique el servidor, o {mediaPort})",
      "  --downloads <carpeta>    carpeta de descargas (por defecto downloads)",
      "  --lang es|en             idioma (por defecto es)",
      "  --camera <dispositivo>   cámara a usar en las videollamadas",
      "  --list-cameras           lista las cámaras y sale",
      "  --video-source <s>       camera | test | none (por defecto camera)",
      "  --video-view <v>         window | terminal | none (por defecto window; terminal sin pantalla)",
      "  --video-size <AxB>       tamaño del vídeo (por defecto 320x240)",
      "  --fps <n>                imágenes por segundo (por defecto 15)",
      "  --audio-source <s>       mic | test | none (por defecto mic; el micrófono empieza silenciado)",
      "  --mic <nombre>           micrófono a usar en las llamadas",
      "  --list-mics              lista los micrófonos y sale",
      "  --help                   esta ayuda",
      "  --version                muestra la versión y sale",
      "",
      "Sin terminal (entrada por tubería) el cliente lee un comando por línea y escribe una",
      "línea por evento; al acabar la entrada espera a las transferencias y sale.",
    ].join("\n"),
    en: [
      "Usage: pc3-client --name <name> [--host <ip>] [options]",
      "",
      "  --name <name>            your chat name (asked for when missing and on a terminal)",
      "  --host <ip>              server address (without it: on a terminal, searched for on the",
      "                           network; with piped input, 127.0.0.1); ip:port also sets the",
      "                           chat port (for example 192.168.1.10:12009)",
      "  --join <code>            join with the code the server shows (e.g. K7M2-QX4D)",
      "  --discover               lists the PC3 servers on the local network and exits",
      "  --check <ip|code>        checks chat, files and calls with that server and says what fails",
      "  --password <word>        room password (asked for, hidden, when missing and the room has one)",
      "  --admin <key>            join as the teacher with the key the server shows",
      "  --chat-port <n>          chat port (default {chatPort})",
      "  --file-port <n>          file port (default: what the server says, else {filePort})",
      "  --media-port <n>         UDP video port (default: what the server says, else {mediaPort})",
      "  --downloads <folder>     downloads folder (default downloads)",
      "  --lang es|en             language (default es)",
      "  --camera <device>        camera used in video calls",
      "  --list-cameras           lists the cameras and exits",
      "  --video-source <s>       camera | test | none (default camera)",
      "  --video-view <v>         window | terminal | none (default window; terminal without a display)",
      "  --video-size <WxH>       video size (default 320x240)",
      "  --fps <n>                frames per second (default 15)",
      "  --audio-source <s>       mic | test | none (default mic; the microphone starts muted)",
      "  --mic <name>             microphone used in calls",
      "  --list-mics              lists the microphones and exits",
      "  --help                   this help",
      "  --version                prints the version and exits",
      "",
      "Without a terminal (input from a pipe) the client reads one command per line and prints",
      "one line per event; at the end of the input it waits for transfers and exits.",
    ].join("\n"),
  },
} satisfies Catalog;
