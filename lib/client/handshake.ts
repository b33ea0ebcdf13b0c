/**
 * Getting admitted to a chat server: the TCP connect (with its own timeout),
 * the v2 `hello`, and the wait for the `welcome`. Every way this can fail
 * ends in one {@link ConnectError} with a code the UI explains.
 *
 * @module
 */

import { FramedConnection } from "../net/framed_conn.ts";
import { decodeMessage, encodeFrame, type Message } from "../protocol/frame.ts";
import type { Lang } from "../protocol/i18n.ts";
import { SERVER_MAX_FRAME } from "../protocol/limits.ts";
import { VERSION } from "../protocol/version.ts";
import { decodeWelcome, type Welcome } from "../protocol/wire.ts";
import { decodeErrorReply } from "../protocol/wire_chat.ts";
import { handshakeAnswer } from "./auth.ts";
import { classifyConnectError, ConnectError, type ConnectErrorCode } from "./connect_errors.ts";

/** Opens a TCP connection (`Deno.connect` by default; tests inject failures). */
export type Connect = (
  options: { hostname: string; port: number; signal: AbortSignal },
) => Promise<Deno.Conn>;

/** Options of {@link handshake}. */
export interface HandshakeOptions {
  host: string;
  port: number;
  name: string;
  lang: Lang;
  connect?: Connect;
  /** Connect timeout in ms (default 5,000). */
  connectTimeoutMs?: number;
  /** Time allowed for the welcome in ms (default 10,000). */
  helloTimeoutMs?: number;
  /**
   * Coming back after a lost connection (PROTOCOL.md 2.6): the reconnect token
   * of the last welcome (null after none) and the last `seq` seen (null: none).
   */
  resume?: { token: string | null; since: number | null };
  /** The room password, answered to the server's challenge (auth.ts); absent: none. */
  password?: string;
}

/** An admitted session: the connection, its frame reader, and the server's welcome. */
export interface Admitted {
  fc: FramedConnection;
  payloads: AsyncGenerator<Uint8Array>;
  welcome: Welcome;
  /** The welcome's reconnect token (`resume_token`), null from a server without one. */
  resumeToken: string | null;
  /** Messages after `since` the server no longer had (the welcome's `missed`; 0 when none). */
  missed: number;
  /** Whether there may be more missed messages than `missed` (the welcome's `missed_more`). */
  missedMore: boolean;
}

/** Connects, says hello and waits for the welcome. Throws {@link ConnectError}. */
export async function handshake(options: HandshakeOptions): Promise<Admitted> {
  const conn = await openTcp(options);
  try {
    (conn as Deno.TcpConn).setNoDelay?.(true);
    (conn as Deno.TcpConn).setKeepAlive?.(true);
  } catch {
    // Socket options are a nicety.
  }
  // Server frames may pass 64 KiB (a welcome listing many members): PROTOCOL.md section 1.
  const fc = new FramedConnection(conn, { maxFrame: SERVER_MAX_FRAME });
  const payloads = fc.payloads();
  const hello: Message = {
    type: "hello",
    version: 2,
    name: options.name,
    lang: options.lang,
    client: `pc3-client ${VERSION}`,
  };
  if (options.resume?.token) hello.resume = options.resume.token;
  if (options.resume?.since != null) hello.since = options.resume.since;
  fc.send(encodeFrame(hello));
  const { welcome, raw } = await awaitWelcome(fc, payloads, options);
  const missed = typeof raw.missed === "number" && raw.missed > 0 ? raw.missed : 0;
  const resumeToken = typeof raw.resume_token === "string" ? raw.resume_token : null;
  const missedMore = raw.missed_more === true;
  return { fc, payloads, welcome, resumeToken, missed, missedMore };
}

async function openTcp(options: HandshakeOptions): Promise<Deno.Conn> {
  const { host, port } = options;
  const connect: Connect = options.connect ?? ((o) => Deno.connect(o));
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, options.connectTimeoutMs ?? 5_000);
  try {
    return await Promise.race([
      connect({ hostname: host, port, signal: abort.signal }),
      new Promise<never>((_, reject) =>
        abort.signal.addEventListener("abort", () => reject(new Error("Timed out")), {
          once: true,
        })
      ),
    ]);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    if (timedOut) throw new ConnectError("timeout", { host, port, detail, cause });
    throw new ConnectError(classifyConnectError(cause), { host, port, detail, cause });
  } finally {
    clearTimeout(timer);
  }
}

async function awaitWelcome(
  fc: FramedConnection,
  payloads: AsyncGenerator<Uint8Array>,
  options: HandshakeOptions,
): Promise<{ welcome: Welcome; raw: Message }> {
  const { host, port } = options;
  const helloTimeout = options.helloTimeoutMs ?? 10_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    fc.close();
  }, helloTimeout);
  try {
    while (true) {
      let step: IteratorResult<Uint8Array>;
      try {
        step = await payloads.next();
      } catch (cause) {
        const detail = cause instanceof Error ? cause.message : String(cause);
        throw new ConnectError("bad_reply", { host, port, detail, cause });
      }
      if (step.done) {
        if (timedOut) {
          throw new ConnectError("hello_timeout", { host, port, detail: `${helloTimeout / 1000}` });
        }
        throw new ConnectError("hello_closed", { host, port, detail: "EOF" });
      }
      // A room with a password answers the hello with a challenge first (auth.ts).
      const proof = await handshakeAnswer(step.value, options);
      if (proof !== null) {
        fc.send(proof);
        continue;
      }
      const welcome = readReply(step.value, options);
      if (welcome !== null) return welcome;
    }
  } catch (e) {
    fc.close();
    // Let the generator see the closed socket and finish.
    await payloads.return(undefined).catch(() => {});
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads one frame received before the welcome: the welcome itself, `null` for
 * a frame to skip (a v1 server answers a hello with system lines and no
 * welcome: the timeout reports it), or a thrown {@link ConnectError}.
 */
function readReply(
  payload: Uint8Array,
  options: HandshakeOptions,
): { welcome: Welcome; raw: Message } | null {
  const { host, port } = options;
  let msg: Message;
  try {
    msg = decodeMessage(payload);
  } catch (cause) {
    throw new ConnectError("bad_reply", { host, port, detail: String(cause), cause });
  }
  if (msg.type === "welcome") {
    try {
      return { welcome: decodeWelcome(msg), raw: msg };
    } catch (cause) {
      throw new ConnectError("bad_reply", { host, port, detail: (cause as Error).message, cause });
    }
  }
  if (msg.type === "error") {
    const { code, message: detail } = decodeErrorReply(msg);
    const kind: ConnectErrorCode = code === "name_taken" || code === "name_invalid"
      ? code
      : "refused_by_server";
    throw new ConnectError(kind, { host, port, detail, serverCode: code });
  }
  return null;
}
