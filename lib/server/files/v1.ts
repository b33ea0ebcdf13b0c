/**
 * Uploads from original (v1) clients (PROTOCOL.md 3.2): the client chooses
 * the file id, there is no session token, no `upload_ready`, no
 * `upload_end` and no resume. The file is published unannounced; the
 * client's own chat connection announces it later (PROTOCOL.md 3.3), which
 * the store allows only from the uploader's address.
 *
 * @module
 */

import type { UploadRequest } from "./request.ts";
import type { UploadVariant } from "./variant.ts";

/** How a v1 upload from `ip` runs (see {@link UploadVariant}). */
export function v1Variant(req: Extract<UploadRequest, { version: 1 }>, ip: string): UploadVariant {
  return {
    owner: "",
    begin: (store) => store.beginV1(req.fileId, ip, { filename: req.filename, size: req.size }),
    resumable: false,
    ready: () => null,
    hasEnd: false,
    reply: (info) => ({
      type: "upload_ok",
      file_id: info.file_id,
      size: info.size,
      sha256: info.sha256,
    }),
    published(info, context) {
      // Announced by the uploader's chat connection, not here; the teacher hears of it now.
      context.log({
        kind: "v1_uploaded",
        ip,
        name: info.filename,
        size: info.size,
        id: info.file_id,
      });
    },
  };
}
