/**
 * Part of the client's one catalogue ({@link ../text.ts}): call audio —
 * microphone capture, mute, playback in the window and the terminal, the
 * audio lines of `/call stats` and the call page's audio controls.
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** Client texts: call audio. */
export const audioText = {
  noMics: { es: "No se encontró ningún micrófono", en: "No microphone found" },
  mics: { es: "Micrófonos (para --mic):", en: "Microphones (for --mic):" },
  audio_headphones: {
    es:
      "Micrófono silenciado al entrar: usa auriculares para no hacer eco a los PCs de al lado. /unmute (o m en la ventana, o mantén la barra espaciadora) para hablar",
    en:
      "Microphone muted on joining: use headphones so the PCs next to you get no echo. /unmute (or m in the window, or hold the space bar) to talk",
  },
  audio_test_source: {
    es: "Audio de prueba: tono de {freq} Hz (sin silenciar; /mute para callarlo)",
    en: "Test audio: a {freq} Hz tone (not muted; /mute to silence it)",
  },
  audio_none: {
    es: "Sin envío de audio (--audio-source none): solo escuchas",
    en: "Not sending audio (--audio-source none): you only listen",
  },
  audio_no_mic: {
    es:
      "No se encontró el micrófono: {mic} — sigues en la llamada sin enviar sonido (pc3-client --list-mics)",
    en:
      "Microphone not found: {mic} — you stay in the call without sending sound (pc3-client --list-mics)",
  },
  audio_mic_busy: {
    es:
      "El micrófono está ocupado por otro programa: {mic} — sigues en la llamada sin enviar sonido",
    en:
      "The microphone is busy in another program: {mic} — you stay in the call without sending sound",
  },
  audio_capture_failed: {
    es: "La captura de audio se detuvo: {detail} — sigues en la llamada sin enviar sonido",
    en: "Audio capture stopped: {detail} — you stay in the call without sending sound",
  },
  audio_muted: {
    es: "Micrófono silenciado. /unmute para hablar",
    en: "Microphone muted. /unmute to talk",
  },
  audio_unmuted: {
    es: "Micrófono activo: los demás te oyen. /mute para silenciarlo",
    en: "Microphone on: the others hear you. /mute to mute it",
  },
  audio_not_in_call: {
    es: "No estás en una llamada: /mute y /unmute sirven durante una llamada",
    en: "You are not in a call: /mute and /unmute work during a call",
  },
  audio_no_output: {
    es:
      "Sin sonido en la vista {view}: el ffmpeg de este equipo no tiene salida de audio ({os}). Para oír la llamada usa --video-view window",
    en:
      "No sound in the {view} view: this machine's ffmpeg has no audio output ({os}). To hear the call use --video-view window",
  },
  audio_no_ffmpeg_output: {
    es:
      "Sin sonido en la vista {view}: no se encontró ffmpeg. Para oír la llamada usa --video-view window",
    en:
      "No sound in the {view} view: ffmpeg was not found. To hear the call use --video-view window",
  },
  audio_output_failed: {
    es:
      "Sin sonido: ffmpeg no pudo abrir la salida de audio ({detail}). Para oír la llamada usa --video-view window",
    en:
      "No sound: ffmpeg could not open the audio output ({detail}). To hear the call use --video-view window",
  },
  audio_stats_header: {
    es: "Audio: {state}, {sent} paquetes enviados, fuente {source}",
    en: "Audio: {state}, {sent} packets sent, source {source}",
  },
  audio_state_muted: { es: "silenciado", en: "muted" },
  audio_state_live: { es: "micrófono activo", en: "microphone on" },
  audio_source_mic: { es: "micrófono", en: "microphone" },
  audio_source_test: { es: "tono de prueba", en: "test tone" },
  audio_source_none: { es: "ninguna", en: "none" },
  audio_stats_member: {
    es:
      "  {name}: audio {packets} paquetes, {lost} perdidos, jitter {jitter} ms, búfer {depth} ms, {underruns} cortes",
    en:
      "  {name}: audio {packets} packets, {lost} lost, jitter {jitter} ms, buffer {depth} ms, {underruns} underruns",
  },
  audio_stats_member_none: {
    es: "  {name}: sin audio",
    en: "  {name}: no audio",
  },
  // The call page (lib/media/audio_page.ts).
  audio_page_mic_muted: { es: "🎤 silenciado (m)", en: "🎤 muted (m)" },
  audio_page_mic_live: { es: "🎤 hablando (m)", en: "🎤 live (m)" },
  audio_page_hint: {
    es: "m: micrófono · mantén espacio para hablar · usa auriculares",
    en: "m: microphone · hold space to talk · use headphones",
  },
  audio_page_enable: {
    es: "Haz clic en la página para activar el sonido",
    en: "Click the page to turn the sound on",
  },
  audio_page_no_decoder: {
    es: "Este navegador no decodifica Opus (WebCodecs): sin sonido. Usa Chrome, Edge o Chromium",
    en: "This browser cannot decode Opus (WebCodecs): no sound. Use Chrome, Edge or Chromium",
  },
  audio_page_volume: { es: "Volumen", en: "Volume" },
  audio_page_mute_tile: { es: "Silenciar a esta persona", en: "Mute this person" },
  audio_page_muted_badge: { es: "micro apagado", en: "mic off" },
} satisfies Catalog;
