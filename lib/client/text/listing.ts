/**
 * Part of the client's one catalogue ({@link ../text.ts}): the pages and
 * searches of `/files` (the server sends the file list in pages, PROTOCOL.md
 * 2.4).
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** Client texts: `/files` pages and searches. */
export const listingText = {
  filesPage: {
    es: "Archivos {first}–{last} de {total} (los más nuevos al final):",
    en: "Files {first}–{last} of {total} (newest last):",
  },
  filesFound: {
    es: "{total} archivo(s) con «{query}»:",
    en: "{total} file(s) matching «{query}»:",
  },
  noFilesFound: {
    es: "Ningún archivo contiene «{query}»",
    en: "No file matches «{query}»",
  },
  filesNextPage: {
    es: "… y {more} más antiguos: /files {page}",
    en: "… and {more} older ones: /files {page}",
  },
  filesNarrow: {
    es: "… y {more} más antiguos: escribe más texto para afinar la búsqueda",
    en: "… and {more} older ones: type more text to narrow the search",
  },
  filesMorePaged: {
    es: "… y {count} más: /files para verlos por páginas, /files TEXTO para buscar",
    en: "… and {count} more: /files to page through them, /files TEXT to search",
  },
} satisfies Catalog;
