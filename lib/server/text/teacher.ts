/**
 * The server's texts for the teacher: the log lines (`log_<kind>`, see
 * lib/server/log.ts), the room password, the teacher's controls and the
 * server console. Spanish and English; spread into `serverText`
 * (lib/server/text.ts).
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** The teacher's part of the server catalogue. */
export const teacherText = {
  // Log lines (one per event; the fields of the event are the parameters).
  log_joined: { es: "{name} entró ({ip})", en: "{name} joined ({ip})" },
  log_left: { es: "{name} salió ({reason})", en: "{name} left ({reason})" },
  log_file_published: {
    es: "{by} compartió «{name}» ({size}, id {id})",
    en: "{by} shared «{name}» ({size}, id {id})",
  },
  log_downloaded: {
    es: "{by} descargó «{name}» (id {id})",
    en: "{by} downloaded «{name}» (id {id})",
  },
  log_call_started: { es: "{by} inició una videollamada", en: "{by} started a call" },
  log_call_ended: { es: "La videollamada terminó", en: "The call ended" },
  log_server_error: {
    es: "Error inesperado en el puerto de {port}: {error}",
    en: "Unexpected error on the {port} port: {error}",
  },
  log_net_error: {
    es: "Conexión cortada por {ip} ({what}: {error})",
    en: "Connection cut by {ip} ({what}: {error})",
  },
  log_auth_failed: {
    es: "Contraseña incorrecta desde {ip} ({name})",
    en: "Wrong password from {ip} ({name})",
  },
  log_auth_blocked: {
    es: "Demasiados intentos de contraseña desde {ip}: bloqueado {seconds} s",
    en: "Too many password attempts from {ip}: blocked for {seconds} s",
  },
  log_v1_refused: {
    es: "Cliente v1 rechazado desde {ip}: la sala tiene contraseña",
    en: "v1 client refused from {ip}: the room has a password",
  },
  log_kicked: {
    es: "{by} expulsó a {name} ({ip}): {reason}",
    en: "{by} removed {name} ({ip}): {reason}",
  },
  log_muted: { es: "{by} silenció a {name}", en: "{by} muted {name}" },
  log_unmuted: { es: "{by} devolvió la palabra a {name}", en: "{by} unmuted {name}" },
  log_locked: { es: "{by} cerró la sala a nuevos miembros", en: "{by} locked the room" },
  log_unlocked: { es: "{by} abrió la sala", en: "{by} unlocked the room" },
  log_announced: { es: "{by} anunció: {text}", en: "{by} announced: {text}" },
  log_deleted: { es: "{by} borró «{name}» (id {id})", en: "{by} deleted «{name}» (id {id})" },
  log_unbanned: { es: "{by} readmitió a {name}", en: "{by} let {name} back in" },
  log_banned_refused: {
    es: "{name} ({ip}) intentó volver sin permiso del profesor",
    en: "{name} ({ip}) tried to come back without the teacher's leave",
  },
  log_locked_refused: {
    es: "{name} ({ip}) no pudo entrar: la sala está cerrada",
    en: "{name} ({ip}) could not join: the room is locked",
  },
  log_admin_login: { es: "{name} es profesor ({ip})", en: "{name} is a teacher ({ip})" },
  log_admin_failed: {
    es: "Clave de profesor incorrecta de {name} ({ip})",
    en: "Wrong teacher key from {name} ({ip})",
  },
  // Room password (error texts of auth_required, auth_failed, auth_wait).
  auth_required: {
    es: "Esta sala tiene contraseña: responde al desafío (auth) con la prueba de la contraseña",
    en: "This room has a password: answer the challenge (auth) with the password's proof",
  },
  auth_failed: { es: "Contraseña incorrecta", en: "Wrong password" },
  auth_wait: {
    es: "Demasiados intentos fallidos desde tu equipo: espera {seconds} s y vuelve a intentarlo",
    en: "Too many failed attempts from your computer: wait {seconds} s and try again",
  },
  v1_password: {
    es: "Esta sala tiene contraseña y este programa no puede darla: usa pc3-client",
    en: "This room has a password and this program cannot give it: use pc3-client",
  },

  // Teacher's controls: refusals sent to members.
  room_locked: {
    es: "La sala está cerrada: el profesor no admite nuevos miembros ahora",
    en: "The room is locked: the teacher is not letting new members in now",
  },
  banned: {
    es: "El profesor te sacó de la sala: no puedes volver sin su permiso",
    en: "The teacher removed you from the room: you cannot come back without their leave",
  },
  kicked_you: {
    es: "{by} te sacó de la sala: {reason}",
    en: "{by} removed you from the room: {reason}",
  },
  muted: {
    es: "El profesor te ha silenciado: puedes leer, pero no escribir ni compartir",
    en: "The teacher muted you: you can read, but not post or share",
  },
  read_only: {
    es: "En esta sala solo el profesor escribe y comparte archivos",
    en: "In this room only the teacher posts and shares files",
  },
  not_admin: {
    es: "Solo el profesor puede hacer eso (pc3-client --admin CLAVE)",
    en: "Only the teacher can do that (pc3-client --admin KEY)",
  },
  admin_failed: { es: "Clave de profesor incorrecta", en: "Wrong teacher key" },
  not_banned: {
    es: "{name} no está expulsado",
    en: "{name} has not been removed",
  },
  not_muted: { es: "{name} no está silenciado", en: "{name} is not muted" },
  no_member: {
    es: "No hay nadie llamado {name} en la sala",
    en: "Nobody called {name} is in the room",
  },
  no_reason: { es: "sin motivo", en: "no reason given" },

  // Teacher's controls: what the room is told.
  announce: { es: "Aviso de {by}: {text}", en: "Notice from {by}: {text}" },
  mod_kick: { es: "{by} sacó a {name} de la sala: {reason}", en: "{by} removed {name}: {reason}" },
  mod_mute: {
    es: "{by} silenció a {name}: puede leer, pero no escribir ni compartir",
    en: "{by} muted {name}: they can read, but not post or share",
  },
  mod_unmute: { es: "{by} devolvió la palabra a {name}", en: "{by} unmuted {name}" },
  mod_unban: { es: "{by} permite volver a {name}", en: "{by} lets {name} come back" },
  mod_lock: { es: "{by} cerró la sala a nuevos miembros", en: "{by} locked the room to newcomers" },
  mod_unlock: { es: "{by} abrió la sala", en: "{by} unlocked the room" },
  mod_delete: {
    es: "{by} borró el archivo «{name}» ({id})",
    en: "{by} deleted the file «{name}» ({id})",
  },
  mod_teacher: { es: "{name} es profesor en esta sala", en: "{name} is a teacher in this room" },
  teacherConsole: { es: "Profesor", en: "Teacher" },

  // The server console.
  consoleHelp: {
    es: `Órdenes del profesor (escríbelas aquí y pulsa Intro):
  /who                 quién está en la sala, con su dirección
  /kick NOMBRE [motivo] sacar a alguien (no puede volver sin /unban)
  /mute NOMBRE         silenciar: lee, pero no escribe ni comparte
  /unmute NOMBRE       devolverle la palabra
  /unban NOMBRE        permitir volver a quien sacaste (o /unban IP)
  /lock, /unlock       cerrar o abrir la sala a nuevos miembros
  /say TEXTO           aviso a toda la sala (o escribe el texto sin /)
  /files               archivos compartidos, con su id
  /delete ID           borrar un archivo compartido
  /help                esta ayuda
  /stop                detener el servidor (como Ctrl+C)
Un nombre con espacios va entre comillas si le sigue un motivo: /kick "Ana María" motivo`,
    en: `Teacher commands (type them here and press Enter):
  /who                 who is in the room, with their address
  /kick NAME [reason]  remove someone (they cannot come back without /unban)
  /mute NAME           mute: they read, but cannot post or share
  /unmute NAME         let them post again
  /unban NAME          let someone you removed come back (or /unban IP)
  /lock, /unlock       close or open the room to newcomers
  /say TEXT            a notice to the whole room (or type the text without /)
  /files               shared files, with their id
  /delete ID           delete a shared file
  /help                this help
  /stop                stop the server (like Ctrl+C)
A name with spaces goes in quotes when a reason follows: /kick "Ana María" reason`,
  },
  consoleUnknown: {
    es: "Orden desconocida: {command} (escribe /help)",
    en: "Unknown command: {command} (type /help)",
  },
  consoleUsage: { es: "Uso: {usage}", en: "Usage: {usage}" },
  consoleWordName: { es: "NOMBRE", en: "NAME" },
  consoleWordReason: { es: "motivo", en: "reason" },
  consoleWordText: { es: "TEXTO", en: "TEXT" },
  consoleRefused: { es: "No se pudo: {message}", en: "Not done: {message}" },
  consoleDone: { es: "Hecho", en: "Done" },
  consoleNobody: { es: "No hay nadie en la sala", en: "Nobody is in the room" },
  consoleWhoTitle: { es: "En la sala ({count}):", en: "In the room ({count}):" },
  consoleFlagTeacher: { es: "profesor", en: "teacher" },
  consoleFlagMuted: { es: "silenciado", en: "muted" },
  consoleFlagReconnecting: { es: "reconectando", en: "reconnecting" },
  consoleNoFiles: { es: "No hay archivos compartidos", en: "No shared files" },
  consoleFilesTitle: { es: "Archivos compartidos ({count}):", en: "Shared files ({count}):" },
  consoleHint: {
    es: "Consola del profesor: escribe /help para ver las órdenes",
    en: "Teacher console: type /help to see the commands",
  },

  // Banner lines of the password and the teacher key.
  bannerPassword: {
    es: "Contraseña de la sala: sí (los alumnos la escriben al conectarse)",
    en: "Room password: yes (students type it when they connect)",
  },
  bannerOpen: {
    es: "Contraseña de la sala: no (sala abierta; --password para poner una)",
    en: "Room password: no (open room; --password to set one)",
  },
  bannerV1Password: {
    es: "Clientes v1 (sin contraseña posible): {state}",
    en: "v1 clients (cannot give a password): {state}",
  },
  bannerAdminKey: {
    es: "Clave del profesor: {key}   (pc3-client --admin {key}; no la proyectes)",
    en: "Teacher key: {key}   (pc3-client --admin {key}; do not project it)",
  },
  bannerReadOnly: {
    es: "Modo lectura: solo el profesor escribe y comparte",
    en: "Read-only mode: only the teacher posts and shares",
  },
  passwordFileFailed: {
    es: "No se pudo leer la contraseña de {file}: {detail}",
    en: "Could not read the password from {file}: {detail}",
  },
  passwordFileEmpty: {
    es: "El archivo de contraseña {file} está vacío (la contraseña es su primera línea)",
    en: "The password file {file} is empty (the password is its first line)",
  },
  logFileFailed: {
    es: "No se pudo abrir el registro {file}: {detail}",
    en: "Could not open the log file {file}: {detail}",
  },

  logSummary: {
    es: "(resumen de {seconds} s: {events} más, desde {ips} direcciones)",
    en: "({seconds} s summary: {events} more, from {ips} addresses)",
  },
} satisfies Catalog;
