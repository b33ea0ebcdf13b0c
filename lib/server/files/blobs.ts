/**
 * Disk chores of the file store that need no index logic: creating an empty
 * part, removing blobs the index does not know (a crash between a blob's
 * rename and the index save leaves one), and reading how much room the disk
 * has (for the `disk_full` log line).
 *
 * @module
 */

import { statfs } from "node:fs/promises";
import { join } from "node:path";

/** Creates an empty part file; if that fails, `undo` runs before the error is thrown. */
export async function createPart(path: string, undo: () => void): Promise<void> {
  try {
    (await Deno.open(path, { write: true, createNew: true })).close();
  } catch (e) {
    undo();
    throw e;
  }
}

/**
 * Removes every entry of the `files/` folder `dir` that `known` does not
 * claim, and returns how many went. Such a blob was never acknowledged to
 * its uploader (the index is saved before `upload_ok`), so nothing is lost.
 */
export async function removeOrphanBlobs(
  dir: string,
  known: (blob: string) => boolean,
): Promise<number> {
  let removed = 0;
  for await (const entry of Deno.readDir(dir)) {
    if (known(entry.name)) continue;
    await Deno.remove(join(dir, entry.name), { recursive: true }).then(
      () => removed++,
      () => {},
    );
  }
  return removed;
}

/** Bytes free for this process on the disk holding `dir`, or undefined when unknown. */
export async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

/**
 * Whether an error of a file operation means the disk (or the user's disk
 * quota) is full: the OS code `ENOSPC` / `EDQUOT`, which Deno sets on Linux,
 * macOS and Windows (`ERROR_DISK_FULL`) alike.
 */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

/**
 * Moves a complete part into the `files/` folder `dir` and returns its blob
 * name: when blob `same` (holding the same content) is there, the part is
 * dropped and `same` shared; otherwise the part becomes blob `fresh`.
 */
export async function placeBlob(
  dir: string,
  part: string,
  names: { same: string | undefined; fresh: string },
): Promise<string> {
  if (names.same !== undefined) {
    try {
      if ((await Deno.stat(join(dir, names.same))).isFile) {
        await Deno.remove(part);
        return names.same;
      }
    } catch { /* gone: store this copy */ }
  }
  await Deno.rename(part, join(dir, names.fresh));
  return names.fresh;
}
