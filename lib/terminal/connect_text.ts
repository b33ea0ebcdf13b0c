/**
 * The lines that tell a person why the client could not connect or lost its
 * connection, and what to do about it. Pure.
 *
 * @example
 * ```ts
 * import { ConnectError } from "../client/connect_errors.ts";
 * import { clientText } from "../client/text.ts";
 * import { translator } from "../protocol/i18n.ts";
 * import { describeConnectError, renderLost } from "./connect_text.ts";
 * const t = translator(clientText, "en");
 * const e = new ConnectError("refused", { host: "10.0.0.2", port: 9009, detail: "" });
 * describeConnectError(e, t, "Ana"); // "[ERROR] ... 10.0.0.2:9009 ..."
 * renderLost(t, "10.0.0.2", 9009);
 * ```
 *
 * @module
 */

import type { ConnectError, ConnectErrorCode } from "../client/connect_errors.ts";
import { ProtocolError } from "../protocol/frame.ts";
import { DEFAULT_CHAT_PORT } from "../protocol/limits.ts";
import type { ClientTextKey } from "../client/text.ts";
import { safe, type SafeText, safeText } from "../protocol/safe_text.ts";
import {
  type SafeParams,
  type SafeTranslate,
  safeTranslator,
  type Translate,
} from "./safe_translate.ts";

/** Seconds the client waits for a TCP connection (the `timeout` code's text says it). */
const CONNECT_TIMEOUT_SECONDS = 5;

/** The catalogue key explaining each code, and the parameters it adds. */
const CONNECT_TEXT: {
  [C in ConnectErrorCode]: [ClientTextKey, (e: ConnectError, st: SafeTranslate) => SafeParams];
} = {
  refused: ["connRefused", () => ({})],
  unresolved: ["connUnresolved", () => ({})],
  timeout: ["connTimeout", () => ({ seconds: CONNECT_TIMEOUT_SECONDS })],
  failed: ["connFailed", (e, st) => ({ detail: failureDetail(e, st) })],
  name_taken: ["nameTaken", () => ({})],
  name_invalid: ["nameInvalid", (e) => ({ message: safe(e.detail) })],
  refused_by_server: ["helloRefused", (e) => ({ message: safe(e.detail) })],
  hello_closed: ["helloClosed", () => ({})],
  hello_timeout: ["helloTimeout", (e) => ({ seconds: safe(e.detail) })],
  bad_reply: ["badReply", () => ({})],
};

/** The line telling the user the connection was lost (the event itself does not carry host and port). */
export function renderLost(t: Translate, host: string, port: number): SafeText {
  const st = safeTranslator(t);
  return safeText`${st("tagError")} ${st("closedLost", { host: safe(host), port })}`;
}

/** System errors of a failed connect, said in the user's language (by class, never by text). */
const NET_DETAIL: ReadonlyArray<[new (...args: never[]) => Error, ClientTextKey]> = [
  [Deno.errors.NetworkUnreachable, "netUnreachable"],
  [Deno.errors.ConnectionReset, "netReset"],
  [Deno.errors.ConnectionAborted, "netReset"],
  [Deno.errors.AddrNotAvailable, "netAddrUnavailable"],
  [Deno.errors.PermissionDenied, "netPermission"],
];

/** The detail of a `failed` connect: translated when the system error's class is known. */
function failureDetail(e: ConnectError, st: SafeTranslate): SafeText {
  for (const [cls, key] of NET_DETAIL) if (e.cause instanceof cls) return st(key);
  return safe(e.detail);
}

/** "HTTP" read as a frame length: a web server answered the hello. */
const HTTP_AS_LENGTH = 0x48545450;

/**
 * What answered the hello when it was not a PC3 chat server, or null: a
 * reply that is no frame at all (a web server's `HTTP/1.1 …` reads as a
 * huge length), or PC3's own file port (it answers `unknown_type`).
 */
function notChatServer(e: ConnectError): "notPc3FilePort" | "notPc3Http" | "notPc3Other" | null {
  if (e.code === "refused_by_server" && e.serverCode === "unknown_type") return "notPc3FilePort";
  if (e.code !== "bad_reply" || !(e.cause instanceof ProtocolError)) return null;
  if (e.cause.code === "frame_too_large" && e.cause.size === HTTP_AS_LENGTH) return "notPc3Http";
  return "notPc3Other";
}

/** Codes whose text carries a hint, and the text without it for when a check follows. */
const BARE: Partial<Record<ConnectErrorCode, ClientTextKey>> = {
  refused: "connRefusedBare",
  timeout: "connTimeoutBare",
};

/**
 * Explains a {@link ConnectError} in one line, with what to do about it;
 * with `checkFollows` (the automatic connection check prints causes and
 * fixes next), the line states the failure only: one hint, not two.
 */
export function describeConnectError(
  e: ConnectError,
  t: Translate,
  name: string,
  options: { checkFollows?: boolean } = {},
): SafeText {
  const p = { host: safe(e.host), port: e.port, detail: safe(e.detail), name: safe(name) };
  const st = safeTranslator(t);
  const other = notChatServer(e);
  if (other !== null) {
    const text = st("notPc3Server", { ...p, what: st(other), chatPort: DEFAULT_CHAT_PORT });
    return safeText`${st("tagError")} ${text}`;
  }
  const [hinted, extra] = CONNECT_TEXT[e.code] ?? CONNECT_TEXT.failed;
  const key = options.checkFollows ? BARE[e.code] ?? hinted : hinted;
  return safeText`${st("tagError")} ${st(key, { ...p, ...extra(e, st) })}`;
}
