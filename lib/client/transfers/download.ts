/**
 * Downloading a file from the file port (PROTOCOL.md 3.5) into a folder:
 * the bytes land in a temporary `.part` file named after the file's id
 * (part_file.ts), hashed as they come; a connection lost mid-way is
 * continued from the bytes already written (`offset`), and so is a later
 * download of the same file, even after a client restart; only a verified
 * file gets its final name, and an existing file is never overwritten.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { NULL_SINK } from "../../net/bulk_copy.ts";
import { encodeFrame, type Message } from "../../protocol/frame.ts";
import { sanitizeFilename, uniqueName } from "../../protocol/file_names.ts";
import { pump } from "../../net/bulk_copy.ts";
import { writeAll } from "../../net/write_queue.ts";
import {
  checkAborted,
  codeOf,
  type ProgressThrottle,
  retryDelayMs,
  sleep,
  throttle,
  TransferError,
  type TransferOptions,
  worthRetrying,
} from "./common.ts";
import { TransferLink } from "./link.ts";
import { PartFile, type PartMeta } from "./part_file.ts";

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
export interface DownloadOptions extends TransferOptions {
  /** Folder the file lands in (created if missing). */
  dir: string;
  /** Called when an earlier `.part` of this file is continued, with its size. */
  onContinue?: (done: number) => void;
  /**
   * The chat session's token, sent with each request (a room with a password
   * wants it, PROTOCOL.md 3.5); a function is read again for each connection.
   */
  token?: string | (() => string);
}

/** What a download has so far, kept across the connections that carry it. */
interface DownloadState {
  fileId: string;
  /** Size, SHA-256 and name from the first `download_meta` (or the part's sidecar). */
  meta: PartMeta | null;
  part: PartFile;
  file: Deno.FsFile | null;
  got: number;
  hash: ReturnType<typeof createHash>;
  progress: ProgressThrottle | null;
}

/** Parts being written by this process: a second download of the same file waits its turn. */
const busy = new Set<string>();

/**
 * Downloads file `fileId` (PROTOCOL.md 3.5) into `dir` (created if missing)
 * under its sanitised name, never overwriting: `name (1).ext` and so on.
 * The SHA-256 announced by the server is verified (`verified` is false when
 * the server gave none); a mismatch deletes the data and throws
 * `hash_mismatch`. A connection lost or stalled mid-way is continued on a
 * new connection from the bytes already written (`offset`), up to `retries`
 * times, and after waiting for the chat to come back when it is away
 * (`waitOnline`). A download that fails keeps its `.part`, and a later
 * download of the same file continues it.
 */
export async function downloadFile(
  fileId: string,
  options: DownloadOptions,
): Promise<{ path: string; filename: string; size: number; sha256: string; verified: boolean }> {
  await Deno.mkdir(options.dir, { recursive: true });
  const part = new PartFile(options.dir, fileId);
  if (busy.has(part.path)) {
    throw new TransferError("already_running", `Already downloading: ${fileId}`);
  }
  busy.add(part.path);
  const state: DownloadState = {
    fileId,
    meta: null,
    part,
    file: null,
    got: 0,
    hash: createHash("sha256"),
    progress: null,
  };
  let keep = false;
  try {
    await continuePart(state, options);
    await downloadWithRetries(state, options);
    state.file?.close();
    state.file = null;
    const meta = state.meta!;
    const sha256 = state.hash.digest("hex");
    if (meta.sha256 !== null && meta.sha256 !== sha256) {
      throw new TransferError("hash_mismatch", `SHA-256 mismatch: ${sha256}`);
    }
    const final = await moveUnique(part.path, options.dir, meta.name);
    await part.forgetMeta();
    state.progress?.done();
    return {
      path: final.path,
      filename: final.name,
      size: meta.size,
      sha256,
      verified: meta.sha256 !== null,
    };
  } catch (e) {
    // Bytes that moved stay for a later download of the same file; bad data does not.
    keep = state.got > 0 && codeOf(e) !== "hash_mismatch" && codeOf(e) !== "bad_reply";
    throw e;
  } finally {
    state.file?.close();
    if (!keep) await part.remove();
    busy.delete(part.path);
  }
}

/** Runs the connections of a download until it completes or is not worth another try. */
async function downloadWithRetries(state: DownloadState, options: DownloadOptions): Promise<void> {
  const retries = options.retries ?? 3;
  for (let attempt = 0;; attempt++) {
    try {
      await downloadOnce(state, options);
      return;
    } catch (e) {
      const code = codeOf(e);
      if (code === "part_changed") {
        attempt--; // The old part was for another file: start over at once.
        continue;
      }
      if (!worthRetrying(code, options) || attempt >= retries) throw e;
      options.onRetry?.(attempt + 1, code);
      await sleep(retryDelayMs(attempt), options.signal, options.retryClock);
      // The chat was away (a server restart): a fresh set of tries once it is back.
      if (await options.waitOnline?.(options.signal)) attempt = -1;
    }
  }
}

/** Picks up an earlier `.part` of this file: its meta, its bytes hashed, the offset to ask for. */
async function continuePart(state: DownloadState, options: DownloadOptions): Promise<void> {
  const prior = await state.part.load();
  if (prior === null) return;
  const file = await Deno.open(state.part.path, { read: true, write: true });
  state.file = file;
  // The whole part is hashed again: the final check covers the whole file.
  state.got = await pump(file, NULL_SINK, prior.bytes, { hash: state.hash });
  state.meta = prior.meta;
  state.progress = throttle(prior.meta.size, options.onProgress);
  options.onContinue?.(state.got);
}

/** Throws away an earlier part that turned out to be another file's, to start from zero. */
async function restart(state: DownloadState): Promise<void> {
  state.file?.close();
  state.file = null;
  await state.part.remove();
  state.meta = null;
  state.got = 0;
  state.hash = createHash("sha256");
  state.progress = null;
}

/** One connection of a download: from `state.got` to the end, or until it fails. */
async function downloadOnce(state: DownloadState, options: DownloadOptions): Promise<void> {
  const link = await TransferLink.open(options.host, options.port, options);
  try {
    const request: Message = { type: "download", file_id: state.fileId };
    if (state.got > 0) request.offset = state.got;
    const token = typeof options.token === "function" ? options.token() : options.token;
    if (token) request.token = token;
    await link.send(encodeFrame(request));
    let reply: Message;
    try {
      reply = await link.reply("download_meta");
    } catch (e) {
      // An offset past the end: the earlier part is longer than this file.
      if (codeOf(e) !== "bad_request" || !state.part.continued) throw e;
      await restart(state);
      throw new TransferError("part_changed", "The earlier part is not this file's");
    }
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
      state.meta = { fileId: state.fileId, size, sha256, name };
      state.file = await state.part.create(state.meta);
      state.progress = throttle(size, options.onProgress);
    } else if (state.meta.size !== size || state.meta.sha256 !== sha256) {
      if (state.part.continued) {
        // A part left by an earlier download that is not this file's: start over.
        await restart(state);
        throw new TransferError("part_changed", "The earlier part is not this file's");
      }
      throw new TransferError("bad_reply", "The file changed on the server between connections");
    }
    const file = state.file!;
    const progress = state.progress!;
    const early = link.link.decoder.takeRest();
    if (early.length > size - state.got) {
      throw new TransferError("bad_reply", "More bytes than announced");
    }
    // Disk writes pause the stall timer: a slow disk is not a silent server.
    const disk = { write: (bytes: Uint8Array) => link.link.pausedDuring(() => file.write(bytes)) };
    if (early.length > 0) {
      state.hash.update(early);
      await writeAll(disk, early);
      state.got += early.length;
      progress.update(state.got);
    }
    // `got` follows every chunk pump hashes and writes, so after a failure it is
    // exactly what the .part file and the hash hold: the next offset to ask for.
    const start = state.got;
    const copied = await pump(link, disk, size - start, {
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
