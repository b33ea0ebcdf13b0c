/**
 * The client's catalogue as the terminal uses it: a translator whose
 * parameters must be {@link SafeText} (or numbers) and whose result is
 * `SafeText`. Catalogue templates are the program's own text; with every
 * parameter sanitised, the line it builds is safe to print, and the compiler
 * refuses a raw network string as a parameter.
 *
 * @example
 * ```ts
 * import { safe } from "../protocol/safe_text.ts";
 * import { clientTranslator } from "./safe_translate.ts";
 * const st = clientTranslator("en");
 * st("joined", { name: safe("Eva\x1b[2J") }); // "Eva joined the chat"
 * ```
 *
 * @module
 */

import { clientText, type ClientTextKey } from "../client/text.ts";
import { type Lang, type Params, translator } from "../protocol/i18n.ts";
import { safe, type SafeText } from "../protocol/safe_text.ts";

/** A translator bound to the client's catalogue (plain strings in and out). */
export type Translate = ReturnType<typeof translator<typeof clientText>>;

/** Parameters a {@link SafeTranslate} accepts: sanitised text or numbers. */
export type SafeParams = Readonly<Record<string, SafeText | number>>;

/** A translator whose parameters and result are safe to print. */
export type SafeTranslate = (key: ClientTextKey, params?: SafeParams) => SafeText;

/** Wraps a plain translator: same texts, typed so only safe parameters go in. */
export function safeTranslator(t: Translate): SafeTranslate {
  return (key, params) => t(key, params) as SafeText;
}

/** The safe translator of the client's catalogue in `lang`. */
export function clientTranslator(lang: Lang): SafeTranslate {
  return safeTranslator(translator(clientText, lang));
}

/**
 * Sanitises every string of a parameter set that came from elsewhere (an
 * event's params): strings go through {@link safe}, numbers stay.
 */
export function safeParams(params: Params | undefined): Record<string, SafeText | number> {
  const out: Record<string, SafeText | number> = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    out[k] = typeof v === "number" ? v : safe(v);
  }
  return out;
}
