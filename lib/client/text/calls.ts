/**
 * Part of the client's one catalogue ({@link ../text.ts}): call signalling, capture, the call views and `/call stats`.
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** Client texts: call signalling, capture, the call views and `/call stats`. */
export const callText = {
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

  // Call video: capture, views and statistics.
  no_ffmpeg: {
    es:
      "No se encontró ffmpeg (buscado en: {detail}). Instálalo o pon ffmpeg junto a pc3-client — entras a la llamada solo para ver",
    en:
      "ffmpeg was not found (looked in: {detail}). Install it or put ffmpeg next to pc3-client — you join the call watching only",
  },
  no_camera: {
    es: "No se encontró la cámara: {camera} — entras a la llamada solo para ver",
    en: "Camera not found: {camera} — you join the call watching only",
  },
  camera_busy: {
    es: "La cámara está ocupada por otro programa: {camera} — entras a la llamada solo para ver",
    en: "The camera is busy in another program: {camera} — you join the call watching only",
  },
  capture_failed: {
    es: "La captura de vídeo se detuvo: {detail} — sigues en la llamada viendo a los demás",
    en: "Video capture stopped: {detail} — you stay in the call watching the others",
  },
  watching_only: {
    es: "Sin envío de vídeo: solo ves a los demás",
    en: "Not sending video: you only watch the others",
  },
  relay_ok: {
    es: "Conectado al relé de vídeo {host}:{port}",
    en: "Connected to the video relay {host}:{port}",
  },
  relay_waiting: {
    es: "El relé de vídeo {host}:{port} no responde todavía (¿UDP bloqueado por el firewall?)",
    en: "The video relay {host}:{port} does not answer yet (UDP blocked by a firewall?)",
  },
  socket_failed: {
    es: "No se pudo abrir el socket UDP de vídeo: {detail}",
    en: "Could not open the video UDP socket: {detail}",
  },
  window_url: {
    es: "Vídeo de la llamada: {url}",
    en: "Call video: {url}",
  },
  window_open_failed: {
    es: "No se pudo abrir el navegador; abre esta dirección: {url}",
    en: "Could not open the browser; open this address: {url}",
  },
  window_title: { es: "PC3 — videollamada", en: "PC3 — video call" },
  window_hint: {
    es: "Pulsa q para salir de la llamada",
    en: "Press q to leave the call",
  },
  window_left: {
    es: "Saliste de la llamada. Puedes cerrar esta pestaña.",
    en: "You left the call. You can close this tab.",
  },
  window_lost: {
    es: "Conexión perdida con el cliente PC3",
    en: "Connection to the PC3 client lost",
  },
  no_video: { es: "sin vídeo", en: "no video" },
  you: { es: "{name} (tú)", en: "{name} (you)" },
  oversized: {
    es: "Fotogramas demasiado grandes: bajando la calidad (calidad {q})",
    en: "Frames too large: lowering the quality (quality {q})",
  },
  stats_header: {
    es:
      "Vídeo: enviando {fps} fps ({sent} enviados, {oversized} descartados por tamaño, {busy} por red ocupada), fuente {source}",
    en:
      "Video: sending {fps} fps ({sent} sent, {oversized} dropped for size, {busy} for a busy network), source {source}",
  },
  stats_codecs: {
    es: "Formatos enviados: {codecs} ({jpeg} MJPEG, {h264} H.264)",
    en: "Formats sent: {codecs} ({jpeg} MJPEG, {h264} H.264)",
  },
  stats_relay: {
    es: "Relé {host}:{port}: {state}",
    en: "Relay {host}:{port}: {state}",
  },
  relay_state_ok: { es: "registrado", en: "registered" },
  relay_state_wait: { es: "esperando respuesta", en: "waiting for an answer" },
  stats_member: {
    es: "  {name}: {fps} fps, {frames} recibidos, {lost} perdidos, {late} fuera de orden",
    en: "  {name}: {fps} fps, {frames} received, {lost} lost, {late} out of order",
  },
  stats_member_none: {
    es: "  {name}: sin vídeo",
    en: "  {name}: no video",
  },
  stats_nobody: {
    es: "  Nadie más en la llamada",
    en: "  Nobody else in the call",
  },
  source_camera: { es: "cámara", en: "camera" },
  source_test: { es: "prueba", en: "test" },
  source_none: { es: "ninguna", en: "none" },
  h264_failed: {
    es: "No se puede enviar vídeo H.264 ({detail}); se envía MJPEG, que algunos no verán",
    en: "Cannot send H.264 video ({detail}); sending MJPEG, which some will not see",
  },
} satisfies Catalog;
