/**
 * Part of the server's catalogue ({@link ../text.ts}): command-line values
 * explained (what a size flag accepts).
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** Server texts: the command line. */
export const cliServerText = {
  expectSize: {
    es: "un tamaño en bytes o con sufijo K, M, G o T, por ejemplo 500M o 16G",
    en: "a size in bytes or with a K, M, G or T suffix, for example 500M or 16G",
  },
} satisfies Catalog;
