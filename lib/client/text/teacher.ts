/**
 * The client's texts for the room password and the teacher's commands
 * (`--admin KEY`). Spanish and English; spread into `clientText`.
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** The teacher's part of the client catalogue. */
export const teacherClientText = {
  passwordNeeded: {
    es: "Esta sala tiene contraseña: usa --password o escríbela cuando se te pida",
    en: "This room has a password: use --password or type it when asked",
  },
  passwordPrompt: { es: "Contraseña de la sala: ", en: "Room password: " },
  passwordWrong: {
    es: "Contraseña incorrecta: vuelve a escribirla (Ctrl+C para salir)",
    en: "Wrong password: type it again (Ctrl+C to quit)",
  },
  adminOk: {
    es:
      "Eres profesor en esta sala: /who, /kick, /mute, /unmute, /unban, /lock, /unlock, /say, /delete (escribe /help)",
    en:
      "You are a teacher in this room: /who, /kick, /mute, /unmute, /unban, /lock, /unlock, /say, /delete (type /help)",
  },
  adminFailed: {
    es: "Clave de profesor rechazada: {message}",
    en: "Teacher key refused: {message}",
  },
  adminDone: { es: "Hecho: {action} {name}", en: "Done: {action} {name}" },
  adminWhoTitle: { es: "En la sala ({count}):", en: "In the room ({count}):" },
  adminWhoLine: { es: "  {name}  {ip}  {flags}", en: "  {name}  {ip}  {flags}" },
  adminFlagTeacher: { es: "profesor", en: "teacher" },
  adminFlagMuted: { es: "silenciado", en: "muted" },
  adminFlagReconnecting: { es: "reconectando", en: "reconnecting" },
  adminFilesTitle: { es: "Archivos compartidos ({count}):", en: "Shared files ({count}):" },
  adminUsage: { es: "Uso: {usage}", en: "Usage: {usage}" },
  adminWordName: { es: "NOMBRE", en: "NAME" },
  adminWordReason: { es: "motivo", en: "reason" },
  adminWordText: { es: "TEXTO", en: "TEXT" },
  adminHelp: {
    es: `Órdenes del profesor:
  /who                  quién está, con su dirección
  /kick NOMBRE [motivo] sacar a alguien (no vuelve sin /unban)
  /mute NOMBRE          silenciar (lee, no escribe ni comparte)
  /unmute NOMBRE        devolverle la palabra
  /unban NOMBRE         permitir volver (o /unban IP)
  /lock, /unlock        cerrar o abrir la sala a nuevos miembros
  /say TEXTO            aviso del profesor a toda la sala
  /delete ID            borrar un archivo compartido
Un nombre con espacios va entre comillas si le sigue un motivo: /kick "Ana María" motivo`,
    en: `Teacher commands:
  /who                  who is here, with their address
  /kick NAME [reason]   remove someone (no way back without /unban)
  /mute NAME            mute (reads, cannot post or share)
  /unmute NAME          let them post again
  /unban NAME           let them come back (or /unban IP)
  /lock, /unlock        close or open the room to newcomers
  /say TEXT             a teacher's notice to the whole room
  /delete ID            delete a shared file
A name with spaces goes in quotes when a reason follows: /kick "Ana María" reason`,
  },
} satisfies Catalog;
