/**
 * The file port (TCP, 9010 by default, PROTOCOL.md section 3): one request per
 * connection, a header frame, then raw bytes in one direction.
 *
 * This module is the server loop: it accepts connections
 * (lib/net/listener.ts), reads each one's request and hands it to the
 * upload or download handler (lib/server/files/). Every refusal is an error
 * frame with a code from PROTOCOL.md section 6, then the connection is
 * closed; nothing is written outside the storage directory and one client's
 * failure never affects another.
 *
 * @module
 */

import { DEFAULT_MAX_FRAME, encodeFrame } from "../protocol/frame.ts";
import { type Lang, translator } from "../protocol/i18n.ts";
import { type Clock, systemClock } from "../protocol/clock.ts";
import type { LinkClock } from "../net/file_link.ts";
import { ConnectionListener, type PeerInfo } from "../net/listener.ts";
import type { FileInfo, FileStore } from "./file_store.ts";
import { FileConnection } from "./files/connection.ts";
import { handleDownload } from "./files/download.ts";
import type { SyncFile, WriteData } from "./files/receive.ts";
import { parseUpload, Refusal, type UploadRules } from "./files/request.ts";
import { type UploadLimitOptions, UploadLimits } from "./files/upload_limits.ts";
import type { ProgressRule } from "./files/variant.ts";
import { type LogSink, noLog } from "./log_event.ts";
import { netErrorName } from "./log.ts";
import { serverText, type ServerTextKey } from "./text.ts";
import { handleUpload, type UploadContext } from "./files/upload.ts";

/** Options of {@link serveFiles}. */
export interface FileServerOptions {
  /** Where files are stored and indexed. */
  store: FileStore;
  /** Chat session token (welcome.token) to live user name. */
  sessionName(token: string): string | undefined;
  /** A v2 upload was published: the room announces it. */
  onPublished(info: FileInfo): void;
  /** Accept v1 uploads (default true). */
  acceptV1?: boolean;
  /** Largest control frame accepted (default 64 KiB). */
  maxFrame?: number;
  /** Time allowed for the request header and for `upload_end` (default 10 s). */
  helloTimeoutMs?: number;
  /** Raw transfer aborted after this long without a byte moving (default 30 s). */
  stallTimeoutMs?: number;
  /** Concurrent connections per IP address (default 64). */
  maxPerIp?: number;
  /** Language of error messages (default "es"). */
  lang?: Lang;
  /**
   * The server's log (lib/server/log_event.ts): `downloaded`, `v1_uploaded`,
   * `v1_expired`, `disk_full`, `refused`, `rate_limited`, `net_error`,
   * `file_error` (unexpected failures). Default: dropped.
   */
  log?: LogSink;
  /** Per-member and per-address upload limits (defaults in files/upload_limits.ts). */
  limits?: UploadLimitOptions;
  /** v1 uploads never announced in the room are deleted after this long (default 10 min). */
  v1AnnounceMs?: number;
  /** What an upload must move to keep its quota reservation (default 256 KiB per 30 s). */
  progress?: ProgressRule;
  /** Clock of the header deadlines, stall timers, progress windows and v1 expiry (tests inject one). */
  clock?: Clock;
  /** How uploads are flushed to disk (default `file.syncData()`; tests inject a slow one). */
  syncFile?: SyncFile;
  /** How uploads are written to disk (default `file.write`; tests inject a full disk). */
  writeData?: WriteData;
  /**
   * When set, a download must carry the `token` of a live chat session this
   * accepts, else `unauthorized` (a room with a password: PROTOCOL.md 3.5).
   */
  downloadSession?: (token: unknown) => boolean;
}

/** A running file server. */
export interface FileServer {
  /** Stops accepting, tells waiting clients `server_shutdown`, ends every connection. */
  close(): Promise<void>;
}

/** How often interrupted uploads older than 24 h are swept while the server runs. */
const SWEEP_EVERY_MS = 3600_000;
/** Default time a v1 upload has to be announced in the room before it is deleted. */
export const V1_ANNOUNCE_MS = 600_000;

/**
 * Serves the file port on `listener` until `close()`. Each connection
 * carries one request (upload v1/v2 or download) and is closed after it.
 *
 * @example
 * ```ts
 * import { serveFiles } from "./file_server.ts";
 * import { FileStore } from "./file_store.ts";
 * const store = await FileStore.open(await Deno.makeTempDir());
 * const files = serveFiles(Deno.listen({ hostname: "127.0.0.1", port: 0 }), {
 *   store,
 *   sessionName: (token) => token === "secret" ? "Ana" : undefined,
 *   onPublished: (info) => console.log("new file", info.file_id),
 * });
 * await files.close();
 * await store.close();
 * ```
 */
export function serveFiles(listener: Deno.Listener, options: FileServerOptions): FileServer {
  const t = translator(serverText, options.lang ?? "es");
  const log = options.log ?? noLog;
  const store = options.store;
  const clock = options.clock ?? systemClock;
  const headerMs = options.helloTimeoutMs ?? 10_000;
  const errorFrame = (code: string, key: ServerTextKey, params = {}) =>
    encodeFrame({ type: "error", code, message: t(key, params) });
  const timeoutFrame = errorFrame("hello_timeout", "request_timeout");
  const server: ServerContext = {
    upload: {
      store,
      headerMs,
      stallMs: options.stallTimeoutMs ?? 30_000,
      timeoutFrame,
      onPublished: options.onPublished,
      log,
      limits: new UploadLimits(options.limits ?? {}, { now: () => clock.now(), log }),
      clock,
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.syncFile ? { sync: options.syncFile } : {}),
      ...(options.writeData ? { write: options.writeData } : {}),
    },
    rules: {
      maxUpload: store.maxUpload,
      acceptV1: options.acceptV1 ?? true,
      sessionName: options.sessionName,
    },
    maxFrame: options.maxFrame ?? DEFAULT_MAX_FRAME,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.downloadSession ? { downloadSession: options.downloadSession } : {}),
    errorFrame,
    connections: new Set(),
    stopping: () => accepting.stopping,
  };
  const accepting = new ConnectionListener(
    listener,
    (conn, peer) => handleConnection(conn, peer, server),
    {
      maxPerIp: options.maxPerIp ?? 64,
      log: (line) => log({ kind: "file_error", ip: "-", error: line }),
      name: "PC3 files",
    },
  );
  const fail = (what: string) => (e: unknown) =>
    log({ kind: "file_error", ip: "-", error: `${what}: ${(e as Error).message}` });
  // Interrupted uploads expire after 24 h even if the server never restarts.
  const sweeper = clock.setInterval(() => {
    store.sweepParts().catch(fail("part sweep"));
  }, SWEEP_EVERY_MS);
  // v1 uploads nobody announced in the room go (PROTOCOL.md 3.2); checked every tenth of the time.
  const v1AnnounceMs = options.v1AnnounceMs ?? V1_ANNOUNCE_MS;
  const expireV1 = () =>
    store.expireV1(v1AnnounceMs).then((gone) => {
      for (const f of gone) {
        log({ kind: "v1_expired", ip: f.ip, name: f.filename, size: f.size, id: f.file_id });
      }
    }).catch(fail("v1 expiry"));
  const expirer = clock.setInterval(expireV1, Math.max(1000, v1AnnounceMs / 10));

  let closed: Promise<void> | null = null;
  return {
    close() {
      closed ??= (async () => {
        await accepting.stop();
        const bye = errorFrame("server_shutdown", "server_shutdown");
        for (const c of server.connections) c.shutdown(bye);
        await accepting.settled();
        clock.clearInterval(sweeper);
        clock.clearInterval(expirer);
      })();
      return closed;
    },
  };
}

/** What every connection of one file server shares. */
interface ServerContext {
  upload: UploadContext;
  rules: UploadRules;
  /** Downloads need a live session's token (a room with a password); see FileServerOptions. */
  downloadSession?: (token: unknown) => boolean;
  maxFrame: number;
  clock?: LinkClock;
  /** An error frame in the server's language. */
  errorFrame(
    code: string,
    key: ServerTextKey,
    params?: Record<string, string | number>,
  ): Uint8Array;
  /** Open connections (told `server_shutdown` when the server stops). */
  connections: Set<FileConnection>;
  /** Whether the server is stopping. */
  stopping(): boolean;
}

/** One connection, from accept to close: its request, or the refusal. */
async function handleConnection(
  conn: Deno.Conn,
  peer: PeerInfo,
  server: ServerContext,
): Promise<void> {
  const c = new FileConnection(conn, peer.ip, {
    maxFrame: server.maxFrame,
    ...(server.clock ? { clock: server.clock } : {}),
  });
  server.connections.add(c);
  try {
    if (peer.overLimit) {
      throw new Refusal("too_many_connections", "too_many_connections", { ip: peer.ip });
    }
    await session(c, server);
    await c.linger();
  } catch (e) {
    if (e instanceof Refusal) {
      if (!c.link.closed) await c.refuse(server.errorFrame(e.code, e.key, e.params));
      if (e.drain > 0) await c.drain(e.drain, server.upload.stallMs);
      await c.linger();
    } else if (netErrorName(e) !== null) {
      // An ordinary cut (reset, broken pipe): one plain line, never a stack trace.
      server.upload.log({ kind: "net_error", what: "files", ip: peer.ip, error: netErrorName(e)! });
    } else if (!c.link.closed) {
      server.upload.log({
        kind: "file_error",
        ip: peer.ip,
        error: String((e as Error)?.stack ?? e),
      });
      await c.refuse(server.errorFrame("server_error", "server_error"));
    }
  } finally {
    c.close();
    server.connections.delete(c);
  }
}

/** Reads the request and runs it; throws a {@link Refusal}. */
async function session(c: FileConnection, server: ServerContext): Promise<void> {
  const req = await c.readMessage(server.upload.headerMs, server.upload.timeoutFrame);
  if (req === null) return;
  if (server.stopping()) throw new Refusal("server_shutdown", "server_shutdown");
  if (req.type === "upload") {
    await handleUpload(c, parseUpload(req, server.rules), server.upload);
  } else if (req.type === "download") {
    await handleDownload(c, req, { ...server.upload, session: server.downloadSession });
  } else throw new Refusal("unknown_type", "v1_unknown_request");
}
