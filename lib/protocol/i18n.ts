/**
 * Tiny translation helper. User-facing text is Spanish by default with
 * English available; the texts live in catalogues holding both languages
 * for every key (the server's is lib/server/text.ts).
 *
 * @example
 * ```ts
 * const catalog = { joined: { es: "{name} se unió al chat", en: "{name} joined the chat" } };
 * const t = translator(catalog, "en");
 * t("joined", { name: "Ana" }); // "Ana joined the chat"
 * ```
 *
 * @module
 */

/** Languages PC3 speaks. */
export type Lang = "es" | "en";

/** A module's texts: one entry per key, one template per language. */
export type Catalog = Record<string, Record<Lang, string>>;

/** Parameters substituted into `{name}` placeholders. */
export type Params = Record<string, string | number>;

/** Returns true when `value` names a supported language. */
export function isLang(value: unknown): value is Lang {
  return value === "es" || value === "en";
}

/** Fills `{key}` placeholders of a template; unknown placeholders stay as they are. */
export function format(template: string, params: Params = {}): string {
  return template.replace(
    /\{(\w+)\}/g,
    (whole, key: string) => key in params ? String(params[key]) : whole,
  );
}

/** Binds a catalog to one language. */
export function translator<C extends Catalog>(
  catalog: C,
  lang: Lang,
): (key: keyof C & string, params?: Params) => string {
  return (key, params) => format(catalog[key][lang], params);
}

/**
 * The language a command line asks for with `--lang X` or `--lang=X`, read
 * before full flag parsing so that even flag errors speak it. Default "es".
 */
export function langFromArgs(args: readonly string[]): Lang {
  let lang: Lang = "es";
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = a === "--lang" ? args[i + 1] : a.startsWith("--lang=") ? a.slice(7) : undefined;
    if (isLang(value)) lang = value;
  }
  return lang;
}
