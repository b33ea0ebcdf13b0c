/**
 * The refusals of the file store, typed: a reason, the values involved and
 * the protocol code a peer is sent.
 *
 * @module
 */

import type { PartRecord } from "./store_records.ts";

/**
 * Why the store refused a request. Each reason maps to one error code of
 * PROTOCOL.md section 6 ({@link FileStoreError.protocolCode}): both
 * `resume_size` and `upload_running` are a `bad_request` on the wire.
 */
export type FileStoreErrorCode =
  | "upload_too_large"
  | "quota_exceeded"
  | "not_found"
  | "file_exists"
  | "resume_size"
  | "upload_running"
  | "too_many_uploads"
  | "server_shutdown";

/** A refusal of the store, with its reason and the values involved. */
export class FileStoreError extends Error {
  override name = "FileStoreError";
  /** Why the request was refused. */
  readonly code: FileStoreErrorCode;
  /** The size asked for, when the refusal is about a size. */
  readonly size?: number;
  /** The limit it broke (largest upload, or bytes left under the quota). */
  readonly limit?: number;
  /** The upload id or file id the refusal is about. */
  readonly id?: string;

  constructor(
    code: FileStoreErrorCode,
    message: string,
    fields: { size?: number; limit?: number; id?: string; cause?: unknown } = {},
  ) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.code = code;
    if (fields.size !== undefined) this.size = fields.size;
    if (fields.limit !== undefined) this.limit = fields.limit;
    if (fields.id !== undefined) this.id = fields.id;
  }

  /** The error code a peer is sent (PROTOCOL.md section 6). */
  get protocolCode(): string {
    return this.code === "resume_size" || this.code === "upload_running"
      ? "bad_request"
      : this.code;
  }
}

/**
 * Checks that `part` (the record named by a resume request) can be resumed
 * by `request.owner` with `request.size` bytes; throws `not_found`,
 * `resume_size` or `upload_running`.
 */
export function checkResume(
  part: PartRecord | undefined,
  request: { owner: string; size: number; id: string },
  running: ReadonlySet<string>,
): asserts part is PartRecord {
  if (part === undefined || part.owner !== request.owner) {
    throw new FileStoreError("not_found", `No such upload: ${request.id}`, { id: request.id });
  }
  if (part.size !== request.size) {
    throw new FileStoreError("resume_size", `Resume size differs: ${request.size}`, {
      size: request.size,
      limit: part.size,
      id: part.upload_id,
    });
  }
  if (running.has(part.upload_id)) {
    throw new FileStoreError("upload_running", `Upload already running: ${part.upload_id}`, {
      id: part.upload_id,
    });
  }
}

/**
 * Checks that an upload of `size` bytes is within the largest upload and
 * the `left` bytes of the quota; throws `upload_too_large` or
 * `quota_exceeded`.
 */
export function checkRoom(size: number, room: { maxUpload: number; left: number }): void {
  if (size > room.maxUpload) {
    throw new FileStoreError("upload_too_large", `Upload too large: ${size}`, {
      size,
      limit: room.maxUpload,
    });
  }
  if (size > room.left) {
    throw new FileStoreError("quota_exceeded", `Quota exceeded: ${size}`, {
      size,
      limit: Math.max(0, room.left),
    });
  }
}
