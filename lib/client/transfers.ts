/**
 * Client side of the file port (PROTOCOL.md section 3): upload a file from
 * disk, download a file into a directory. Each transfer opens its own
 * connection so the chat never waits for it.
 *
 * Data moves with plain read/write loops and a 1 MiB buffer and is hashed
 * (SHA-256) while it streams. Downloads land in `<dir>/<name>.part`, are
 * verified, and only then get their final, never-overwriting name. The
 * pieces live in lib/client/transfers/: the connection (link.ts), uploads
 * (upload.ts), downloads (download.ts) and what they share (common.ts).
 *
 * @module
 */

export { DEFAULT_STALL_MS, type Progress, TransferError } from "./transfers/common.ts";
export { uploadFile, type UploadOptions, type UploadResult } from "./transfers/upload.ts";
export { downloadFile, type DownloadOptions } from "./transfers/download.ts";
