/**
 * What differs between protocol versions in an upload, as an
 * {@link UploadVariant}, and the v2 variant (PROTOCOL.md 3.1, 3.4): a
 * session token names the owner, `upload_ready` carries the resume point,
 * `upload_end` carries the SHA-256, and the room announces the file. v1 is
 * in lib/server/files/v1.ts.
 *
 * @module
 */

import type { Message } from "../../protocol/frame.ts";
import type { LinkClock } from "../../net/file_link.ts";
import type { FileInfo, FileStore, UploadSlot } from "../file_store.ts";
import type { LogSink } from "../log_event.ts";
import type { SyncFile, WriteData } from "./receive.ts";
import type { UploadRequest } from "./request.ts";
import type { UploadLimits } from "./upload_limits.ts";

/**
 * How much an upload must move to keep its quota reservation: at least
 * `minBytes` (or what is left) in every `windowMs`.
 */
export interface ProgressRule {
  windowMs: number;
  minBytes: number;
}

/** Default {@link ProgressRule}: 256 KiB every 30 s (about 8.5 KiB/s). */
export const PROGRESS_RULE: ProgressRule = { windowMs: 30_000, minBytes: 256 * 1024 };

/** What the upload handler needs from the server. */
export interface UploadContext {
  store: FileStore;
  /** Time allowed for `upload_end` after the data. */
  headerMs: number;
  /** Stall window while bytes should be moving. */
  stallMs: number;
  /** Frame sent when `upload_end` does not come in time. */
  timeoutFrame: Uint8Array;
  /** A v2 upload was published. */
  onPublished(info: FileInfo): void;
  /** The server's log. */
  log: LogSink;
  /** How data is flushed to disk. */
  sync?: SyncFile;
  /** How data is written to disk (tests inject a full disk). */
  write?: WriteData;
  /** Per-member and per-address upload limits (none when absent). */
  limits?: UploadLimits;
  /** What keeps a quota reservation (default {@link PROGRESS_RULE}). */
  progress?: ProgressRule;
  /** Clock of the progress windows. */
  clock?: LinkClock;
}

/** How one protocol version runs an upload. */
export interface UploadVariant {
  /** Uploader's name recorded with the file ("" for v1 until announced). */
  owner: string;
  /** Reserves the upload in the store, for a peer at `ip`. */
  begin(store: FileStore, ip: string): Promise<UploadSlot>;
  /** Whether a part left by a failure stays resumable. */
  resumable: boolean;
  /** The frame sent before the data (v2 `upload_ready`), or null. */
  ready(slot: UploadSlot): Message | null;
  /** Whether an `upload_end` frame follows the data. */
  hasEnd: boolean;
  /** The reply once published. */
  reply(info: FileInfo): Message;
  /** Tells the rest of the server about the published file. */
  published(info: FileInfo, context: UploadContext): void;
}

/** How a v2 upload runs. */
export function v2Variant(req: Extract<UploadRequest, { version: 2 }>): UploadVariant {
  return {
    owner: req.owner,
    begin: (store, ip) =>
      store.beginUpload(req.owner, {
        filename: req.filename,
        size: req.size,
        ip,
        ...(req.resume !== undefined ? { resume: req.resume } : {}),
      }),
    resumable: true,
    ready: (slot) => ({ type: "upload_ready", upload_id: slot.uploadId, offset: slot.offset }),
    hasEnd: true,
    reply: (info) => ({
      type: "upload_ok",
      file_id: info.file_id,
      filename: info.filename,
      size: info.size,
      sha256: info.sha256,
    }),
    published(info, context) {
      try {
        context.onPublished(info);
      } catch (e) {
        context.log({ kind: "file_error", ip: "-", error: `onPublished: ${(e as Error).message}` });
      }
    },
  };
}
