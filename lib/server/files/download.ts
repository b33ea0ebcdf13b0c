/**
 * The download handler of the file port (PROTOCOL.md 3.5): `download_meta`,
 * then the file's bytes from the requested offset, streamed from disk.
 *
 * @module
 */

import { encodeFrame, type Message } from "../../protocol/frame.ts";
import { pump } from "../../net/bulk_copy.ts";
import type { FileStore } from "../file_store.ts";
import type { LogSink } from "../log_event.ts";
import type { FileConnection } from "./connection.ts";
import { parseDownloadId, parseDownloadOffset, Refusal } from "./request.ts";

/** What the download handler needs from the server. */
export interface DownloadContext {
  store: FileStore;
  /** Stall window while bytes should be moving. */
  stallMs: number;
  /** The server's log: `downloaded` when a whole file was sent. */
  log: LogSink;
  /**
   * When set (a room with a password), a download must carry the `token` of a
   * live chat session this accepts, else `unauthorized` (PROTOCOL.md 3.5).
   */
  session?: (token: unknown) => boolean;
}

/** Sends the file a `download` request asks for; throws a {@link Refusal}. */
export async function handleDownload(
  c: FileConnection,
  req: Message,
  context: DownloadContext,
): Promise<void> {
  if (context.session !== undefined && !context.session(req.token)) {
    throw new Refusal("unauthorized", "unauthorized");
  }
  const fileId = parseDownloadId(req);
  const info = context.store.get(fileId);
  const path = context.store.blobPath(fileId);
  if (info === undefined || path === undefined) throw new Refusal("not_found", "v1_file_not_found");
  const offset = parseDownloadOffset(req, info.size);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    context.log({ kind: "file_error", ip: c.ip, error: `${path}: ${(e as Error).message}` });
    throw new Refusal("not_found", "v1_file_not_found");
  }
  try {
    if (offset > 0) await file.seek(offset, Deno.SeekMode.Start);
    c.link.watch(context.stallMs);
    await c.send(encodeFrame({
      type: "download_meta",
      file_id: info.file_id,
      filename: info.filename,
      size: info.size,
      sha256: info.sha256,
      offset,
    }));
    const sent = await pump(file, c.link, info.size - offset);
    if (sent < info.size - offset) {
      context.log({ kind: "file_error", ip: c.ip, error: `blob shorter than its index: ${path}` });
    } else context.log({ kind: "downloaded", by: c.ip, name: info.filename, id: info.file_id });
  } finally {
    file.close();
  }
}
