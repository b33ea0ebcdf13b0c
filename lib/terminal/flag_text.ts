/**
 * The client's command-line mistakes, said in the user's language: option
 * errors from node:util `parseArgs` (with "did you mean" for a mistyped
 * option), and `--host` values as people write them (`192.168.1.10:9009`,
 * `[fe80::1]:9009`, or a web address, which is explained). Pure.
 *
 * @example
 * ```ts
 * import { parseHostFlag } from "./flag_text.ts";
 * parseHostFlag("127.0.0.1:12009"); // { host: "127.0.0.1", port: 12009 }
 * parseHostFlag("http://10.0.0.2/"); // { error: "url" }
 * ```
 *
 * @module
 */

import type { Lang } from "../protocol/i18n.ts";
import { argProblem, closestFlag } from "../protocol/cli_args.ts";
import { safe, type SafeText } from "../protocol/safe_text.ts";
import { clientTranslator } from "./safe_translate.ts";

/** Example values for options that need one (shown when the value is missing). */
const EXAMPLES: Record<string, string> = {
  "--name": "Ana",
  "--host": "192.168.1.10",
  "--chat-port": "9009",
  "--lang": "en",
};

/** A command-line mistake explained; `hinted` when the text already says what to type. */
export interface FlagProblemText {
  text: SafeText;
  hinted: boolean;
}

/**
 * Explains a `parseArgs` error in `lang`: which option is unknown (and the
 * known one it resembles), which needs a value, or what was not expected.
 * `known` lists the program's options without dashes.
 */
export function describeFlagProblem(
  e: unknown,
  lang: Lang,
  known: readonly string[],
): FlagProblemText {
  const st = clientTranslator(lang);
  const p = argProblem(e);
  switch (p.kind) {
    case "unknown": {
      const suggestion = closestFlag(p.flag, known);
      if (suggestion === null) {
        return { text: st("unknownFlag", { flag: safe(p.flag) }), hinted: false };
      }
      const text = st("unknownFlagDidYouMean", {
        flag: safe(p.flag),
        suggestion: safe(suggestion),
      });
      return { text, hinted: true };
    }
    case "missing_value": {
      const example = safe(EXAMPLES[p.flag] ?? "…");
      return { text: st("flagNeedsValue", { flag: safe(p.flag), example }), hinted: true };
    }
    case "no_value":
      return { text: st("flagTakesNoValue", { flag: safe(p.flag) }), hinted: false };
    case "positional":
      return { text: st("unexpectedArgument", { value: safe(p.value) }), hinted: true };
    default:
      return { text: st("badFlag", { detail: safe(p.message) }), hinted: false };
  }
}

/** A `--host` value understood: the host, and the port when it named one. */
export type HostFlag = { host: string; port?: number } | { error: "url" | "port" | "host" };

/** A host name (letters, digits, hyphens, underscores as Windows names have, dots) or an IPv4 address. */
const HOST_NAME =
  /^[\p{L}\p{N}_](?:[\p{L}\p{N}_-]*[\p{L}\p{N}_])?(?:\.[\p{L}\p{N}_](?:[\p{L}\p{N}_-]*[\p{L}\p{N}_])?)*\.?$/u;
/** An IPv6 address (hex groups, colons, an optional zone or IPv4 tail). */
const IPV6 = /^[0-9A-Fa-f:.]+(?:%[\w.-]+)?$/;

/**
 * Reads `--host`: a name or address, optionally with `:port`
 * (`[v6 address]:port` for IPv6). A web address (`http://…`) is an error the
 * caller explains: the chat is not a web page.
 */
export function parseHostFlag(value: string): HostFlag {
  const text = value.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return { error: "url" };
  const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(text);
  if (bracketed !== null) {
    return IPV6.test(bracketed[1]) ? withPort(bracketed[1], bracketed[2]) : { error: "host" };
  }
  const colons = text.split(":").length - 1;
  // One colon: host:port. Several: a bare IPv6 address.
  if (colons === 1) {
    const [host, port] = text.split(":");
    return HOST_NAME.test(host) ? withPort(host, port) : { error: "host" };
  }
  if (colons > 1) return IPV6.test(text) ? { host: text } : { error: "host" };
  // Empty is for the caller to explain (it names the flag); anything else must be a name.
  return text === "" || HOST_NAME.test(text) ? { host: text } : { error: "host" };
}

function withPort(host: string, port: string | undefined): HostFlag {
  if (port === undefined) return { host };
  const n = Number(port);
  if (!/^\d{1,5}$/.test(port) || n < 1 || n > 65535) return { error: "port" };
  return { host, port: n };
}
