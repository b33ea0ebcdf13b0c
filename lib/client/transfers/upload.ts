/**
 * Uploading a file from disk to the file port (PROTOCOL.md 3.1), resuming
 * on a new connection (PROTOCOL.md 3.4) when one is lost or stalls.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { encodeFrame, type Message } from "../../protocol/frame.ts";
import { baseName } from "../../protocol/file_names.ts";
import { NULL_SINK, pump } from "../../net/bulk_copy.ts";
import {
  codeOf,
  retryDelayMs,
  sleep,
  throttle,
  TransferError,
  type TransferOptions,
  worthRetrying,
} from "./common.ts";
import { TransferLink } from "./link.ts";

/** Options of {@link uploadFile}. */
export interface UploadOptions extends TransferOptions {
  /**
   * The chat session's token (welcome.token); a function is read again for
   * each connection, since a reconnected chat session has a new token.
   */
  token: string | (() => string);
  /**
   * How long the server may take to confirm (`upload_ok`) after the last byte,
   * in ms (default 120,000): it flushes the file to its disk first. Past it
   * the upload fails with `no_reply` instead of waiting for ever.
   */
  confirmMs?: number;
}

/** Default wait for `upload_ok` after the last byte. */
export const DEFAULT_CONFIRM_MS = 120_000;

/** The server has not noticed yet that the old connection of a resumed upload ended. */
const STILL_RUNNING: ReadonlySet<string> = new Set(["upload_running", "bad_request"]);

/** What the server published. */
export interface UploadResult {
  file_id: string;
  filename: string;
  size: number;
  sha256: string;
}

/**
 * Uploads the file at `path` (PROTOCOL.md 3.1) using the chat session
 * `token`, and returns what the server published. A connection lost or
 * stalled after the server accepted the upload is resumed on a new
 * connection from the bytes the server already has, up to `retries` times,
 * waiting 1, 2, 4 s between tries (and for the chat to come back, when it
 * is away, with a fresh set of tries and the new session's token).
 *
 * @example
 * ```ts
 * import { uploadFile } from "./upload.ts";
 * import { DEFAULT_FILE_PORT } from "../../protocol/limits.ts";
 * const r = await uploadFile("video.mp4", { host: "192.168.1.10", port: DEFAULT_FILE_PORT, token: "t" });
 * console.log(r.file_id);
 * ```
 */
export async function uploadFile(path: string, options: UploadOptions): Promise<UploadResult> {
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
      const code = codeOf(e);
      if (!worthResuming(code, attempt, options) || uploadId === undefined || attempt >= retries) {
        throw e;
      }
      options.onRetry?.(attempt + 1, code);
      await sleep(retryDelayMs(attempt), options.signal, options.retryClock);
      // The chat was away (a server restart): a fresh set of tries, with its new token.
      if (await options.waitOnline?.(options.signal)) attempt = -1;
    }
  }
}

/**
 * Whether a resumable upload that failed with `code` is worth another try:
 * as any transfer (common.ts); "still running" once we are resuming (the
 * server has not noticed the old connection end yet); and `unauthorized`
 * when the chat may have a new session since (`waitOnline`).
 */
function worthResuming(code: string, attempt: number, options: UploadOptions): boolean {
  if (worthRetrying(code, options)) return true;
  if (STILL_RUNNING.has(code)) return attempt > 0;
  return code === "unauthorized" && options.waitOnline !== undefined;
}

/** One upload attempt: a new one, or the continuation of `resume`. */
async function uploadOnce(
  path: string,
  size: number,
  options: UploadOptions,
  resume: string | undefined,
  onReady: (uploadId: string) => void,
): Promise<UploadResult> {
  using file = await Deno.open(path, { read: true });
  const link = await TransferLink.open(options.host, options.port, options);
  const token = typeof options.token === "function" ? options.token() : options.token;
  const request: Message = { type: "upload", token, filename: baseName(path), size };
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
    // The answer is read while the bytes go out: an early refusal (an error frame) or the end
    // of the connection stops the upload at once, also where a write blocked on a full socket
    // is not woken by the peer's reset (seen under wine).
    let early: unknown;
    const answer = link.reply("upload_ok");
    answer.catch((e) => {
      early = e;
      link.close();
    });
    let sent: number;
    try {
      // A resumed upload still hashes the whole file: the server checks the whole file.
      sent = offset > 0 ? await pump(file, NULL_SINK, offset, { hash }) : 0;
      if (sent === offset) {
        // Disk reads pause the stall timer: a slow disk is not a silent server.
        const disk = { read: (buf: Uint8Array) => link.link.pausedDuring(() => file.read(buf)) };
        sent += await pump(disk, link, size - offset, {
          hash,
          onProgress: (n) => progress.update(offset + n),
        });
      }
    } catch (e) {
      throw early ?? e; // an answer that closed the link says why
    }
    if (early !== undefined) throw early;
    if (sent < size) throw new TransferError("size_mismatch", `File shrank while sending: ${path}`);
    await link.send(encodeFrame({ type: "upload_end", sha256: hash.digest("hex") }));
    const ok = await awaitConfirmation(link, answer, options.confirmMs ?? DEFAULT_CONFIRM_MS);
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

/**
 * Waits for `answer` (`upload_ok`). The server flushes the file's tail to its disk
 * before answering, so silence is expected for a while, but not for ever:
 * past `ms` the upload fails with `no_reply`.
 */
async function awaitConfirmation(
  link: TransferLink,
  answer: Promise<Message>,
  ms: number,
): Promise<Message> {
  let expired = false;
  link.link.watch(ms, {
    refresh: false,
    onExpire: () => {
      expired = true;
      link.close();
    },
  });
  try {
    return await answer;
  } catch (e) {
    if (!expired) throw e;
    throw new TransferError("no_reply", `No upload_ok within ${ms / 1000} s`, { cause: e });
  }
}
