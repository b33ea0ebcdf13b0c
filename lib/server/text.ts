/**
 * The server's one text catalogue: every user-facing text of the server
 * (room events, error messages, banner, command-line errors, the relay's
 * report), Spanish and English. Use with `translator()` from
 * lib/protocol/i18n.ts.
 *
 * @example
 * ```ts
 * import { translator } from "../protocol/i18n.ts";
 * import { serverText } from "./text.ts";
 * const t = translator(serverText, "en");
 * t("joined", { name: "Ana" }); // "Ana joined the chat"
 * ```
 *
 * @module
 */

import type { Catalog } from "../protocol/i18n.ts";
import { roomGuardText } from "./text/room_guard.ts";
import { teacherText } from "./text/teacher.ts";
import { reconnectServerText } from "./text/reconnect.ts";
import { labText } from "./text/lab.ts";
import { filesText } from "./text/files.ts";
import { cliServerText } from "./text/cli.ts";

/** The server's catalog. */
export const serverText = {
  // Room events.
  joined: { es: "{name} se unió al chat", en: "{name} joined the chat" },
  left: { es: "{name} salió del chat", en: "{name} left the chat" },
  shutdown: { es: "El servidor se está cerrando", en: "The server is shutting down" },
  renamed: {
    es: "El nombre «{asked}» no estaba disponible: en el chat eres «{name}»",
    en: "The name «{asked}» was not available: in the chat you are «{name}»",
  },
  errorPrefix: { es: "Error: {message}", en: "Error: {message}" },

  // Error messages (codes of PROTOCOL.md section 6).
  bad_utf8: { es: "El mensaje no es UTF-8 válido", en: "The frame is not valid UTF-8" },
  bad_json: { es: "El mensaje no es JSON válido", en: "The frame is not valid JSON" },
  bad_message: {
    es: "Mensaje mal formado: {detail}",
    en: "Malformed message: {detail}",
  },
  unknown_type: { es: "Tipo de mensaje desconocido: {value}", en: "Unknown message type: {value}" },
  frame_too_large: {
    es: "Mensaje demasiado grande: {size} bytes (límite {limit})",
    en: "Frame too large: {size} bytes (limit {limit})",
  },
  too_many_errors: {
    es: "Demasiados mensajes erróneos: conexión cerrada",
    en: "Too many bad frames: connection closed",
  },
  hello_required: {
    es: "El primer mensaje debe ser el saludo (hello)",
    en: "The first frame must be the hello",
  },
  hello_timeout: {
    es: "No llegó el saludo a tiempo: conexión cerrada",
    en: "No hello in time: connection closed",
  },
  unsupported_version: {
    es: "Versión de protocolo no admitida: {value}",
    en: "Unsupported protocol version: {value}",
  },
  name_taken: { es: "El nombre «{name}» ya está en uso", en: "The name «{name}» is already taken" },
  name_not_string: { es: "Falta el nombre", en: "The name is missing" },
  name_empty: { es: "El nombre está vacío", en: "The name is empty" },
  name_too_long: {
    es: "El nombre es demasiado largo: máximo {max} caracteres",
    en: "The name is too long: at most {max} characters",
  },
  name_control: {
    es: "El nombre contiene caracteres de control",
    en: "The name contains control characters",
  },
  name_invisible: {
    es: "El nombre contiene caracteres invisibles",
    en: "The name contains invisible characters",
  },
  name_reserved: {
    es: "El nombre «{name}» está reservado",
    en: "The name «{name}» is reserved",
  },
  too_many_connections: {
    es: "Demasiadas conexiones desde esta dirección: {ip}",
    en: "Too many connections from this address: {ip}",
  },
  message_too_long: {
    es: "Mensaje demasiado largo: {size} bytes (máximo {limit})",
    en: "Message too long: {size} bytes (limit {limit})",
  },
  rate_limited: {
    es: "Vas demasiado rápido: mensaje no enviado, inténtalo de nuevo",
    en: "Too fast: message not sent, try again",
  },
  flood: { es: "Demasiados mensajes: conexión cerrada", en: "Flooding: connection closed" },
  idle_timeout: {
    es: "Conexión inactiva demasiado tiempo: cerrada",
    en: "Connection idle too long: closed",
  },
  server_shutdown: { es: "El servidor se está cerrando", en: "The server is shutting down" },
  bad_request: { es: "Petición no válida aquí: {detail}", en: "Request not valid here: {detail}" },
  not_found: { es: "Archivo no encontrado: {value}", en: "File not found: {value}" },
  not_in_call: { es: "No estás en la videollamada", en: "You are not in the call" },
  not_object: {
    es: "El mensaje debe ser un objeto JSON",
    en: "The frame must hold a JSON object",
  },

  // Command line and banner.
  usage: {
    es: `Uso: pc3-server [opciones]

  --host IP            dirección donde escuchar (por defecto 0.0.0.0: todas)
  --chat-port N        puerto TCP del chat ({chatPort})
  --file-port N        puerto TCP de archivos ({filePort})
  --media-port N       puerto UDP de vídeo ({mediaPort})
  --storage DIR        carpeta de datos (server_storage)
  --lang es|en         idioma del servidor (es)
  --max-message N      bytes por mensaje de chat (4096)
  --max-frame N        bytes por trama (65536)
  --max-upload N       bytes por archivo subido, o con K, M, G, T (16G)
  --quota N            bytes de almacenamiento en total, o con K, M, G, T (64G)
  --max-per-ip N       conexiones por dirección IP aún sin entrar al chat (64)
  --max-members-per-ip N  miembros del chat por dirección IP, p. ej. un aula tras NAT (250)
  --ip-rate N          mensajes por segundo por dirección IP, todas sus conexiones (32)
  --hello-timeout S    segundos para recibir el saludo (10)
  --idle-timeout S     segundos de silencio antes de cerrar un cliente v2 (60)
  --grace S            segundos que se espera a quien perdió la conexión antes de anunciar su salida (30)
  --rate N             mensajes por segundo por conexión (20; ráfagas del doble)
  --max-files N        archivos compartidos por miembro (200)
  --uploads-per-minute N  subidas nuevas por miembro y minuto (30)
  --no-v1              rechazar subidas de archivos de clientes v1
  --v1-media on|off    aceptar vídeo de clientes v1 (on)
  --room NOMBRE        nombre de la sala que ven los clientes al buscar servidores
  --no-discovery       no responder a los clientes que buscan servidores en la red
  --log ARCHIVO        añadir el registro de la sala a ARCHIVO (líneas JSON)
  --password CLAVE     contraseña de la sala (sin ella, la sala es abierta)
  --password-file F    leer la contraseña de la primera línea del archivo F
  --allow-v1           con contraseña, dejar entrar igualmente a clientes v1
  --students-read-only solo el profesor escribe y comparte archivos
  --admin-key CLAVE    clave del profesor (por defecto, una al azar en el banner)
  --help               esta ayuda`,
    en: `Usage: pc3-server [options]

  --host IP            address to listen on (default 0.0.0.0: all)
  --chat-port N        chat TCP port ({chatPort})
  --file-port N        file TCP port ({filePort})
  --media-port N       video UDP port ({mediaPort})
  --storage DIR        data folder (server_storage)
  --lang es|en         server language (es)
  --max-message N      bytes per chat message (4096)
  --max-frame N        bytes per frame (65536)
  --max-upload N       bytes per uploaded file, or with K, M, G, T (16G)
  --quota N            total storage bytes, or with K, M, G, T (64G)
  --max-per-ip N       connections per IP address not yet in the chat (64)
  --max-members-per-ip N  chat members per IP address, e.g. a lab behind NAT (250)
  --ip-rate N          messages per second per IP address, all its connections (32)
  --hello-timeout S    seconds to receive the hello (10)
  --idle-timeout S     seconds of silence before a v2 client is closed (60)
  --grace S            seconds a member who lost the connection is awaited before its leave is announced (30)
  --rate N             messages per second per connection (20; bursts of twice that)
  --max-files N        shared files per member (200)
  --uploads-per-minute N  new uploads per member per minute (30)
  --no-v1              refuse file uploads from v1 clients
  --v1-media on|off    accept video from v1 clients (on)
  --room NAME          the room's name clients see when they look for servers
  --no-discovery       do not answer clients looking for servers on the network
  --log FILE           append the room's log to FILE (JSON lines)
  --password WORD      room password (without it the room is open)
  --password-file F    read the password from the first line of file F
  --allow-v1           with a password, still let v1 clients in
  --students-read-only only the teacher posts and shares files
  --admin-key KEY      the teacher's key (default: a random one, in the banner)
  --help               this help`,
  },
  badFlag: {
    es: "Opción no válida: {detail}\nUsa --help para ver las opciones",
    en: "Invalid option: {detail}\nUse --help to see the options",
  },
  argUnknown: { es: "opción desconocida: {flag}", en: "unknown option: {flag}" },
  argPositional: { es: "argumento de más: {value}", en: "unexpected argument: {value}" },
  argMissing: {
    es: "falta el valor de la opción: {flag} (un valor que empieza por - se escribe {flag}=-N)",
    en: "missing value for the option: {flag} (a value starting with - is written {flag}=-N)",
  },
  argNoValue: { es: "la opción no lleva valor: {flag}", en: "the option takes no value: {flag}" },
  badValue: {
    es: "Valor no válido para --{flag}: {value} ({expected})\nUsa --help para ver las opciones",
    en: "Invalid value for --{flag}: {value} ({expected})\nUse --help to see the options",
  },
  expectPort: { es: "un puerto de 0 a 65535", en: "a port from 0 to 65535" },
  expectPositive: { es: "un entero positivo", en: "a positive integer" },
  expectSeconds: { es: "segundos, mayor que 0", en: "seconds, more than 0" },
  expectHost: { es: "una dirección IP o nombre de equipo", en: "an IP address or host name" },
  expectPath: { es: "una carpeta", en: "a folder" },
  expectOnOff: { es: "on u off", en: "on or off" },
  expectLang: { es: "es o en", en: "es or en" },
  expectPassword: {
    es: "una contraseña de 1 a 256 bytes, con --password o con --password-file (no ambas)",
    en: "a password of 1 to 256 bytes, with --password or --password-file (not both)",
  },
  expectAdminKey: {
    es: "de 8 a 64 caracteres visibles, sin espacios",
    en: "8 to 64 visible characters, no spaces",
  },
  portInUse: {
    es:
      "El puerto {kind} {port} ya está en uso: ¿hay otro servidor PC3 en marcha? Ciérralo o elige otro puerto con --{flag}",
    en:
      "The {kind} port {port} is already in use: is another PC3 server running? Stop it or pick another port with --{flag}",
  },
  listenFailed: {
    es: "No se pudo abrir el puerto {kind} {port}: {detail}",
    en: "Could not open the {kind} port {port}: {detail}",
  },
  storageFailed: {
    es: "No se pudo usar la carpeta de datos {dir}: {detail}",
    en: "Could not use the data folder {dir}: {detail}",
  },
  historyCorrupt: {
    es: "El historial {file} estaba dañado; se guardó aparte como {aside} y se empieza de cero",
    en: "The history {file} was damaged; it was set aside as {aside} and a new one starts",
  },
  historySaveFailed: {
    es: "No se pudo guardar el historial {file}: {detail}",
    en: "Could not save the history {file}: {detail}",
  },
  storeCorrupt: {
    es: "El índice de archivos {file} estaba dañado ({detail}); se guardó aparte como {aside}",
    en: "The file index {file} was damaged ({detail}); it was set aside as {aside}",
  },
  storeSaveFailed: {
    es: "No se pudo guardar el índice de archivos {file}: {detail}",
    en: "Could not save the file index {file}: {detail}",
  },
  bannerTitle: { es: "Servidor PC3 {version}", en: "PC3 server {version}" },
  bannerPorts: {
    es: "Puertos: chat TCP {chat}, archivos TCP {files}, vídeo UDP {media}",
    en: "Ports: chat TCP {chat}, files TCP {files}, video UDP {media}",
  },
  bannerStorage: { es: "Datos en: {dir}", en: "Data in: {dir}" },
  bannerV1Media: {
    es: "Vídeo de clientes v1: {state}",
    en: "Video from v1 clients: {state}",
  },
  bannerV1Files: {
    es: "Subidas de archivos de clientes v1: {state}",
    en: "Uploads from v1 clients: {state}",
  },
  // "se aceptan / no se aceptan" agrees with both "vídeo" and "subidas".
  accepted: { es: "se aceptan", en: "accepted" },
  refused: { es: "no se aceptan", en: "refused" },
  bannerAddresses: {
    es: "Direcciones de este equipo en la red local:",
    en: "This machine's LAN addresses:",
  },
  bannerNoAddresses: {
    es:
      "No se encontró ninguna dirección de red local (¿sin red?). Los clientes de este mismo equipo pueden usar --host 127.0.0.1",
    en: "No LAN address found (no network?). Clients on this same machine can use --host 127.0.0.1",
  },
  bannerBound: {
    es: "Escuchando solo en {host}",
    en: "Listening only on {host}",
  },
  bannerClient: {
    es: "Para conectarse, en cada equipo:",
    en: "To connect, on each machine:",
  },
  bannerFirewall: {
    es: "En Windows, si no conectan: ejecuta configurar_firewall.ps1 como administrador",
    en: "On Windows, if clients cannot connect: run configurar_firewall.ps1 as administrator",
  },
  bannerStop: { es: "Pulsa Ctrl+C para detenerlo", en: "Press Ctrl+C to stop it" },
  stopping: { es: "Deteniendo el servidor…", en: "Stopping the server…" },
  stopped: { es: "Servidor detenido", en: "Server stopped" },
  placeholderName: { es: "TU_NOMBRE", en: "YOUR_NAME" },

  // Media relay report, printed when the server stops. Drop reasons keep
  // their protocol names (they are counters, not prose).
  relaySummary: {
    es:
      "Relé de vídeo: {received} datagramas recibidos, {frames} fotogramas reenviados a {sent} destinos, {dropped} descartados",
    en:
      "Video relay: {received} datagrams received, {frames} frames forwarded to {sent} destinations, {dropped} dropped",
  },
  relayDrops: { es: "  descartados por motivo: {list}", en: "  dropped by reason: {list}" },
  relayMember: {
    es: "  {name} (id {id}, v{protocol}, {address}): {in} enviados, {out} recibidos",
    en: "  {name} (id {id}, v{protocol}, {address}): {in} sent, {out} received",
  },
  relayErrors: {
    es: "  errores de red: {send} al enviar, {receive} al recibir",
    en: "  network errors: {send} sending, {receive} receiving",
  },

  // Parts kept by topic under ./text/ (one spread line each).
  ...teacherText,
  ...roomGuardText,
  ...reconnectServerText,
  ...labText,
  ...filesText,
  ...cliServerText,
} satisfies Catalog;

/** A key of {@link serverText}. */
export type ServerTextKey = keyof typeof serverText;
