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
  // Why a connection failed, from the system error's class (lib/terminal/connect_text.ts).
  netUnreachable: {
    es:
      "no hay camino de red hasta esa dirección (¿este equipo está en otra red o sin cable/wifi?)",
    en: "no network path to that address (is this computer on another network, or offline?)",
  },
  netReset: { es: "el otro extremo cortó la conexión", en: "the other end cut the connection" },
  netAddrUnavailable: {
    es: "esa dirección no está disponible en este equipo",
    en: "that address is not available on this computer",
  },
  netPermission: {
    es: "el sistema no deja abrir la conexión (¿un cortafuegos de este equipo?)",
    en: "the system does not allow the connection (a firewall on this computer?)",
  },
  // Operating-system errors (lib/client/os_errors.ts), said in the user's language.
  os_exists: {
    es: "ya existe un archivo o carpeta con ese nombre",
    en: "a file or folder with that name already exists",
  },
  os_not_found: {
    es: "no se encuentra el archivo o la carpeta",
    en: "the file or folder is not there",
  },
  os_permission: {
    es: "no hay permiso para leer o escribir ahí (elige otra carpeta con --downloads)",
    en: "no permission to read or write there (choose another folder with --downloads)",
  },
  os_no_space: { es: "el disco de este equipo está lleno", en: "this computer's disk is full" },
  os_is_directory: { es: "es una carpeta, no un archivo", en: "it is a folder, not a file" },
  os_not_directory: {
    es: "una parte de la ruta no es una carpeta",
    en: "a part of the path is not a folder",
  },
  os_busy: {
    es: "el archivo está abierto en otro programa; ciérralo y vuelve a intentarlo",
    en: "the file is open in another program; close it and try again",
  },
  os_name_too_long: { es: "el nombre es demasiado largo", en: "the name is too long" },
  os_invalid_name: {
    es: "el sistema no acepta ese nombre de archivo",
    en: "the system does not accept that file name",
  },
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
