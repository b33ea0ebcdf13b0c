/**
 * Downloading a file from the file port (PROTOCOL.md 3.5) into a folder:
 * the bytes land in `<name>.part`, hashed as they come; a connection lost
 * mid-way is continued from the bytes already written (`offset`); only a
 * verified file gets its final name, and an existing file is never
 * overwritten.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { encodeFrame, type Message } from "../../protocol/frame.ts";
import { sanitizeFilename, uniqueName } from "../../protocol/file_names.ts";
import { pump } from "../../net/bulk_copy.ts";
import { writeAll } from "../../net/write_queue.ts";
import {
  checkAborted,
  type ProgressThrottle,
  RETRYABLE,
  retryDelayMs,
  sleep,
  throttle,
  TransferError,
  type TransferOptions,
} from "./common.ts";
import { TransferLink } from "./link.ts";

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
  progress: ProgressThrottle | null;
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
        await sleep(retryDelayMs(attempt), options.signal);
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
  const link = await TransferLink.open(options.host, options.port, options);
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
