/**
 * Client side of the file port (PROTOCOL.md section 3): upload a file from
 * disk, download a file into a directory. Each transfer opens its own
 * connection so the chat never waits for it.
 *
 * Data moves with plain read/write loops and a 1 MiB buffer and is hashed
 * (SHA-256) while it streams. Downloads land in `<dir>/<name>.part`, are
 * verified, and only then get their final, never-overwriting name.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { decodeMessage, encodeFrame, FrameDecoder, type Message } from "../protocol/frame.ts";
import { NULL_SINK, pump } from "../net/bulk_copy.ts";
import { baseName, sanitizeFilename, uniqueName } from "../protocol/file_names.ts";

/** Bytes done so far out of the total. */
export interface Progress {
  done: number;
  total: number;
}

/**
 * A failed transfer. `code` is a server error code (PROTOCOL.md section 6)
 * or a local one: `file_missing`, `not_a_file`, `connect_failed`,
 * `connection_lost`, `hash_mismatch`, `bad_reply`, `size_mismatch`,
 * `cancelled`, `stalled` (no byte moved for the stall timeout).
 */
export class TransferError extends Error {
  override name = "TransferError";
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Server frames may be larger than what servers accept (PROTOCOL.md 1). */
const MAX_REPLY_FRAME = 1024 * 1024;
/** At most ~10 progress calls per second. */
const PROGRESS_EVERY_MS = 100;
/** Default time without a byte in either direction before a transfer is given up. */
export const DEFAULT_STALL_MS = 60_000;

/**
 * One connection to the file port with a frame reader that keeps raw leftovers,
 * and a watchdog: a server that stops moving bytes for `stallMs` (a frozen
 * machine, a cable pulled without a reset) ends the transfer with `stalled`
 * instead of leaving it hanging forever.
 */
class FileLink {
  readonly conn: Deno.Conn;
  readonly decoder = new FrameDecoder({ maxFrame: MAX_REPLY_FRAME });
  #signal?: AbortSignal;
  #onAbort = () => this.close();
  #closed = false;
  #stalled = false;
  #lastActivity = Date.now();
  #watchdog: ReturnType<typeof setInterval>;
  /** While false (waiting for the server to sync a big upload), silence is fine. */
  watching = true;

  private constructor(conn: Deno.Conn, stallMs: number, signal?: AbortSignal) {
    this.conn = conn;
    this.#signal = signal;
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#watchdog = setInterval(() => {
      if (this.watching && Date.now() - this.#lastActivity > stallMs) {
        this.#stalled = true;
        this.close();
      }
    }, Math.min(1000, stallMs / 4));
  }

  /** Whether the watchdog ended the connection. */
  get stalled(): boolean {
    return this.#stalled;
  }

  #failure(what: string, cause?: unknown): TransferError {
    checkAborted(this.#signal);
    if (this.#stalled) {
      return new TransferError("stalled", `No data for too long while ${what}`, { cause });
    }
    return new TransferError("connection_lost", `Connection lost while ${what}`, { cause });
  }

  static async open(
    host: string,
    port: number,
    signal?: AbortSignal,
    stallMs = DEFAULT_STALL_MS,
  ): Promise<FileLink> {
    checkAborted(signal);
    let conn: Deno.Conn;
    try {
      conn = await Deno.connect({ hostname: host, port, transport: "tcp" });
    } catch (e) {
      const name = (e as Error).name;
      throw new TransferError("connect_failed", `Cannot connect to ${host}:${port}: ${name}`, {
        cause: e,
      });
    }
    const link = new FileLink(conn, stallMs, signal);
    if (signal?.aborted) link.close();
    return link;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watchdog);
    this.#signal?.removeEventListener("abort", this.#onAbort);
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  /** Writes some of `bytes` (a {@link pump} sink); errors become `connection_lost`. */
  async write(bytes: Uint8Array): Promise<number> {
    try {
      const n = await this.conn.write(bytes);
      this.#lastActivity = Date.now();
      return n;
    } catch (e) {
      throw this.#failure("sending", e);
    }
  }

  async read(buf: Uint8Array): Promise<number | null> {
    try {
      const n = await this.conn.read(buf);
      this.#lastActivity = Date.now();
      return n;
    } catch (e) {
      throw this.#failure("receiving", e);
    }
  }

  async send(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) off += await this.write(bytes.subarray(off));
  }

  /** The next reply; an `error` frame is thrown as a TransferError with its code. */
  async reply(expected: string): Promise<Message> {
    const buf = new Uint8Array(16 * 1024);
    for (;;) {
      let payload: Uint8Array | null;
      let msg: Message;
      try {
        payload = this.decoder.next();
        msg = payload === null ? {} : decodeMessage(payload);
      } catch (e) {
        throw new TransferError("bad_reply", `Bad reply from server: ${(e as Error).message}`, {
          cause: e,
        });
      }
      if (payload !== null) {
        if (msg.type === "error") {
          const code = typeof msg.code === "string" ? msg.code : "not_found";
          const text = typeof msg.message === "string" ? msg.message : code;
          throw new TransferError(code, text);
        }
        if (msg.type !== expected) {
          throw new TransferError("bad_reply", `Unexpected reply: ${String(msg.type)}`);
        }
        return msg;
      }
      const n = await this.read(buf);
      if (n === null) throw this.#failure("waiting for the server's reply");
      this.decoder.push(buf.subarray(0, n));
    }
  }
}

function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new TransferError("cancelled", "Transfer cancelled");
}

/** Calls `onProgress` at most every 100 ms, plus once at the end via `done()`. */
function throttle(total: number, onProgress?: (p: Progress) => void) {
  let last = 0;
  return {
    update(done: number) {
      if (onProgress === undefined) return;
      const now = Date.now();
      if (now - last >= PROGRESS_EVERY_MS) {
        last = now;
        onProgress({ done, total });
      }
    },
    done() {
      onProgress?.({ done: total, total });
    },
  };
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}

/** Options of {@link uploadFile}. */
export interface UploadOptions {
  host: string;
  port: number;
  token: string;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** Time without a byte moving before giving up with `stalled` (default 60 s). */
  stallMs?: number;
  /**
   * How many times a lost or stalled upload is resumed from the bytes the server
   * already has (PROTOCOL.md 3.4) before giving up (default 3).
   */
  retries?: number;
  /** Called before each resume, with the attempt number and the code that caused it. */
  onRetry?: (attempt: number, code: string) => void;
}

const RETRYABLE = new Set(["connection_lost", "stalled"]);

/**
 * Uploads the file at `path` (PROTOCOL.md 3.1) using the chat session
 * `token`, and returns what the server published. A connection lost or
 * stalled after the server accepted the upload is resumed on a new
 * connection from the bytes the server already has, up to `retries` times,
 * waiting 1, 2, 4 s between tries.
 *
 * @example
 * ```ts
 * const r = await uploadFile("video.mp4", { host: "192.168.1.10", port: 9010, token });
 * console.log(r.file_id);
 * ```
 */
export async function uploadFile(
  path: string,
  options: UploadOptions,
): Promise<{ file_id: string; filename: string; size: number; sha256: string }> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
  } catch (e) {
    throw new TransferError("file_missing", `File not found: ${path}`, { cause: e });
  }
  if (!stat.isFile) throw new TransferError("not_a_file", `Not a file: ${path}`);
  const retries = options.retries ?? 3;
  let uploadId: string | undefined;
  for (let attempt = 0;; attempt++) {
    try {
      return await uploadOnce(path, stat.size, options, uploadId, (id) => uploadId = id);
    } catch (e) {
      // The server may not have noticed the old connection end yet: bad_request
      // ("still running") is worth another try once we are resuming.
      const code = e instanceof TransferError ? e.code : "";
      const retryable = RETRYABLE.has(code) || (code === "bad_request" && attempt > 0);
      if (!retryable || uploadId === undefined || attempt >= retries) throw e;
      options.onRetry?.(attempt + 1, code);
      await sleep(1000 * 2 ** Math.min(attempt, 2), options.signal);
    }
  }
}

/** Waits `ms`, or throws `cancelled` as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  checkAborted(signal);
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(new TransferError("cancelled", "Transfer cancelled"));
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** One upload attempt: a new one, or the continuation of `resume`. */
async function uploadOnce(
  path: string,
  size: number,
  options: UploadOptions,
  resume: string | undefined,
  onReady: (uploadId: string) => void,
): Promise<{ file_id: string; filename: string; size: number; sha256: string }> {
  using file = await Deno.open(path, { read: true });
  const link = await FileLink.open(options.host, options.port, options.signal, options.stallMs);
  const request: Message = { type: "upload", token: options.token, filename: baseName(path), size };
  if (resume !== undefined) request.resume = resume;
  try {
    await link.send(encodeFrame(request));
    const ready = await link.reply("upload_ready");
    if (typeof ready.upload_id === "string") onReady(ready.upload_id);
    const offset = ready.offset ?? 0;
    if (
      typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0 || offset > size
    ) {
      throw new TransferError("bad_reply", `Bad upload offset: ${String(offset)}`);
    }
    const hash = createHash("sha256");
    const progress = throttle(size, options.onProgress);
    // A resumed upload still hashes the whole file: the server checks the whole file.
    let sent = offset > 0 ? await pump(file, NULL_SINK, offset, { hash }) : 0;
    if (sent === offset) {
      sent += await pump(file, link, size - offset, {
        hash,
        onProgress: (n) => progress.update(offset + n),
      });
    }
    if (sent < size) throw new TransferError("size_mismatch", `File shrank while sending: ${path}`);
    await link.send(encodeFrame({ type: "upload_end", sha256: hash.digest("hex") }));
    // The server now syncs the whole file to its disk before answering: silence is expected.
    link.watching = false;
    const ok = await link.reply("upload_ok");
    if (typeof ok.file_id !== "string") {
      throw new TransferError("bad_reply", "Reply without file_id");
    }
    progress.done();
    return {
      file_id: ok.file_id,
      filename: typeof ok.filename === "string" ? ok.filename : baseName(path),
      size: typeof ok.size === "number" ? ok.size : size,
      sha256: typeof ok.sha256 === "string" ? ok.sha256 : "",
    };
  } finally {
    link.close();
  }
}

async function listNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names;
}

/** Creates a new empty file named like `name` (or `name (1)`...) in `dir`; never overwrites. */
async function createUnique(dir: string, name: string): Promise<{ path: string; name: string }> {
  for (let attempt = 0;; attempt++) {
    const chosen = uniqueName(name, await listNames(dir));
    const path = join(dir, chosen);
    try {
      (await Deno.open(path, { write: true, createNew: true })).close();
      return { path, name: chosen };
    } catch (e) {
      // Someone took the name between listing and creating: list again.
      if (!(e instanceof Deno.errors.AlreadyExists) || attempt > 100) throw e;
    }
  }
}

/**
 * Gives the finished `part` its final name in `dir` without overwriting:
 * a hard link fails if the name exists (atomic), so no placeholder is
 * renamed over (ext4 flushes the whole file to disk on rename-over, which
 * costs a download its speed). File systems without hard links fall back
 * to an empty placeholder created with createNew and a rename over it.
 */
async function moveUnique(
  part: string,
  dir: string,
  name: string,
): Promise<{ path: string; name: string }> {
  for (let attempt = 0;; attempt++) {
    const chosen = uniqueName(name, await listNames(dir));
    const path = join(dir, chosen);
    try {
      await Deno.link(part, path);
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists && attempt < 100) continue;
      const placeholder = await createUnique(dir, name);
      await Deno.rename(part, placeholder.path);
      return placeholder;
    }
    await Deno.remove(part);
    return { path, name: chosen };
  }
}

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  host: string;
  port: number;
  /** Folder the file lands in (created if missing). */
  dir: string;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** Time without a byte moving before giving up with `stalled` (default 60 s). */
  stallMs?: number;
  /** How many times a lost or stalled download continues from the bytes it has (default 3). */
  retries?: number;
  /** Called before each continuation, with the attempt number and the code that caused it. */
  onRetry?: (attempt: number, code: string) => void;
}

/** What a download has so far, kept across the connections that carry it. */
interface DownloadState {
  fileId: string;
  /** Size, SHA-256 and name from the first `download_meta`. */
  meta: { size: number; sha256: string | null; name: string } | null;
  part: string | null;
  file: Deno.FsFile | null;
  got: number;
  hash: ReturnType<typeof createHash>;
  progress: ReturnType<typeof throttle> | null;
}

/**
 * Downloads file `fileId` (PROTOCOL.md 3.5) into `dir` (created if missing)
 * under its sanitised name, never overwriting: `name (1).ext` and so on.
 * The SHA-256 announced by the server is verified; a mismatch deletes the
 * data and throws `hash_mismatch`. A connection lost or stalled mid-way is
 * continued on a new connection from the bytes already written (`offset`),
 * up to `retries` times.
 */
export async function downloadFile(
  fileId: string,
  options: DownloadOptions,
): Promise<{ path: string; filename: string; size: number; sha256: string }> {
  await Deno.mkdir(options.dir, { recursive: true });
  const retries = options.retries ?? 3;
  const state: DownloadState = {
    fileId,
    meta: null,
    part: null,
    file: null,
    got: 0,
    hash: createHash("sha256"),
    progress: null,
  };
  try {
    for (let attempt = 0;; attempt++) {
      const before = state.got;
      try {
        await downloadOnce(state, options);
        break;
      } catch (e) {
        const code = e instanceof TransferError ? e.code : "";
        // Only a transfer that was moving is worth continuing.
        const moving = state.meta !== null && (state.got > before || attempt === 0);
        if (!RETRYABLE.has(code) || !moving || attempt >= retries) throw e;
        options.onRetry?.(attempt + 1, code);
        await sleep(1000 * 2 ** Math.min(attempt, 2), options.signal);
      }
    }
    state.file?.close();
    state.file = null;
    const meta = state.meta!;
    const sha256 = state.hash.digest("hex");
    if (meta.sha256 !== null && meta.sha256 !== sha256) {
      throw new TransferError("hash_mismatch", `SHA-256 mismatch: ${sha256}`);
    }
    const final = await moveUnique(state.part!, options.dir, meta.name);
    state.part = null;
    state.progress?.done();
    return { path: final.path, filename: final.name, size: meta.size, sha256 };
  } finally {
    state.file?.close();
    if (state.part !== null) await Deno.remove(state.part).catch(() => {});
  }
}

/** One connection of a download: from `state.got` to the end, or until it fails. */
async function downloadOnce(state: DownloadState, options: DownloadOptions): Promise<void> {
  const link = await FileLink.open(options.host, options.port, options.signal, options.stallMs);
  try {
    const request: Message = { type: "download", file_id: state.fileId };
    if (state.got > 0) request.offset = state.got;
    await link.send(encodeFrame(request));
    const reply = await link.reply("download_meta");
    const size = reply.size;
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
      throw new TransferError("bad_reply", `Bad size in reply: ${String(size)}`);
    }
    if ((reply.offset ?? 0) !== state.got) {
      throw new TransferError("bad_reply", `Unasked offset in reply: ${String(reply.offset)}`);
    }
    const sha256 = typeof reply.sha256 === "string" ? reply.sha256.toLowerCase() : null;
    if (state.meta === null) {
      let name = "download";
      try {
        name = sanitizeFilename(typeof reply.filename === "string" ? reply.filename : state.fileId);
      } catch { /* keep the fallback */ }
      state.meta = { size, sha256, name };
      const created = await createUnique(options.dir, `${name}.part`);
      state.part = created.path;
      state.file = await Deno.open(state.part, { write: true });
      state.progress = throttle(size, options.onProgress);
    } else if (state.meta.size !== size || state.meta.sha256 !== sha256) {
      throw new TransferError("bad_reply", "The file changed on the server between connections");
    }
    const file = state.file!;
    const progress = state.progress!;
    const early = link.decoder.takeRest();
    if (early.length > size - state.got) {
      throw new TransferError("bad_reply", "More bytes than announced");
    }
    if (early.length > 0) {
      state.hash.update(early);
      await writeAll(file, early);
      state.got += early.length;
      progress.update(state.got);
    }
    // `got` follows every chunk pump hashes and writes, so after a failure it is
    // exactly what the .part file and the hash hold: the next offset to ask for.
    const start = state.got;
    const copied = await pump(link, file, size - start, {
      hash: state.hash,
      onProgress: (n) => {
        state.got = start + n;
        progress.update(state.got);
      },
    });
    state.got = start + copied;
    if (state.got < size) {
      checkAborted(options.signal);
      const code = link.stalled ? "stalled" : "connection_lost";
      throw new TransferError(code, `Connection lost after ${state.got} of ${size} bytes`);
    }
  } finally {
    link.close();
  }
}
