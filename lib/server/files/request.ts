/**
 * Requests of the file port (PROTOCOL.md section 3) checked and typed, and
 * the refusals sent back: pure functions, no I/O. The order of the checks is
 * the order a peer learns about its mistakes in, so it is part of the
 * behaviour.
 *
 * @module
 */

import type { Message, ProtocolError } from "../../protocol/frame.ts";
import { sanitizeFilename, validateV1FileId } from "../../protocol/file_names.ts";
import { utf8Length } from "../../protocol/utf8.ts";
import { FileStoreError } from "./store_error.ts";
import type { ServerTextKey } from "../text.ts";
import { formatSize } from "../../protocol/sizes.ts";

/**
 * A request refused: sent to the peer as an error frame with `code`
 * (PROTOCOL.md section 6) and the text `key` filled with `params`, then the
 * connection is closed.
 */
export class Refusal extends Error {
  override name = "Refusal";
  /** Error code on the wire. */
  readonly code: string;
  /** Text of the error frame's message. */
  readonly key: ServerTextKey;
  /** Values for the text's placeholders. */
  readonly params: Record<string, string | number>;
  /**
   * Bytes the peer may still send after the refusal (the rest of an upload
   * refused midway): read and discarded, so that closing does not reset the
   * connection and lose the error frame before the peer reads it.
   */
  readonly drain: number;

  constructor(
    code: string,
    key: ServerTextKey,
    params: Record<string, string | number> = {},
    options: { drain?: number } = {},
  ) {
    super(`File request refused: ${code}`);
    this.code = code;
    this.key = key;
    this.params = params;
    this.drain = options.drain ?? 0;
  }
}

/** A v2 upload (chat session token) or a v1 upload (client-chosen file id). */
export type UploadRequest =
  | { version: 2; owner: string; filename: string; size: number; resume?: string }
  | { version: 1; fileId: string; filename: string; size: number };

/** What {@link parseUpload} needs to know about the server. */
export interface UploadRules {
  /** Largest upload accepted, in bytes. */
  maxUpload: number;
  /** Whether v1 uploads are accepted. */
  acceptV1: boolean;
  /** The chat user a session token belongs to, or undefined. */
  sessionName(token: string): string | undefined;
}

/**
 * Checks an `upload` request and types it; throws a {@link Refusal}.
 *
 * @example
 * ```ts
 * import { parseUpload } from "./request.ts";
 * const req = parseUpload(
 *   { type: "upload", token: "t", filename: "../a.txt", size: 3 },
 *   { maxUpload: 100, acceptV1: true, sessionName: () => "Ana" },
 * );
 * // { version: 2, owner: "Ana", filename: "a.txt", size: 3 }
 * ```
 */
export function parseUpload(req: Message, rules: UploadRules): UploadRequest {
  if (req.token !== undefined) {
    if (typeof req.token !== "string") throw malformed("token");
    const owner = rules.sessionName(req.token) ?? "";
    if (owner === "") throw new Refusal("unauthorized", "unauthorized");
    const filename = checkFilename(req.filename);
    const size = checkSize(req.size, rules.maxUpload);
    if (req.resume !== undefined && typeof req.resume !== "string") throw malformed("resume");
    return {
      version: 2,
      owner,
      filename,
      size,
      ...(req.resume !== undefined ? { resume: req.resume } : {}),
    };
  }
  if (req.file_id === undefined) throw new Refusal("unauthorized", "unauthorized");
  if (!rules.acceptV1) throw new Refusal("unauthorized", "v1_disabled");
  let fileId: string;
  try {
    fileId = validateV1FileId(req.file_id);
  } catch {
    throw new Refusal("bad_file_id", "bad_file_id");
  }
  const filename = checkFilename(req.filename);
  const size = checkSize(req.size, rules.maxUpload);
  if (req.resume !== undefined && typeof req.resume !== "string") throw malformed("resume");
  return { version: 1, fileId, filename, size };
}

/** The file id of a `download` request; throws a {@link Refusal}. */
export function parseDownloadId(req: Message): string {
  if (typeof req.file_id !== "string") throw malformed("file_id");
  return req.file_id;
}

/**
 * The first byte a `download` request wants of a file of `size` bytes
 * (checked once the file is known to exist); throws a {@link Refusal}.
 */
export function parseDownloadOffset(req: Message, size: number): number {
  const offset = req.offset ?? 0;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
    throw malformed("offset");
  }
  if (offset > size) {
    throw new Refusal("bad_request", "bad_request", { detail: `offset ${offset}` });
  }
  return offset;
}

/**
 * Checks the frame after an upload's data: an `upload_end` whose SHA-256 is
 * the one computed (`sha256`, lower-case hex); throws a {@link Refusal}.
 */
export function checkUploadEnd(end: Message, sha256: string): void {
  if (end.type !== "upload_end") throw new Refusal("size_mismatch", "size_extra");
  if (typeof end.sha256 !== "string") throw malformed("sha256");
  if (end.sha256.toLowerCase() !== sha256) throw new Refusal("hash_mismatch", "hash_mismatch");
}

/**
 * The refusal for a frame the decoder rejected (a `ProtocolError` with a
 * `code`): too large, not UTF-8, not JSON, not an object.
 */
export function frameRefusal(error: unknown): Refusal {
  const code = (error as { code?: unknown })?.code;
  switch (code) {
    case "frame_too_large": {
      const { size, limit } = error as ProtocolError;
      return new Refusal(code, "frame_too_large", { size: size ?? "?", limit: limit ?? "?" });
    }
    case "bad_utf8":
      return new Refusal(code, "bad_utf8");
    case "bad_json":
      return new Refusal(code, "bad_json");
    case "bad_message":
      return new Refusal(code, "not_object");
    default:
      throw error;
  }
}

/** The refusal for an error of the store; anything else is rethrown. */
export function storeRefusal(error: unknown, size: number, maxUpload: number): Refusal {
  if (!(error instanceof FileStoreError)) throw error;
  const code = error.protocolCode;
  switch (error.code) {
    case "not_found":
      return new Refusal(code, "upload_not_found", { detail: error.id ?? "" });
    case "upload_too_large":
      return new Refusal(code, "upload_too_large", {
        limit: formatSize(maxUpload),
        detail: sizeText(size),
      });
    case "quota_exceeded":
      return new Refusal(code, "quota_exceeded", { detail: formatSize(size) });
    case "resume_size":
      return new Refusal(code, "resume_size", { detail: size });
    case "upload_running":
      return new Refusal(code, "upload_running", { detail: size });
    case "too_many_uploads":
      return new Refusal(code, "too_many_uploads", { limit: error.limit ?? "?" });
    case "file_exists":
      return new Refusal(code, "file_exists", { detail: error.message });
    case "server_shutdown":
      return new Refusal(code, "server_shutdown");
  }
}

/** A requested size for people: `1.5 GB`, or as given when it is no size at all (`-1`, `1.5`). */
function sizeText(size: number): string {
  return Number.isSafeInteger(size) && size >= 0 ? formatSize(size) : String(size);
}

function malformed(field: string): Refusal {
  return new Refusal("bad_message", "bad_message", { detail: field });
}

function checkSize(size: unknown, maxUpload: number): number {
  if (typeof size !== "number") throw malformed("size");
  if (!Number.isSafeInteger(size) || size < 0 || size > maxUpload) {
    throw new Refusal("upload_too_large", "upload_too_large", {
      limit: formatSize(maxUpload),
      detail: sizeText(size),
    });
  }
  return size;
}

function checkFilename(name: unknown): string {
  if (typeof name !== "string") throw malformed("filename");
  const bytes = utf8Length(name);
  if (bytes < 1 || bytes > 255) {
    throw new Refusal("bad_filename", "bad_filename", { detail: `${bytes} bytes` });
  }
  try {
    return sanitizeFilename(name);
  } catch {
    throw new Refusal("bad_filename", "bad_filename", { detail: JSON.stringify(name) });
  }
}
