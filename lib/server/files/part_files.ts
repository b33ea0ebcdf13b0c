/**
 * The `tmp/` folder of the file store, swept: which part files stay
 * (resumable) and which go (too old, unknown to the index, not a file).
 *
 * @module
 */

import { join } from "node:path";

/** What {@link sweepPartFiles} needs to judge each entry. */
export interface PartSweep {
  /** The current time, in Unix milliseconds. */
  now: number;
  /** How long an idle part stays. */
  lifetimeMs: number;
  /** Whether an upload with this id is running (its part is left alone). */
  isActive(uploadId: string): boolean;
  /** Whether the index knows this upload id. */
  isKnown(uploadId: string): boolean;
}

/**
 * Removes from `tmp` every entry that is not the part of a known upload
 * younger than `lifetimeMs`, and returns the upload ids whose parts stay,
 * with their sizes (undefined for running uploads, which are not measured).
 */
export async function sweepPartFiles(
  tmp: string,
  sweep: PartSweep,
): Promise<Map<string, number | undefined>> {
  const kept = new Map<string, number | undefined>();
  for await (const entry of Deno.readDir(tmp)) {
    const path = join(tmp, entry.name);
    const id = entry.name.endsWith(".part") ? entry.name.slice(0, -5) : "";
    if (sweep.isActive(id)) {
      kept.set(id, undefined);
      continue;
    }
    let info: Deno.FileInfo | null = null;
    try {
      info = await Deno.lstat(path);
    } catch { /* vanished */ }
    const old = sweep.now - (info?.mtime?.getTime() ?? 0) > sweep.lifetimeMs;
    if (!entry.isFile || !sweep.isKnown(id) || old) {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    } else {
      kept.set(id, info?.size);
    }
  }
  return kept;
}

/** A resumable part as the cap sees it. */
export interface CappedPart {
  upload_id: string;
  owner: string;
  ip?: string;
  created: number;
}

/**
 * The idle parts to drop so that `owner` and `ip` each keep fewer than
 * their cap before one more upload starts, oldest first. Returns null when
 * that is impossible because the parts over a cap are all running.
 */
export function partsOverCap(
  parts: Iterable<CappedPart>,
  who: { owner: string; ip?: string | undefined; isRunning(uploadId: string): boolean },
  caps: { perOwner: number; perIp: number },
): string[] | null {
  const all = [...parts].sort((a, b) => a.created - b.created);
  const drop = new Set<string>();
  const groups: Array<[(p: CappedPart) => boolean, number]> = [
    [(p) => p.owner === who.owner, caps.perOwner],
  ];
  if (who.ip !== undefined) groups.push([(p) => p.ip === who.ip, caps.perIp]);
  for (const [mine, cap] of groups) {
    const kept = all.filter((p) => mine(p) && !drop.has(p.upload_id));
    let over = kept.length - cap + 1;
    for (const p of kept) {
      if (over <= 0) break;
      if (who.isRunning(p.upload_id)) continue;
      drop.add(p.upload_id);
      over--;
    }
    if (over > 0) return null;
  }
  return [...drop];
}
