/**
 * Why the chat client could not connect or was not admitted: one error class
 * with a machine {@link ConnectErrorCode} and the fields a message needs
 * (host, port, the server's code and text), never parsed back from text.
 *
 * @module
 */

/** Why connecting failed, as the UI explains it (lib/terminal/ has one text per code). */
export type ConnectErrorCode =
  | "unresolved"
  | "refused"
  | "timeout"
  | "failed"
  | "name_taken"
  | "name_invalid"
  | "refused_by_server"
  | "hello_closed"
  | "hello_timeout"
  | "bad_reply";

/**
 * A failure to connect or to be admitted; the UI explains `code` to the user.
 *
 * @example
 * ```ts
 * import { ConnectError } from "./connect_errors.ts";
 * const e = new ConnectError("name_taken", { host: "10.0.0.2", port: 9009, detail: "En uso", serverCode: "name_taken" });
 * e.code; // "name_taken"
 * ```
 */
export class ConnectError extends Error {
  override name = "ConnectError";
  readonly code: ConnectErrorCode;
  readonly host: string;
  readonly port: number;
  /** Server error code when the server refused the hello. */
  readonly serverCode?: string;
  /** Server message, or the system error's text. */
  readonly detail: string;
  constructor(
    code: ConnectErrorCode,
    init: { host: string; port: number; detail: string; serverCode?: string; cause?: unknown },
  ) {
    super(`Connection to ${init.host}:${init.port} failed: ${code}: ${init.detail}`, {
      cause: init.cause,
    });
    this.code = code;
    this.host = init.host;
    this.port = init.port;
    this.detail = init.detail;
    this.serverCode = init.serverCode;
  }
}

/** Sorts a `Deno.connect` failure into the cases a user can act on. */
export function classifyConnectError(error: unknown): "unresolved" | "refused" | "failed" {
  if (error instanceof Deno.errors.ConnectionRefused) return "refused";
  const e = error as { name?: string; message?: string; code?: string };
  const text = `${e?.name ?? ""} ${e?.code ?? ""} ${e?.message ?? ""}`;
  if (/ECONNREFUSED|refused|10061/i.test(text)) return "refused";
  if (
    error instanceof Deno.errors.NotFound ||
    /lookup|resolve|getaddrinfo|not known|nodename|no such host|11001|ENOTFOUND|EAI_/i.test(text)
  ) return "unresolved";
  return "failed";
}
