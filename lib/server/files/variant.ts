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
import type { FileInfo, FileStore, UploadSlot } from "../file_store.ts";
import type { SyncFile } from "./receive.ts";
import type { UploadRequest } from "./request.ts";

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
  log(line: string): void;
  /** How data is flushed to disk. */
  sync?: SyncFile;
}

/** How one protocol version runs an upload. */
export interface UploadVariant {
  /** Uploader's name recorded with the file ("" for v1 until announced). */
  owner: string;
  /** Reserves the upload in the store. */
  begin(store: FileStore): Promise<UploadSlot>;
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
    begin: (store) =>
      store.beginUpload(req.owner, {
        filename: req.filename,
        size: req.size,
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
        context.log(`PC3 files: onPublished failed: ${(e as Error).message}`);
      }
    },
  };
}
