/**
 * Part of the client's one catalogue ({@link ../text.ts}): the terminal's own
 * words (quitting, paths as people paste them, command-line errors, the
 * version).
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** Client texts: the terminal user interface. */
export const uiText = {
  interruptWithTransfers: {
    es:
      "Hay {count} transferencia(s) en curso: pulsa Ctrl+C otra vez (o escribe /quit) para cancelarlas y salir",
    en: "{count} transfer(s) running: press Ctrl+C again (or type /quit) to cancel them and quit",
  },
  is_directory: {
    es: "es una carpeta: sube los archivos de uno en uno o comprímela antes en un .zip",
    en: "it is a folder: upload its files one by one or compress it into a .zip first",
  },
  unreadable: {
    es: "no se puede leer (permiso denegado)",
    en: "it cannot be read (permission denied)",
  },
  versionLine: { es: "{program} {version}", en: "{program} {version}" },
  notPc3Server: {
    es:
      "{host}:{port} no es un servidor de chat PC3 ({what}). ¿Es el puerto correcto? El chat de PC3 usa el puerto {chatPort}",
    en:
      "{host}:{port} is not a PC3 chat server ({what}). Is the port right? PC3's chat uses port {chatPort}",
  },
  notPc3FilePort: {
    es: "es el puerto de archivos de PC3",
    en: "it is PC3's file port",
  },
  notPc3Http: { es: "responde como un servidor web", en: "it answers like a web server" },
  notPc3Other: { es: "respondió otra cosa", en: "it answered something else" },
  hostWithPort: {
    es: "Se usa el puerto {port} de --host {value} (es lo mismo que --chat-port {port})",
    en: "Using port {port} from --host {value} (the same as --chat-port {port})",
  },
  hostNotUrl: {
    es:
      "--host espera la dirección IP o el nombre del servidor, no una dirección web: por ejemplo --host 192.168.1.10",
    en:
      "--host takes the server's IP address or name, not a web address: for example --host 192.168.1.10",
  },
  hostPortClash: {
    es: "--host {value} dice el puerto {hostPort} y --chat-port dice {chatPort}: usa solo uno",
    en: "--host {value} says port {hostPort} and --chat-port says {chatPort}: use only one",
  },
  unknownFlag: {
    es: "La opción {flag} no existe",
    en: "There is no option {flag}",
  },
  unknownFlagDidYouMean: {
    es: "La opción {flag} no existe. ¿Querías decir {suggestion}?",
    en: "There is no option {flag}. Did you mean {suggestion}?",
  },
  flagNeedsValue: {
    es: "La opción {flag} necesita un valor (por ejemplo {flag} {example})",
    en: "The option {flag} needs a value (for example {flag} {example})",
  },
  flagTakesNoValue: {
    es: "La opción {flag} no lleva valor",
    en: "The option {flag} takes no value",
  },
  unexpectedArgument: {
    es: "No se esperaba «{value}». Las opciones empiezan por -- (por ejemplo --name {value})",
    en: "«{value}» was not expected. Options start with -- (for example --name {value})",
  },
} satisfies Catalog;
