/**
 * Choosing the server when the client was started without `--host` (a
 * double-clicked `pc3-client.exe`, or `--join`/the address typed by hand):
 * discovery first; one server is offered (Enter joins), several are listed
 * (type a number), none is said plainly and the address is asked for, with
 * the last one used as the Enter default. A join code is accepted wherever an
 * address is, and a typo in it is caught and explained.
 *
 * Pure of sockets and terminals: discovery and the prompts are injected.
 *
 * @example
 * ```ts
 * import { chooseServer } from "./start_prompt.ts";
 * const choice = await chooseServer({
 *   lang: "en",
 *   defaultChatPort: 9009,
 *   discover: () => Promise.resolve([]),
 *   io: { ask: () => Promise.resolve("192.168.1.10"), print: (lines) => console.log(lines.join("\n")) },
 * });
 * // choice: { host: "192.168.1.10", chatPort: 9009 }
 * ```
 *
 * @module
 */

import type { Lang } from "../protocol/i18n.ts";
import { parseIpv4 } from "../protocol/ipv4.ts";
import {
  decodeJoinCode,
  encodeJoinCode,
  JoinCodeError,
  looksLikeJoinCode,
} from "../protocol/join_code.ts";
import { safe, type SafeText } from "../protocol/safe_text.ts";
import type { ClientConfig } from "./config_file.ts";
import type { FoundServer } from "./discovery.ts";
import { labTranslator } from "./text/lab.ts";

/** Where to connect. */
export interface ServerChoice {
  host: string;
  chatPort: number;
  /** Known from discovery or a join code; otherwise the welcome says. */
  filePort?: number;
  /** Known from discovery or a join code; otherwise the welcome says. */
  mediaPort?: number;
}

/** What the prompt needs from a terminal (the client's `TerminalUi` fits). */
export interface PromptIo {
  /** Asks for one line (an empty one too, with `allowEmpty`); null on Ctrl+C or the end of input. */
  ask(prompt: SafeText, options?: { allowEmpty?: boolean }): Promise<string | null>;
  /** Prints lines. */
  print(lines: readonly SafeText[]): void;
}

/** Options of {@link chooseServer}. */
export interface ChooseOptions {
  lang: Lang;
  io: PromptIo;
  /** Looks for servers (lib/client/discovery.ts `discoverServers`). */
  discover: () => Promise<FoundServer[]>;
  /** What the config file remembers (the last address is the Enter default). */
  last?: ClientConfig;
  /** Chat port for an address typed without one. */
  defaultChatPort: number;
}

/** An address or code as typed, read; or why it could not be read. */
export type ParsedAddress =
  | { ok: true; choice: ServerChoice; code?: string }
  | { ok: false; error: SafeText };

/**
 * Reads what a person typed where an address is asked for: a join code
 * (`K7M2-QX4D`), `host`, `host:port`, or a pasted `http://host:port/`.
 */
export function parseAddress(text: string, defaultChatPort: number, lang: Lang): ParsedAddress {
  const st = labTranslator(lang);
  const typed = text.trim();
  if (looksLikeJoinCode(typed)) {
    try {
      const target = decodeJoinCode(typed);
      return { ok: true, choice: target, code: typed.toUpperCase() };
    } catch (e) {
      if (!(e instanceof JoinCodeError)) throw e;
      const code = safe(typed);
      if (e.code === "checksum" || e.code === "bad_layout") {
        return { ok: false, error: st("joinCodeTypo", { code }) };
      }
      const detail = e.code === "bad_char"
        ? st("joinCodeBadChar", { char: safe(typed[e.position ?? 0] ?? "") })
        : st("joinCodeBadLength");
      return { ok: false, error: st("joinCodeBad", { code, detail }) };
    }
  }
  const bare = typed.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").replace(/\/.*$/, "");
  const m = /^([^\s:/[\]]+)(?::(\d{1,5}))?$/.exec(bare);
  const badPort = m?.[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535);
  // A bare number is neither an address nor a name (a list choice out of range).
  if (m === null || badPort || /^\d+$/.test(m[1])) {
    return { ok: false, error: st("badChoice", { value: safe(typed) }) };
  }
  return { ok: true, choice: { host: m[1], chatPort: m[2] ? Number(m[2]) : defaultChatPort } };
}

/** The join code of a found server, or "" when its address is not IPv4. */
function codeOf(f: FoundServer): string {
  if (parseIpv4(f.address) === null) return "";
  return encodeJoinCode({ host: f.address, ...f.info });
}

/** One numbered line per found server, every network string sanitised. */
export function formatFound(found: readonly FoundServer[], lang: Lang): SafeText[] {
  const st = labTranslator(lang);
  return found.map((f, i) =>
    st("discoveredLine", {
      n: i + 1,
      room: f.info.room === "" ? st("discoveredNoRoom") : safe(f.info.room),
      server: safe(f.info.server),
      address: safe(f.address),
      port: f.info.chatPort,
      members: f.info.members,
      password: f.info.password ? st("discoveredPassword") : safe(""),
      code: safe(codeOf(f)),
    })
  );
}

function choiceOf(f: FoundServer): ServerChoice {
  return {
    host: f.address,
    chatPort: f.info.chatPort,
    filePort: f.info.filePort,
    mediaPort: f.info.mediaPort,
  };
}

/**
 * Runs discovery and asks until a server is chosen; null when the person
 * gives up (Ctrl+C or the end of input).
 */
export async function chooseServer(options: ChooseOptions): Promise<ServerChoice | null> {
  const { io, lang } = options;
  const st = labTranslator(lang);
  io.print([st("discovering")]);
  const found = await options.discover();
  let prompt: SafeText;
  if (found.length === 1) {
    const f = found[0];
    prompt = st("offerOne", {
      room: f.info.room === "" ? st("discoveredNoRoom") : safe(f.info.room),
      server: safe(f.info.server),
      address: safe(f.address),
    });
  } else if (found.length > 1) {
    io.print([st("discoveredHeader"), ...formatFound(found, lang)]);
    prompt = st("offerMany");
  } else {
    io.print([st("discoveredNone")]);
    const last = options.last?.host;
    prompt = last === undefined ? st("askAddress") : st("askAddressLast", { last: safe(last) });
  }
  while (true) {
    const answer = await io.ask(prompt, { allowEmpty: true });
    if (answer === null) return null;
    const typed = answer.trim();
    if (typed === "") {
      if (found.length === 1) return choiceOf(found[0]);
      const last = options.last;
      if (found.length === 0 && last?.host !== undefined) {
        return { host: last.host, chatPort: last.chatPort ?? options.defaultChatPort };
      }
      continue;
    }
    if (found.length > 1 && /^\d{1,3}$/.test(typed)) {
      const n = Number(typed);
      if (n >= 1 && n <= found.length) return choiceOf(found[n - 1]);
    }
    const parsed = parseAddress(typed, options.defaultChatPort, lang);
    if (parsed.ok) return parsed.choice;
    io.print([parsed.error]);
  }
}

/**
 * Whether a fatal error should wait for Enter before the program exits: when
 * the program probably has a console window of its own that closes with it.
 * The heuristic: on Windows, with a console for input, started with no
 * arguments at all (a double click passes none; people at a terminal usually
 * type some), and not from `cmd.exe` (which sets `PROMPT` for its children
 * and keeps its window open). Elsewhere never: programs start from a terminal
 * that stays. `PC3_PAUSE=1` or `0` overrides it.
 */
export function shouldPauseOnExit(
  args: readonly string[],
  context: { os: string; interactive: boolean; env: (name: string) => string | undefined },
): boolean {
  const forced = context.env("PC3_PAUSE");
  if (forced === "1") return context.interactive;
  if (forced === "0") return false;
  return context.os === "windows" && context.interactive && args.length === 0 &&
    context.env("PROMPT") === undefined;
}
