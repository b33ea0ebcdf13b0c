/**
 * The server's texts for the room's defences (issue 7): look-alike names,
 * limits per address, coalesced join/leave summaries, bounded file lists,
 * incomplete frames, and the log lines of refusals and rate limits. Spanish
 * and English; spread into `serverText` (lib/server/text.ts).
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** The room guard's part of the server catalogue. */
export const roomGuardText = {
  name_lookalike: {
    es: "El nombre «{name}» se confunde con «{other}», que ya está en uso",
    en: "The name «{name}» looks like «{other}», which is already taken",
  },
  rate_limited_ip: {
    es: "Demasiados mensajes desde tu dirección ({ip}): espera un momento",
    en: "Too many messages from your address ({ip}): wait a moment",
  },
  joins_limited: {
    es: "Demasiadas entradas desde esta dirección ({ip}): espera unos segundos",
    en: "Too many joins from this address ({ip}): wait a few seconds",
  },
  frame_timeout: {
    es: "Trama incompleta durante más de {seconds} s",
    en: "Incomplete frame for more than {seconds} s",
  },
  members_changed: {
    es: "Entraron {joined} y salieron {left} ({count} en la sala)",
    en: "{joined} joined and {left} left ({count} in the room)",
  },
  log_members_changed: {
    es: "Muchas entradas y salidas: {joined} entraron, {left} salieron ({count} en la sala)",
    en: "Many joins and leaves: {joined} joined, {left} left ({count} in the room)",
  },
  log_refused: {
    es: "Rechazado desde {ip}: {what} ({count})",
    en: "Refused from {ip}: {what} ({count})",
  },
  log_rate_limited: {
    es: "Límite de ritmo superado desde {ip}: {what} ({count})",
    en: "Rate limit hit from {ip}: {what} ({count})",
  },
  // What a `refused` or `rate_limited` event was about (its `what` field).
  log_what_messages: { es: "mensajes", en: "messages" },
  log_what_joins: { es: "entradas a la sala", en: "joins" },
  log_what_connections: { es: "conexiones", en: "connections" },
  log_what_upload: { es: "subidas", en: "uploads" },
  log_what_upload_files: {
    es: "archivos compartidos (límite por miembro)",
    en: "shared files (per-member cap)",
  },
  log_what_v1_upload: { es: "subidas de clientes originales", en: "uploads from original clients" },
  log_what_discovery: { es: "consultas de descubrimiento", en: "discovery queries" },
} satisfies Catalog;
