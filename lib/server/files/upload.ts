/**
 * The upload handler of the file port (PROTOCOL.md 3.1, 3.2, 3.4): reserve
 * a slot in the store, receive and hash the bytes, check `upload_end` (v2),
 * publish, reply. Only a complete, verified upload whose bytes are on disk
 * is published and acknowledged; an interrupted v2 upload stays resumable.
 *
 * What differs between v1 and v2 is described by an `UploadVariant`
 * (lib/server/files/variant.ts, v1.ts).
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { encodeFrame, type Message } from "../../protocol/frame.ts";
import { systemClock } from "../../protocol/clock.ts";
import { BULK_BUFFER } from "../../net/bulk_copy.ts";
import { FileStoreError, type UploadSlot } from "../file_store.ts";
import { freeBytes, isDiskFull } from "./blobs.ts";
import type { FileConnection } from "./connection.ts";
import { receiveUpload } from "./receive.ts";
import { checkUploadEnd, Refusal, storeRefusal, type UploadRequest } from "./request.ts";
import { v1Variant } from "./v1.ts";
import { PROGRESS_RULE, type UploadContext, type UploadVariant, v2Variant } from "./variant.ts";

export type { UploadContext } from "./variant.ts";

/** Runs one upload request (already parsed) to its end; throws a {@link Refusal}. */
export async function handleUpload(
  c: FileConnection,
  req: UploadRequest,
  context: UploadContext,
): Promise<void> {
  context.limits?.check(req, c.ip, context.store);
  const variant = req.version === 2 ? v2Variant(req) : v1Variant(req, c.ip);
  let slot: UploadSlot;
  try {
    slot = await variant.begin(context.store, c.ip);
  } catch (e) {
    if (isDiskFull(e)) {
      // A v1 client sends its bytes without waiting for a reply.
      throw await diskFull(context, req.filename, req.size, req.version === 1 ? req.size : 0);
    }
    throw storeRefusal(e, req.size, context.store.maxUpload);
  }
  if (slot.completed !== undefined) return await confirmCompleted(c, slot, variant, context);
  const outcome = { keep: variant.resumable, published: false };
  const received = { bytes: 0 };
  try {
    let sha256: string;
    try {
      sha256 = await receiveSlot(c, slot, variant, context, received);
    } catch (e) {
      throw await midwayRefusal(e, slot, context, outcome, received.bytes);
    }
    if (variant.hasEnd) await awaitEnd(c, sha256, slot.size, context, outcome);
    // Renaming and indexing is disk work too: not the peer's silence.
    const info = await c.link.pausedDuring(() => context.store.publish(slot, sha256, variant.owner))
      .catch(async (e) => {
        if (!isDiskFull(e)) throw e;
        outcome.keep = false;
        throw await diskFull(context, slot.filename, slot.size);
      });
    outcome.published = true;
    variant.published(info, context);
    await c.send(encodeFrame(variant.reply(info)));
  } finally {
    if (!outcome.published) await context.store.abandon(slot, outcome.keep);
  }
}

/**
 * The refusal for a failure while the bytes were arriving: a full disk
 * (the part goes at once) or, for an upload that lost its reservation, a
 * full quota (the part stays resumable). The peer's remaining bytes are
 * drained so it reads the error frame. Anything else is rethrown.
 */
async function midwayRefusal(
  error: unknown,
  slot: UploadSlot,
  context: UploadContext,
  outcome: { keep: boolean },
  received: number,
): Promise<Refusal> {
  // The rest of the data, and an upload_end frame after it.
  const drain = slot.size - slot.offset - received + 64 * 1024;
  if (isDiskFull(error)) {
    outcome.keep = false;
    return await diskFull(context, slot.filename, slot.size, drain);
  }
  if (error instanceof FileStoreError && error.code === "quota_exceeded") {
    return new Refusal("quota_exceeded", "quota_exceeded", { detail: slot.size }, { drain });
  }
  throw error;
}

/** Tells the log the disk is full and returns the refusal the uploader gets. */
async function diskFull(
  context: UploadContext,
  name: string,
  needed: number,
  drain = 0,
): Promise<Refusal> {
  const free = await freeBytes(context.store.dir);
  context.log({ kind: "disk_full", name, needed, free: free ?? "?" });
  return new Refusal("disk_full", "disk_full", {}, { drain });
}

/**
 * A resume of an upload that was already published (the connection broke
 * while the server synced): `upload_ready` at the end, then the client's
 * `upload_end` is checked and answered with the file, announced only once.
 */
async function confirmCompleted(
  c: FileConnection,
  slot: UploadSlot,
  variant: UploadVariant,
  context: UploadContext,
): Promise<void> {
  const info = slot.completed!;
  const ready = variant.ready(slot);
  if (ready !== null) await c.send(encodeFrame(ready));
  const end = await c.readMessage(context.headerMs, context.timeoutFrame);
  if (end === null) return;
  checkUploadEnd(end, info.sha256);
  await c.send(encodeFrame(variant.reply(info)));
}

/**
 * Drops the slot's quota reservation when a window passes with fewer than
 * the rule's bytes received (or all that was left). Returns the stopper.
 */
function watchProgress(
  slot: UploadSlot,
  received: { bytes: number },
  context: UploadContext,
): () => void {
  const clock = context.clock ?? systemClock;
  const rule = context.progress ?? PROGRESS_RULE;
  let last = 0;
  let timer: unknown;
  const check = () => {
    const need = Math.min(rule.minBytes, slot.size - slot.offset - last);
    if (received.bytes - last < need) {
      context.store.dropReservation(slot);
      return;
    }
    last = received.bytes;
    timer = clock.setTimeout(check, rule.windowMs);
  };
  timer = clock.setTimeout(check, rule.windowMs);
  return () => clock.clearTimeout(timer);
}

/** Announces the slot (v2), receives its bytes and returns their SHA-256. */
async function receiveSlot(
  c: FileConnection,
  slot: UploadSlot,
  variant: UploadVariant,
  context: UploadContext,
  received: { bytes: number },
): Promise<string> {
  const hash = createHash("sha256");
  // Hashing what a resumed upload already has is local work: no deadline meanwhile.
  if (slot.offset > 0) await c.link.pausedDuring(() => hashPrefix(slot.path, slot.offset, hash));
  const ready = variant.ready(slot);
  if (ready !== null) {
    c.link.watch(context.stallMs);
    await c.send(encodeFrame(ready));
  }
  const need = slot.size - slot.offset;
  const file = await Deno.open(slot.path, { write: true, create: true });
  const stopWatch = watchProgress(slot, received, context);
  let got: number;
  try {
    // Truncate only when there is something past the offset: on ext4 a
    // file truncated and then written makes the (synchronous) close()
    // flush it (auto_da_alloc), stalling the event loop ~250 ms per GiB.
    if ((await file.stat()).size > slot.offset) await file.truncate(slot.offset);
    await file.seek(slot.offset, Deno.SeekMode.Start);
    got = await receiveUpload(c.link, {
      file,
      path: slot.path,
      hash,
      count: need,
      stallMs: context.stallMs,
      ...(context.sync ? { sync: context.sync } : {}),
      ...(context.write ? { write: context.write } : {}),
      onBytes: (n) => {
        received.bytes += n;
        context.store.progress(slot, n);
      },
    });
  } finally {
    stopWatch();
    file.close();
  }
  if (got < need) {
    throw new Refusal("size_mismatch", "size_mismatch", {
      got: slot.offset + got,
      size: slot.size,
    });
  }
  return hash.digest("hex");
}

/** Reads and checks `upload_end` (v2); a wrong one makes the part worthless. */
async function awaitEnd(
  c: FileConnection,
  sha256: string,
  size: number,
  context: UploadContext,
  outcome: { keep: boolean },
): Promise<void> {
  let end: Message | null;
  try {
    end = await c.readMessage(context.headerMs, context.timeoutFrame);
  } catch {
    outcome.keep = false;
    throw new Refusal("size_mismatch", "size_extra");
  }
  c.link.watch(context.stallMs);
  if (end === null) throw new Refusal("size_mismatch", "size_mismatch", { got: size, size });
  try {
    checkUploadEnd(end, sha256);
  } catch (e) {
    outcome.keep = false;
    throw e;
  }
}

/** Feeds the first `length` bytes of a part file into `hash` (resumed uploads). */
async function hashPrefix(path: string, length: number, hash: Hash): Promise<void> {
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(BULK_BUFFER);
  let left = length;
  while (left > 0) {
    const n = await file.read(buf.subarray(0, Math.min(buf.length, left)));
    if (n === null) throw new Error(`Part file shorter than expected: ${path}`);
    hash.update(buf.subarray(0, n));
    left -= n;
  }
}
