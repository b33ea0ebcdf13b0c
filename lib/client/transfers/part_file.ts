/**
 * The temporary file of a download and its sidecar: `<dir>/.pc3-<id>.part`
 * holds the bytes received so far and `<dir>/.pc3-<id>.part.json` says which
 * file they are (id, size, SHA-256, name), so a later `/download` of the
 * same file continues it, even after the client restarted, and a part left
 * by another file is never mistaken for it.
 *
 * The temporary name is short whatever the file's name (a name of 255 bytes
 * plus `.part` would pass the file system's limit); the user's name is only
 * given to the finished, verified file.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";

/** What the sidecar records about the file a part belongs to. */
export interface PartMeta {
  fileId: string;
  size: number;
  /** Lower-case hex, or null when the server gave none. */
  sha256: string | null;
  /** The sanitised name the finished file gets. */
  name: string;
}

/** The largest sidecar read (it is a few hundred bytes). */
const MAX_SIDECAR = 64 * 1024;

/**
 * The short, safe stem of a part's name for a file id: the id itself (lower
 * case, ids are case-insensitive) when it is plain, else a hash of it.
 *
 * @example
 * ```ts
 * import { partStem } from "./part_file.ts";
 * partStem("K3F9AB"); // "k3f9ab"
 * partStem("../x y"); // 32 hex characters
 * ```
 */
export function partStem(fileId: string): string {
  const id = fileId.toLowerCase();
  if (/^[a-z0-9_-]{1,40}$/.test(id)) return id;
  return createHash("sha256").update(fileId).digest("hex").slice(0, 32);
}

/** The `.part` of one download and its sidecar. */
export class PartFile {
  /** Where the bytes go. */
  readonly path: string;
  /** Where the sidecar goes. */
  readonly metaPath: string;
  #continued = false;

  /** The part of file `fileId` in folder `dir` (nothing is touched yet). */
  constructor(dir: string, fileId: string) {
    this.path = join(dir, `.pc3-${partStem(fileId)}.part`);
    this.metaPath = `${this.path}.json`;
  }

  /** Whether {@link load} found an earlier part (so a mismatch means "another file"). */
  get continued(): boolean {
    return this.#continued;
  }

  /**
   * An earlier part with its sidecar: what it is and how many bytes it
   * holds; null when there is none or it cannot be trusted (then it is removed).
   */
  async load(): Promise<{ meta: PartMeta; bytes: number } | null> {
    let meta: PartMeta | null;
    let bytes: number;
    try {
      const stat = await Deno.stat(this.path);
      bytes = stat.size;
      meta = await readMeta(this.metaPath);
    } catch {
      meta = null;
      bytes = 0;
    }
    if (meta === null || bytes > meta.size) {
      await this.remove();
      return null;
    }
    this.#continued = true;
    return { meta, bytes };
  }

  /** Starts a new part (the sidecar first, then an empty part) and opens it for writing. */
  async create(meta: PartMeta): Promise<Deno.FsFile> {
    await Deno.writeTextFile(this.metaPath, JSON.stringify(meta));
    this.#continued = false;
    return await Deno.open(this.path, { write: true, create: true, truncate: true });
  }

  /** Removes the sidecar (the part itself was renamed into place). */
  async forgetMeta(): Promise<void> {
    await Deno.remove(this.metaPath).catch(() => {});
  }

  /** Removes the part and its sidecar, if they exist. */
  async remove(): Promise<void> {
    await Deno.remove(this.path).catch(() => {});
    await this.forgetMeta();
  }
}

/** Reads and checks a sidecar; null when it is missing, too big or not one. */
async function readMeta(path: string): Promise<PartMeta | null> {
  const stat = await Deno.stat(path);
  if (stat.size > MAX_SIDECAR) return null;
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(await Deno.readTextFile(path));
  } catch {
    return null;
  }
  const ok = typeof v === "object" && v !== null && typeof v.fileId === "string" &&
    typeof v.size === "number" && Number.isSafeInteger(v.size) && v.size >= 0 &&
    (v.sha256 === null || typeof v.sha256 === "string") && typeof v.name === "string" &&
    v.name !== "";
  if (!ok) return null;
  return {
    fileId: v.fileId as string,
    size: v.size as number,
    sha256: v.sha256 as string | null,
    name: v.name as string,
  };
}
