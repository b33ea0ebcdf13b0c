/**
 * The file port (TCP 9010, PROTOCOL.md section 3): one request per
 * connection, a header frame, then raw bytes in one direction.
 *
 * Uploads stream into `tmp/<upload_id>.part` with a fixed 1 MiB buffer and
 * are hashed (SHA-256) while they arrive; only a complete, verified upload is
 * moved into place and announced. Downloads stream from disk the same way.
 * Every refusal is an error frame with a code from PROTOCOL.md section 6,
 * then the connection is closed; nothing is written outside the storage
 * directory and one client's failure never affects another.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import {
  decodeMessage,
  DEFAULT_MAX_FRAME,
  encodeFrame,
  FrameDecoder,
  type Message,
} from "../protocol/frame.ts";
import { type Lang, translator } from "../protocol/i18n.ts";
import { type FileInfo, FileStore, FileStoreError, type UploadSlot } from "./file_store.ts";
import { pump } from "../net/bulk_copy.ts";
import { sanitizeFilename, validateV1FileId } from "../protocol/file_names.ts";
import { utf8Length } from "../protocol/utf8.ts";

/** Options of {@link serveFiles} (see docs/contracts). */
export interface FileServerOptions {
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
  /** Where unexpected failures are logged (default console.error). */
  log?: (line: string) => void;
}

/** Bytes moved per read/write during transfers. */
export const TRANSFER_BUFFER = 1024 * 1024;

const fileText = {
  frame_too_large: { es: "Trama demasiado grande", en: "Frame too large" },
  bad_utf8: { es: "La trama no es UTF-8 válido", en: "Frame is not valid UTF-8" },
  bad_json: { es: "La trama no es JSON válido", en: "Frame is not valid JSON" },
  bad_message: { es: "Mensaje mal formado: {detail}", en: "Malformed message: {detail}" },
  unknown_type: { es: "unknown request", en: "unknown request" },
  hello_timeout: {
    es: "No llegó ninguna petición a tiempo",
    en: "No request arrived in time",
  },
  too_many_connections: {
    es: "Demasiadas conexiones desde tu dirección",
    en: "Too many connections from your address",
  },
  server_shutdown: { es: "El servidor se está deteniendo", en: "The server is stopping" },
  bad_request: { es: "Petición no válida: {detail}", en: "Invalid request: {detail}" },
  unauthorized: {
    es: "Sesión no válida: conéctate al chat primero",
    en: "Invalid session: join the chat first",
  },
  v1_disabled: {
    es: "Este servidor no acepta subidas v1",
    en: "This server does not accept v1 uploads",
  },
  bad_filename: { es: "Nombre de archivo no válido: {detail}", en: "Invalid file name: {detail}" },
  bad_file_id: { es: "Identificador de archivo no válido", en: "Invalid file id" },
  file_exists: { es: "Ese identificador ya existe: {detail}", en: "That file id exists: {detail}" },
  upload_too_large: {
    es: "Tamaño no válido o por encima del límite ({limit} bytes): {detail}",
    en: "Size invalid or over the limit ({limit} bytes): {detail}",
  },
  quota_exceeded: {
    es: "No queda espacio en el servidor para {detail} bytes",
    en: "No room left on the server for {detail} bytes",
  },
  size_mismatch: {
    es: "Se recibieron {got} bytes de {size} anunciados",
    en: "Received {got} bytes of {size} announced",
  },
  size_extra: {
    es: "Llegaron más bytes de los anunciados",
    en: "More bytes arrived than announced",
  },
  hash_mismatch: {
    es: "El SHA-256 no coincide: el archivo llegó dañado",
    en: "SHA-256 mismatch: the file arrived damaged",
  },
  not_found: { es: "file not found", en: "file not found" },
  upload_not_found: {
    es: "No existe esa subida para reanudar: {detail}",
    en: "No such upload to resume: {detail}",
  },
  server_error: { es: "Error interno del servidor", en: "Internal server error" },
  not_object: {
    es: "La trama debe contener un objeto JSON",
    en: "Frame must hold a JSON object",
  },
  resume_size: {
    es: "El tamaño no coincide con el de la subida a reanudar: {detail}",
    en: "Size differs from the upload being resumed: {detail}",
  },
  upload_running: {
    es: "Esa subida sigue en curso; reinténtalo en unos segundos",
    en: "That upload is still running; try again in a few seconds",
  },
};

type TextKey = keyof typeof fileText;

/** A refusal to send as an error frame before closing. */
class Refusal extends Error {
  readonly code: string;
  readonly key: TextKey;
  readonly params: Record<string, string | number>;
  constructor(
    code: string,
    key: TextKey = code as TextKey,
    params: Record<string, string | number> = {},
  ) {
    super(code);
    this.code = code;
    this.key = key;
    this.params = params;
  }
}

/** One accepted connection with its deadline (checked by the server's watchdog). */
class Link {
  readonly conn: Deno.Conn;
  readonly ip: string;
  readonly decoder: FrameDecoder;
  deadline = Infinity;
  /** Error frame sent when the deadline passes (header/upload_end waits), else silent close. */
  expiryFrame: Uint8Array | null = null;
  #closed = false;

  constructor(conn: Deno.Conn, ip: string, maxFrame: number) {
    this.conn = conn;
    this.ip = ip;
    this.decoder = new FrameDecoder({ maxFrame });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sets the deadline `ms` from now. */
  expireIn(ms: number, frame: Uint8Array | null = null): void {
    this.deadline = Date.now() + ms;
    this.expiryFrame = frame;
  }

  /** Called by the watchdog when the deadline has passed. */
  expire(): void {
    const frame = this.expiryFrame;
    this.expiryFrame = null;
    if (frame !== null) {
      // A small frame into an idle socket completes at once; the next tick closes regardless.
      this.deadline = Date.now() + 1000;
      this.conn.write(frame).then(() => this.close(), () => this.close());
    } else {
      this.close();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  /** Reads into `buf`; null on EOF or on any socket error (closed by watchdog, reset). */
  async read(buf: Uint8Array): Promise<number | null> {
    if (this.#closed) return null;
    try {
      return await this.conn.read(buf);
    } catch {
      return null;
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
  }

  /** The next control frame, decoded; null on EOF. Throws Refusal on bad frames. */
  async readFrame(): Promise<Message | null> {
    const buf = new Uint8Array(16 * 1024);
    for (;;) {
      let payload: Uint8Array | null;
      try {
        payload = this.decoder.next();
      } catch (e) {
        throw new Refusal((e as { code: string }).code);
      }
      if (payload !== null) {
        try {
          return decodeMessage(payload);
        } catch (e) {
          const code = (e as { code: string }).code;
          throw new Refusal(code, code === "bad_message" ? "not_object" : code as TextKey);
        }
      }
      const n = await this.read(buf);
      if (n === null) return null;
      this.decoder.push(buf.subarray(0, n));
    }
  }
}

/**
 * Serves the file port on `listener` until `close()`. Each connection
 * carries one request (upload v1/v2 or download) and is closed after it.
 *
 * @example
 * ```ts
 * const store = await FileStore.open("./server_storage");
 * const files = serveFiles(Deno.listen({ port: 9010 }), {
 *   store, sessionName: (t) => room.nameByToken(t), onPublished: (f) => room.announceFile(f),
 * });
 * await files.close();
 * ```
 */
export function serveFiles(
  listener: Deno.Listener,
  options: FileServerOptions,
): { close(): Promise<void> } {
  const t = translator(fileText, options.lang ?? "es");
  const maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
  const headerMs = options.helloTimeoutMs ?? 10_000;
  const stallMs = options.stallTimeoutMs ?? 30_000;
  const maxPerIp = options.maxPerIp ?? 64;
  const acceptV1 = options.acceptV1 ?? true;
  const log = options.log ?? ((line: string) => console.error(line));
  const store = options.store;

  const links = new Set<Link>();
  const perIp = new Map<string, number>();
  const tasks = new Set<Promise<void>>();
  let closing = false;

  const tick = Math.max(10, Math.min(1000, headerMs / 4, stallMs / 4));
  // Interrupted uploads expire after 24 h even if the server never restarts.
  const sweeper = setInterval(() => {
    store.sweepParts().catch((e) => log(`PC3 files: part sweep failed: ${(e as Error).message}`));
  }, 3600_000);
  const watchdog = setInterval(() => {
    const now = Date.now();
    for (const link of links) if (!link.closed && now > link.deadline) link.expire();
  }, tick);

  const errorFrame = (code: string, key: TextKey = code as TextKey, params = {}) =>
    encodeFrame({ type: "error", code, message: t(key, params) });

  async function refuse(link: Link, r: Refusal): Promise<void> {
    link.expireIn(2000);
    try {
      await link.write(errorFrame(r.code, r.key, r.params));
    } catch { /* peer gone */ }
  }

  /** Graceful end: half-close, then drain briefly so unread input does not reset the reply. */
  async function linger(link: Link): Promise<void> {
    if (link.closed) return;
    try {
      await link.conn.closeWrite();
    } catch {
      return;
    }
    link.expireIn(1000);
    const buf = new Uint8Array(64 * 1024);
    let drained = 0;
    while (drained < 64 * 1024 * 1024) {
      const n = await link.read(buf);
      if (n === null) break;
      drained += n;
    }
  }

  /** Copies exactly `count` bytes (or until EOF) from the link into `file`, hashing them. */
  async function receive(
    link: Link,
    file: Deno.FsFile,
    hash: Hash,
    count: number,
  ): Promise<number> {
    let got = 0;
    const early = link.decoder.takeRest();
    if (early.length > 0) {
      const use = early.subarray(0, Math.min(early.length, count));
      hash.update(use);
      await writeAll(file, use);
      got += use.length;
      if (early.length > use.length) link.decoder.push(early.subarray(use.length));
    }
    link.expireIn(stallMs);
    got += await pump(link, file, count - got, {
      hash,
      onActivity: () => link.expireIn(stallMs),
    });
    return got;
  }

  function checkSize(size: unknown): number {
    if (typeof size !== "number") {
      throw new Refusal("bad_message", "bad_message", { detail: "size" });
    }
    if (!Number.isSafeInteger(size) || size < 0 || size > store.maxUpload) {
      throw new Refusal("upload_too_large", "upload_too_large", {
        limit: store.maxUpload,
        detail: String(size),
      });
    }
    return size;
  }

  function checkFilename(name: unknown): string {
    if (typeof name !== "string") {
      throw new Refusal("bad_message", "bad_message", { detail: "filename" });
    }
    if (utf8Length(name) < 1 || utf8Length(name) > 255) {
      throw new Refusal("bad_filename", "bad_filename", { detail: `${utf8Length(name)} bytes` });
    }
    try {
      return sanitizeFilename(name);
    } catch {
      throw new Refusal("bad_filename", "bad_filename", { detail: JSON.stringify(name) });
    }
  }

  function storeRefusal(e: unknown, size: number, resume: unknown): Refusal {
    if (e instanceof FileStoreError) {
      if (e.code === "not_found") {
        return new Refusal("not_found", "upload_not_found", { detail: String(resume) });
      }
      if (e.code === "upload_too_large") {
        return new Refusal(e.code, "upload_too_large", {
          limit: store.maxUpload,
          detail: String(size),
        });
      }
      if (e.cause === "resume_size" || e.cause === "upload_running") {
        return new Refusal(e.code, e.cause, { detail: size });
      }
      const key = (e.code in fileText ? e.code : "server_error") as TextKey;
      return new Refusal(e.code, key, { detail: e.code === "quota_exceeded" ? size : e.message });
    }
    throw e;
  }

  async function upload(link: Link, req: Message): Promise<void> {
    const v2 = req.token !== undefined;
    let owner = "";
    if (v2) {
      if (typeof req.token !== "string") {
        throw new Refusal("bad_message", "bad_message", { detail: "token" });
      }
      owner = options.sessionName(req.token) ?? "";
      if (owner === "") throw new Refusal("unauthorized");
    } else if (req.file_id === undefined) {
      throw new Refusal("unauthorized");
    } else if (!acceptV1) {
      throw new Refusal("unauthorized", "v1_disabled");
    }
    let fileId = "";
    if (!v2) {
      try {
        fileId = validateV1FileId(req.file_id);
      } catch {
        throw new Refusal("bad_file_id");
      }
    }
    const filename = checkFilename(req.filename);
    const size = checkSize(req.size);
    if (req.resume !== undefined && typeof req.resume !== "string") {
      throw new Refusal("bad_message", "bad_message", { detail: "resume" });
    }

    let slot: UploadSlot;
    try {
      slot = v2
        ? await store.beginUpload(owner, {
          filename,
          size,
          ...(req.resume !== undefined ? { resume: req.resume as string } : {}),
        })
        : await store.beginV1(fileId, link.ip, { filename, size });
    } catch (e) {
      throw storeRefusal(e, size, req.resume);
    }

    let keep = v2; // an interrupted v2 upload stays resumable
    let published = false;
    try {
      const hash = createHash("sha256");
      // Hashing what a resumed upload already has is local work: no deadline meanwhile.
      link.expireIn(Number.POSITIVE_INFINITY);
      if (slot.offset > 0) await hashPrefix(slot.path, slot.offset, hash);
      if (v2) {
        link.expireIn(stallMs);
        await link.write(encodeFrame({
          type: "upload_ready",
          upload_id: slot.uploadId,
          offset: slot.offset,
        }));
      }
      const need = slot.size - slot.offset;
      const file = await Deno.open(slot.path, { write: true, create: true });
      let got: number;
      try {
        // Truncate only when there is something past the offset: on ext4 a
        // file truncated and then written makes the (synchronous) close()
        // flush it (auto_da_alloc), stalling the event loop ~250 ms per GiB.
        if ((await file.stat()).size > slot.offset) await file.truncate(slot.offset);
        await file.seek(slot.offset, Deno.SeekMode.Start);
        got = await receive(link, file, hash, need);
        // upload_ok promises the file is stored: flush it before publishing.
        if (got === need) await file.syncData();
      } finally {
        file.close();
      }
      if (got < need) {
        throw new Refusal("size_mismatch", "size_mismatch", {
          got: slot.offset + got,
          size: slot.size,
        });
      }
      const sha256 = hash.digest("hex");
      if (v2) {
        link.expireIn(headerMs, errorFrame("hello_timeout"));
        let end: Message | null;
        try {
          end = await link.readFrame();
        } catch {
          keep = false;
          throw new Refusal("size_mismatch", "size_extra");
        }
        link.expireIn(stallMs);
        if (end === null) {
          throw new Refusal("size_mismatch", "size_mismatch", { got: slot.size, size: slot.size });
        }
        if (end.type !== "upload_end") {
          keep = false;
          throw new Refusal("size_mismatch", "size_extra");
        }
        if (typeof end.sha256 !== "string") {
          keep = false;
          throw new Refusal("bad_message", "bad_message", { detail: "sha256" });
        }
        if (end.sha256.toLowerCase() !== sha256) {
          keep = false;
          throw new Refusal("hash_mismatch");
        }
      }
      const info = await store.publish(slot, sha256, owner);
      published = true;
      if (v2) {
        try {
          options.onPublished(info);
        } catch (e) {
          log(`PC3 files: onPublished failed: ${(e as Error).message}`);
        }
        await link.write(encodeFrame({
          type: "upload_ok",
          file_id: info.file_id,
          filename: info.filename,
          size: info.size,
          sha256: info.sha256,
        }));
      } else {
        await link.write(encodeFrame({
          type: "upload_ok",
          file_id: info.file_id,
          size: info.size,
          sha256: info.sha256,
        }));
      }
    } finally {
      if (!published) await store.abandon(slot, keep);
    }
  }

  async function download(link: Link, req: Message): Promise<void> {
    if (typeof req.file_id !== "string") {
      throw new Refusal("bad_message", "bad_message", { detail: "file_id" });
    }
    const info = store.get(req.file_id);
    const path = store.blobPath(req.file_id);
    if (info === undefined || path === undefined) throw new Refusal("not_found");
    const offset = req.offset ?? 0;
    if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
      throw new Refusal("bad_message", "bad_message", { detail: "offset" });
    }
    if (offset > info.size) {
      throw new Refusal("bad_request", "bad_request", { detail: `offset ${offset}` });
    }
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (e) {
      log(`PC3 files: cannot open ${path}: ${(e as Error).message}`);
      throw new Refusal("not_found");
    }
    try {
      if (offset > 0) await file.seek(offset, Deno.SeekMode.Start);
      link.expireIn(stallMs);
      await link.write(encodeFrame({
        type: "download_meta",
        file_id: info.file_id,
        filename: info.filename,
        size: info.size,
        sha256: info.sha256,
        offset,
      }));
      const sent = await pump(file, link.conn, info.size - offset, {
        onActivity: () => link.expireIn(stallMs),
      });
      if (sent < info.size - offset) log(`PC3 files: blob shorter than its index entry: ${path}`);
    } finally {
      file.close();
    }
  }

  async function session(link: Link): Promise<void> {
    link.expireIn(headerMs, errorFrame("hello_timeout"));
    const req = await link.readFrame();
    if (req === null) return;
    if (closing) throw new Refusal("server_shutdown");
    if (req.type === "upload") await upload(link, req);
    else if (req.type === "download") await download(link, req);
    else throw new Refusal("unknown_type");
  }

  async function handle(conn: Deno.Conn): Promise<void> {
    const ip = (conn.remoteAddr as Deno.NetAddr).hostname;
    const link = new Link(conn, ip, maxFrame);
    links.add(link);
    const count = (perIp.get(ip) ?? 0) + 1;
    perIp.set(ip, count);
    try {
      if (count > maxPerIp) throw new Refusal("too_many_connections");
      await session(link);
      await linger(link);
    } catch (e) {
      if (e instanceof Refusal) {
        if (!link.closed) {
          await refuse(link, e);
          await linger(link);
        }
      } else if (!link.closed) {
        log(`PC3 files: ${ip}: ${(e as Error)?.stack ?? e}`);
        await refuse(link, new Refusal("server_error"));
      }
    } finally {
      link.close();
      links.delete(link);
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
    }
  }

  const accepting = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        if (closing) return;
        // Transient accept failure (e.g. too many open files): back off briefly.
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (closing) {
        conn.close();
        return;
      }
      const task = handle(conn);
      tasks.add(task);
      task.finally(() => tasks.delete(task));
    }
  })();

  let closed: Promise<void> | null = null;
  return {
    close() {
      closed ??= (async () => {
        closing = true;
        try {
          listener.close();
        } catch { /* already closed */ }
        await accepting;
        const bye = errorFrame("server_shutdown");
        for (const link of links) {
          // Waiting for a header: say why; mid-transfer: just close (v2 parts stay resumable).
          if (link.expiryFrame !== null) {
            link.expiryFrame = bye;
            link.deadline = 0;
            link.expire();
          } else {
            link.close();
          }
        }
        while (tasks.size > 0) await Promise.allSettled([...tasks]);
        clearInterval(watchdog);
        clearInterval(sweeper);
      })();
      return closed;
    },
  };
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}

/** Feeds the first `length` bytes of a part file into `hash` (resumed uploads). */
async function hashPrefix(path: string, length: number, hash: Hash): Promise<void> {
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(TRANSFER_BUFFER);
  let left = length;
  while (left > 0) {
    const n = await file.read(buf.subarray(0, Math.min(buf.length, left)));
    if (n === null) throw new Error(`Part file shorter than expected: ${path}`);
    hash.update(buf.subarray(0, n));
    left -= n;
  }
}
