/**
 * Part of the client's one catalogue ({@link ../text.ts}): coming back after
 * a lost connection (lib/client/reconnect.ts), and what a transfer says when
 * its integrity could not be checked or the server never confirmed it.
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** Client texts: reconnection, and transfer outcomes that are not a plain success. */
export const reconnectText = {
  connectionLost: {
    es:
      "Se perdió la conexión con el servidor. Reintentando… (lo que escribas no se envía hasta que vuelva; /quit para salir)",
    en:
      "The connection to the server was lost. Retrying… (nothing you type is sent until it is back; /quit to leave)",
  },
  serverStoppedRetrying: {
    es: "El servidor se detuvo. Reintentando hasta que vuelva… (/quit para salir)",
    en: "The server stopped. Retrying until it is back… (/quit to leave)",
  },
  reconnected: {
    es: "Conectado de nuevo a {host}:{port} como {name}.",
    en: "Connected again to {host}:{port} as {name}.",
  },
  reconnectedMissed: {
    es:
      "{count} mensajes de mientras no estabas ya no están en el historial del servidor y no se pueden mostrar.",
    en:
      "{count} messages from while you were away are no longer in the server's history and cannot be shown.",
  },
  reconnectedMissedMore: {
    es:
      "Puede que falten mensajes de mientras no estabas: al menos {count} ya no están en el historial del servidor.",
    en:
      "Some messages from while you were away may be missing: at least {count} are no longer in the server's history.",
  },
  memberReconnecting: { es: "reconectando", en: "reconnecting" },
  promptOffline: { es: "sin conexión", en: "offline" },
  notConnected: {
    es: "Sin conexión con el servidor; reintentando. Vuelve a enviarlo cuando se recupere.",
    en: "Not connected to the server; retrying. Send it again once it is back.",
  },
  downloadDoneUnverified: {
    es: "Descargado: {path} ({size}; el servidor no dio su SHA-256: integridad NO verificada)",
    en: "Downloaded: {path} ({size}; the server gave no SHA-256: integrity NOT verified)",
  },
  downloadContinuing: {
    es: "Se continúa la descarga de {filename} desde {done} (parte ya descargada)",
    en: "Continuing the download of {filename} from {done} (part already downloaded)",
  },
  already_running: {
    es: "ya se está descargando ese archivo en esta carpeta",
    en: "that file is already being downloaded into this folder",
  },
  no_reply: {
    es:
      "el servidor recibió el archivo pero no confirmó la subida a tiempo; mira /files antes de volver a intentarlo",
    en:
      "the server received the file but did not confirm the upload in time; check /files before trying again",
  },
} satisfies Catalog;
