/**
 * The records of the file store (lib/server/file_store.ts): what a stored
 * file and a resumable part look like in memory and in `index.json`, and
 * the checks applied to an index read from disk. No I/O.
 *
 * @module
 */

/** A stored file as the room and the protocol see it. */
export interface FileInfo {
  file_id: string;
  filename: string;
  size: number;
  sha256: string;
  from: string;
  ts: number;
}

/** A published file as the index keeps it. */
export interface StoredFile extends FileInfo {
  blob: string;
  /** v1 uploads: uploader IP, and whether its chat connection announced it. */
  v1?: { ip: string; announced: boolean };
}

/** A resumable upload as the index keeps it. */
export interface PartRecord {
  upload_id: string;
  /** Bytes in the part file when it was last left idle (quota counts these). */
  have?: number;
  owner: string;
  /** Address the upload came from (parts per address are capped); absent in older indexes. */
  ip?: string | undefined;
  filename: string;
  size: number;
  created: number;
}

/**
 * An upload that completed and was published: a resume of its id (a client
 * that lost the connection while the server synced) is answered with the
 * published file instead of `not_found`. Kept as long as a part would be.
 */
export interface DoneRecord {
  upload_id: string;
  owner: string;
  file_id: string;
  /** When it was published, in Unix ms. */
  ts: number;
}

/** An upload in progress, as handed to the file server. */
export interface UploadSlot {
  readonly uploadId: string;
  readonly path: string;
  readonly filename: string;
  readonly size: number;
  /** Bytes already in the part file (resume). */
  readonly offset: number;
  /** v1 uploads: the client-chosen id and uploader IP. */
  readonly v1?: { fileId: string; ip: string };
  /** A resume of an upload already published: the file (nothing more is received). */
  readonly completed?: FileInfo;
}

/** What index.json holds. */
export interface IndexData {
  version: number;
  files: StoredFile[];
  parts: PartRecord[];
  /** Uploads completed recently (absent in older indexes). */
  done?: DoneRecord[];
}

/** Checks a parsed index: every file entry must be sound; unsound part records are dropped. */
export function validateIndex(data: unknown): IndexData {
  const o = data as Record<string, unknown>;
  if (typeof o !== "object" || o === null || !Array.isArray(o.files)) {
    throw new SyntaxError("Index has no file list");
  }
  for (const f of o.files) {
    if (!isStoredFile(f)) throw new SyntaxError(`Bad index entry: ${JSON.stringify(f)}`);
  }
  const parts = Array.isArray(o.parts) ? o.parts.filter(isPartRecord) : [];
  const done = Array.isArray(o.done) ? o.done.filter(isDoneRecord) : [];
  return { version: 1, files: o.files, parts, done };
}

/** The public part of a stored file. */
export function publicInfo(f: StoredFile): FileInfo {
  return {
    file_id: f.file_id,
    filename: f.filename,
    size: f.size,
    sha256: f.sha256,
    from: f.from,
    ts: f.ts,
  };
}

/** Whether an index entry is a sound published file. */
export function isStoredFile(f: unknown): f is StoredFile {
  const o = f as Record<string, unknown>;
  return typeof o === "object" && o !== null && typeof o.file_id === "string" &&
    typeof o.filename === "string" && Number.isSafeInteger(o.size) &&
    typeof o.sha256 === "string" && typeof o.from === "string" && typeof o.ts === "number" &&
    typeof o.blob === "string" && /^[0-9a-f]{32}$/.test(o.blob);
}

/** Whether an index entry is a sound record of a completed upload. */
function isDoneRecord(d: unknown): d is DoneRecord {
  const o = d as Record<string, unknown>;
  return typeof o === "object" && o !== null && typeof o.upload_id === "string" &&
    typeof o.owner === "string" && typeof o.file_id === "string" && typeof o.ts === "number";
}

/** Whether an index entry is a sound resumable part. */
export function isPartRecord(p: unknown): p is PartRecord {
  const o = p as Record<string, unknown>;
  return typeof o === "object" && o !== null && typeof o.upload_id === "string" &&
    /^[0-9a-f]{24}$/.test(o.upload_id) && typeof o.owner === "string" &&
    typeof o.filename === "string" && Number.isSafeInteger(o.size) &&
    typeof o.created === "number";
}
