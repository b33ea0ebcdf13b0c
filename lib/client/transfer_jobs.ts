/**
 * The chat client's background transfers: each `/upload` and `/download`
 * runs on its own connection while chat goes on, several at once. This
 * module numbers them, reports their progress and outcome as events, and
 * lets the client wait for them or cancel them.
 *
 * The transfer functions themselves (lib/client/transfers.ts) are injected
 * ({@link TransferFunctions}), so tests fake them.
 *
 * @module
 */

import { baseName } from "../protocol/file_names.ts";
import type { SharedFile } from "../protocol/wire.ts";
import { osErrorCode } from "./os_errors.ts";
import type { EmitEvent, TransferInfo, TransferResult } from "./events.ts";
import { formatSize } from "./text.ts";

/** Progress of one transfer. */
export interface Progress {
  done: number;
  total: number;
}

/** The transfer functions of lib/client/transfers.ts (injected so tests can fake them). */
export interface TransferFunctions {
  uploadFile(path: string, options: {
    host: string;
    port: number;
    /** The chat session's token, read again before each resume (it changes on a reconnection). */
    token: string | (() => string);
    onProgress?: (p: Progress) => void;
    signal?: AbortSignal;
    /** Called before a cut upload is resumed. */
    onRetry?: (attempt: number, code: string) => void;
    /** Resolves once the chat is connected (true when it had to wait for it). */
    waitOnline?: (signal?: AbortSignal) => Promise<boolean>;
  }): Promise<{ file_id: string; filename: string; size: number; sha256: string }>;
  downloadFile(fileId: string, options: {
    host: string;
    port: number;
    /** The chat session's token (a room with a password wants it on downloads too). */
    token?: string | (() => string);
    dir: string;
    onProgress?: (p: Progress) => void;
    signal?: AbortSignal;
    /** Called before a cut download is continued. */
    onRetry?: (attempt: number, code: string) => void;
    /** Called when an earlier `.part` of this file is continued from `done` bytes. */
    onContinue?: (done: number) => void;
    /** Resolves once the chat is connected (true when it had to wait for it). */
    waitOnline?: (signal?: AbortSignal) => Promise<boolean>;
  }): Promise<
    { path: string; filename: string; size: number; sha256: string; verified?: boolean }
  >;
}

/** Where and how transfers run. */
export interface TransferJobsOptions {
  /** Without them, `/upload` and `/download` answer "unavailable". */
  transfers?: TransferFunctions;
  /** File server host. */
  host: string;
  /** File server port. */
  port: number;
  /** Session token that authorises uploads (a function: it changes on a reconnection). */
  token: string | (() => string);
  /** Resolves once the chat is connected (true when it had to wait); transfers retry after it. */
  waitOnline?: (signal?: AbortSignal) => Promise<boolean>;
  /** Where downloads go. */
  downloads: string;
  /** Files known by id, for a download's name and size before it starts. */
  knownFile(fileId: string): SharedFile | undefined;
  emit: EmitEvent;
}

type Run = (
  info: TransferInfo,
  onProgress: (p: Progress) => void,
  signal: AbortSignal,
) => Promise<TransferResult>;

interface Job {
  info: TransferInfo;
  abort: AbortController;
  done: Promise<void>;
}

/** The transfers one chat client is running. */
export class TransferJobs {
  #options: TransferJobsOptions;
  #jobs = new Map<number, Job>();
  #next = 1;

  constructor(options: TransferJobsOptions) {
    this.#options = options;
  }

  /** Transfers still running. */
  get running(): number {
    return this.#jobs.size;
  }

  /** Starts uploading the file at `path`; never waits. */
  upload(path: string): void {
    const { transfers, host, port, token, waitOnline, emit } = this.#options;
    const label = baseName(path);
    if (transfers === undefined) {
      emit({
        type: "notice",
        key: "uploadFailed",
        params: { filename: label, reason: "unavailable" },
      });
      return;
    }
    this.#track("upload", label, 0, async (_info, onProgress, signal) => {
      const onRetry = (attempt: number) =>
        emit({ type: "notice", key: "uploadResuming", params: { filename: label, attempt } });
      const r = await transfers.uploadFile(path, {
        host,
        port,
        token,
        onProgress,
        signal,
        onRetry,
        waitOnline,
      });
      return { filename: r.filename, size: r.size, sha256: r.sha256, fileId: r.file_id };
    });
  }

  /** Starts downloading the shared file `id` into the downloads folder; never waits. */
  download(id: string): void {
    const { transfers, host, port, token, downloads: dir, waitOnline, emit } = this.#options;
    const known = this.#options.knownFile(id);
    const label = known?.filename ?? id;
    if (transfers === undefined) {
      emit({
        type: "notice",
        key: "downloadFailed",
        params: { filename: label, reason: "unavailable" },
      });
      return;
    }
    this.#track("download", label, known?.size ?? 0, async (info, onProgress, signal) => {
      const onRetry = (attempt: number) =>
        emit({
          type: "notice",
          key: "downloadResuming",
          params: { filename: info.label, attempt },
        });
      const onContinue = (done: number) =>
        emit({
          type: "notice",
          key: "downloadContinuing",
          params: { filename: info.label, done: formatSize(done) },
        });
      const r = await transfers.downloadFile(id, {
        host,
        port,
        token,
        dir,
        onProgress,
        signal,
        onRetry,
        onContinue,
        waitOnline,
      });
      info.label = r.filename;
      const { filename, size, sha256, path } = r;
      return { filename, size, sha256, path, fileId: id, verified: r.verified ?? true };
    });
  }

  #track(kind: "upload" | "download", label: string, total: number, run: Run): void {
    const emit = this.#options.emit;
    const info: TransferInfo = {
      id: this.#next++,
      kind,
      label,
      done: 0,
      total,
      started: Date.now(),
    };
    const abort = new AbortController();
    const onProgress = (p: Progress) => {
      info.done = p.done;
      if (p.total > 0) info.total = p.total;
      emit({ type: "transfer_progress", transfer: info });
    };
    emit({ type: "transfer_start", transfer: info });
    const done = (async () => {
      try {
        const result = await run(info, onProgress, abort.signal);
        info.done = result.size;
        info.total = result.size;
        emit({ type: "transfer_done", transfer: info, ...result });
      } catch (e) {
        emit({ type: "transfer_failed", transfer: info, ...failure(e, abort.signal) });
      } finally {
        this.#jobs.delete(info.id);
      }
    })();
    this.#jobs.set(info.id, { info, abort, done });
  }

  /** Resolves once every transfer running now has ended, however it ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#jobs.values()].map((job) => job.done));
  }

  /** Cancels every running transfer (each then reports `cancelled`). */
  abortAll(): void {
    for (const job of this.#jobs.values()) job.abort.abort();
  }
}

/** The code and text a failed transfer reports: `cancelled` when we aborted it. */
function failure(e: unknown, signal: AbortSignal): { code: string; message: string } {
  const err = e as { code?: unknown; message?: unknown };
  // An operating-system error gets a code the catalogue explains (lib/client/os_errors.ts).
  const os = osErrorCode(e);
  const code = signal.aborted
    ? "cancelled"
    : os ?? (typeof err?.code === "string" ? err.code : "failed");
  const message = typeof err?.message === "string" ? err.message : String(e);
  return { code, message };
}
