/**
 * A reusable check for text catalogues (lib/protocol/i18n.ts `Catalog`): every
 * key has a non-empty text in every language, and each language's text uses
 * the same `{placeholder}` names. The client's and the server's catalogue
 * tests both call it, so the two are held to one rule.
 *
 * @example
 * ```ts
 * import { catalogueProblems } from "./catalogue_check.ts";
 * const problems = catalogueProblems({ hi: { es: "Hola {name}", en: "Hi {who}" } });
 * // ["hi: en has placeholders {who}, es has {name}"]
 * ```
 *
 * @module
 */

import type { Lang } from "../lib/protocol/i18n.ts";

/** The languages every catalogue must cover (the `Lang` union of lib/protocol/i18n.ts). */
export const CATALOGUE_LANGS: readonly Lang[] = ["es", "en"];

/** The `{name}` placeholders of a template, sorted and without repeats. */
export function placeholders(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(/\{(\w+)\}/g)) names.add(match[1]);
  return [...names].sort();
}

/**
 * Lists what is wrong with a catalogue, one line per problem (empty when it is
 * sound): a key missing a language or holding an empty text, an unexpected
 * language, or placeholders that differ from the first language's.
 */
export function catalogueProblems(
  catalogue: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  langs: readonly string[] = CATALOGUE_LANGS,
): string[] {
  const problems: string[] = [];
  for (const [key, texts] of Object.entries(catalogue)) {
    for (const lang of Object.keys(texts)) {
      if (!langs.includes(lang)) problems.push(`${key}: unexpected language ${lang}`);
    }
    let reference: { lang: string; names: string } | null = null;
    for (const lang of langs) {
      const text = texts[lang];
      if (typeof text !== "string" || text === "") {
        problems.push(`${key}: no ${lang} text`);
        continue;
      }
      const names = placeholders(text).map((n) => `{${n}}`).join(" ");
      if (reference === null) reference = { lang, names };
      else if (names !== reference.names) {
        problems.push(
          `${key}: ${lang} has placeholders ${names || "none"}, ${reference.lang} has ${
            reference.names || "none"
          }`,
        );
      }
    }
  }
  return problems;
}
