import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  FileStore,
  FileStoreError,
  PART_LIFETIME_MS,
  type StoreProblem,
} from "../lib/server/file_store.ts";

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "pc3_store_" });
}

/** SHA-256 of a text, in hex. */
function sha(data: string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Writes `data` into an upload slot's part and publishes it. */
async function put(store: FileStore, owner: string, name: string, data: string) {
  const slot = await store.beginUpload(owner, { filename: name, size: data.length });
  await Deno.writeTextFile(slot.path, data);
  return await store.publish(slot, sha(data), owner);
}

Deno.test("FileStore publishes under 6-character ids and keeps them across reopen", async () => {
  const dir = await tempDir();
  const store = await FileStore.open(dir);
  const a = await put(store, "Ana", "a.txt", "hola");
  const b = await put(store, "Luis", "b.txt", "adiós");
  // Readable off a projector: no 0/o, 1/l/i.
  assert.match(a.file_id, /^[2-9a-hjkmnp-tv-z]{6}$/);
  assert.notEqual(a.file_id, b.file_id);
  await store.close();
  await store.close(); // safe twice

  const again = await FileStore.open(dir);
  assert.deepEqual(again.list().map((f) => [f.file_id, f.filename, f.from]), [
    [a.file_id, "a.txt", "Ana"],
    [b.file_id, "b.txt", "Luis"],
  ]);
  assert.equal(await Deno.readTextFile(again.blobPath(a.file_id)!), "hola");
  // Blobs are stored under server names, never under the public id.
  const blobs = [...Deno.readDirSync(join(dir, "files"))].map((e) => e.name);
  assert.ok(!blobs.includes(a.file_id));
  await again.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore sets a corrupt index aside, reports it and starts empty", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(join(dir, "index.json"), "{ this is not json");
  const problems: StoreProblem[] = [];
  const store = await FileStore.open(dir, { onProblem: (p) => problems.push(p) });
  assert.deepEqual(store.list(), []);
  assert.equal(problems.length, 1);
  assert.equal(problems[0].kind, "corrupt_index");
  const aside = (problems[0] as { aside: string }).aside;
  assert.equal(await Deno.readTextFile(aside), "{ this is not json");
  await store.close();
  // The next open finds the new (valid) index.
  const again = await FileStore.open(dir, { onProblem: (p) => problems.push(p) });
  assert.equal(problems.length, 1);
  await again.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore keeps recent parts resumable and removes old or unknown ones", async () => {
  const dir = await tempDir();
  const store = await FileStore.open(dir);
  const slot = await store.beginUpload("Ana", { filename: "big.iso", size: 100 });
  await Deno.writeTextFile(slot.path, "x".repeat(40));
  await store.abandon(slot, true);
  await Deno.writeTextFile(join(dir, "tmp", "stray.part"), "junk");
  await store.close();

  const again = await FileStore.open(dir);
  assert.equal(await Deno.stat(join(dir, "tmp", "stray.part")).catch(() => null), null);
  const resumed = await again.beginUpload("Ana", {
    filename: "big.iso",
    size: 100,
    resume: slot.uploadId,
  });
  assert.equal(resumed.offset, 40);
  await again.abandon(resumed, true);
  await again.close();

  const later = await FileStore.open(dir, { now: () => Date.now() + PART_LIFETIME_MS + 60_000 });
  await assert.rejects(
    later.beginUpload("Ana", { filename: "big.iso", size: 100, resume: slot.uploadId }),
    (e: unknown) => e instanceof FileStoreError && e.code === "not_found",
  );
  assert.deepEqual([...Deno.readDirSync(join(dir, "tmp"))], []);
  await later.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore quota counts published files and uploads in progress", async () => {
  const dir = await tempDir();
  const store = await FileStore.open(dir, { quota: 100, maxUpload: 80 });
  await put(store, "Ana", "a", "x".repeat(30));
  const running = await store.beginUpload("Ana", { filename: "b", size: 50 });
  const refuse = (size: number, code: string) =>
    assert.rejects(
      store.beginUpload("Luis", { filename: "c", size }),
      (e: unknown) => e instanceof FileStoreError && e.code === code,
    );
  await refuse(21, "quota_exceeded");
  await refuse(81, "upload_too_large");
  await store.abandon(running, false);
  const fits = await store.beginUpload("Luis", { filename: "c", size: 70 });
  await store.abandon(fits, false);
  assert.equal(store.used, 30);
  await store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore counts an idle part by its bytes on disk and its whole size when resumed", async () => {
  const dir = await tempDir();
  const store = await FileStore.open(dir, { quota: 100 });
  const slot = await store.beginUpload("Ana", { filename: "a", size: 80 });
  assert.equal(store.used, 80);
  await Deno.writeTextFile(slot.path, "x".repeat(10));
  await store.abandon(slot, true);
  assert.equal(store.used, 10);
  // Someone else takes most of the room meanwhile: the resume no longer fits.
  const other = await store.beginUpload("Luis", { filename: "b", size: 60 });
  await assert.rejects(
    store.beginUpload("Ana", { filename: "a", size: 80, resume: slot.uploadId }),
    (e: unknown) => e instanceof FileStoreError && e.code === "quota_exceeded",
  );
  await store.abandon(other, false);
  const resumed = await store.beginUpload("Ana", {
    filename: "a",
    size: 80,
    resume: slot.uploadId,
  });
  assert.equal(resumed.offset, 10);
  assert.equal(store.used, 80);
  await store.abandon(resumed, false);
  assert.equal(store.used, 0);
  await store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore v1 files need a claim from the uploader's address before listing", async () => {
  const dir = await tempDir();
  const store = await FileStore.open(dir);
  const slot = await store.beginV1("123_a.txt", "10.0.0.5", { filename: "a.txt", size: 3 });
  await assert.rejects(
    store.beginV1("123_a.txt", "10.0.0.5", { filename: "a.txt", size: 3 }),
    (e: unknown) => e instanceof FileStoreError && e.code === "file_exists",
  );
  await Deno.writeTextFile(slot.path, "abc");
  await store.publish(slot, "cd".repeat(32), "");
  assert.deepEqual(store.list(), []);
  assert.equal(store.get("123_a.txt")?.size, 3);
  assert.equal(store.claimV1("123_a.txt", "10.0.0.6", "Eve"), undefined);
  assert.equal(store.claimV1("123_a.txt", "10.0.0.5", "Ana")?.from, "Ana");
  assert.equal(store.claimV1("123_a.txt", "10.0.0.5", "Ana"), undefined);
  await store.close();
  const again = await FileStore.open(dir);
  assert.deepEqual(again.list().map((f) => [f.file_id, f.from]), [["123_a.txt", "Ana"]]);
  await again.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore.sweepParts() expires idle parts while open and spares running uploads", async () => {
  const dir = await tempDir();
  let clock = Date.now();
  const store = await FileStore.open(dir, { now: () => clock, quota: 1000 });
  const idle = await store.beginUpload("Ana", { filename: "a", size: 300 });
  await store.abandon(idle, true);
  const running = await store.beginUpload("Ana", { filename: "b", size: 300 });
  const v1 = await store.beginV1("1_c", "10.0.0.1", { filename: "c", size: 300 });
  // The idle part counts its bytes on disk (none), the running ones their declared size.
  assert.equal(store.used, 600);
  clock += PART_LIFETIME_MS + 60_000;
  await store.sweepParts();
  assert.equal(store.used, 600);
  await assert.rejects(
    store.beginUpload("Ana", { filename: "a", size: 300, resume: idle.uploadId }),
    (e: unknown) => e instanceof FileStoreError && e.code === "not_found",
  );
  assert.ok((await Deno.stat(running.path)).isFile);
  assert.ok((await Deno.stat(v1.path)).isFile);
  await store.abandon(running, false);
  await store.abandon(v1, false);
  assert.equal(store.used, 0);
  await store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore refuses a second concurrent v1 upload or resume of the same id", async () => {
  const dir = await tempDir();
  const store = await FileStore.open(dir);
  const results = await Promise.allSettled([
    store.beginV1("dup", "10.0.0.1", { filename: "a", size: 1 }),
    store.beginV1("dup", "10.0.0.2", { filename: "b", size: 1 }),
  ]);
  assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
  const slot = await store.beginUpload("Ana", { filename: "c", size: 5 });
  await store.abandon(slot, true);
  const resumes = await Promise.allSettled([
    store.beginUpload("Ana", { filename: "c", size: 5, resume: slot.uploadId }),
    store.beginUpload("Ana", { filename: "c", size: 5, resume: slot.uploadId }),
  ]);
  assert.deepEqual(resumes.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
  for (const r of [...results, ...resumes]) {
    if (r.status === "fulfilled") await store.abandon(r.value, false);
  }
  await store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore refusals carry a typed reason, the values involved and the protocol code", async () => {
  const dir = await tempDir();
  const store = await FileStore.open(dir, { quota: 100, maxUpload: 80 });
  const slot = await store.beginUpload("Ana", { filename: "a", size: 50 });
  const refusal = async (request: Promise<unknown>) => {
    try {
      await request;
    } catch (e) {
      assert.ok(e instanceof FileStoreError);
      return e;
    }
    assert.fail("Not refused");
  };
  const running = await refusal(
    store.beginUpload("Ana", { filename: "a", size: 50, resume: slot.uploadId }),
  );
  assert.equal(running.code, "upload_running");
  assert.equal(running.protocolCode, "bad_request");
  assert.equal(running.id, slot.uploadId);
  await Deno.writeTextFile(slot.path, "x".repeat(50));
  await store.abandon(slot, true); // idle: counts its 50 bytes
  const size = await refusal(
    store.beginUpload("Ana", { filename: "a", size: 60, resume: slot.uploadId }),
  );
  assert.equal(size.code, "resume_size");
  assert.equal(size.protocolCode, "bad_request");
  assert.deepEqual([size.size, size.limit], [60, 50]);
  const big = await refusal(store.beginUpload("Ana", { filename: "b", size: 81 }));
  assert.deepEqual([big.code, big.protocolCode, big.size, big.limit], [
    "upload_too_large",
    "upload_too_large",
    81,
    80,
  ]);
  const full = await refusal(store.beginUpload("Ana", { filename: "b", size: 80 }));
  assert.deepEqual([full.code, full.size, full.limit], ["quota_exceeded", 80, 50]);
  await store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore new ids avoid look-alike characters and are found in any case", async () => {
  const dir = await tempDir();
  const store = await FileStore.open(dir);
  for (let i = 0; i < 50; i++) {
    const f = await put(store, "Ana", `f${i}`, `content ${i}`);
    assert.match(f.file_id, /^[2-9a-hjkmnp-tv-z]{6}$/);
    assert.equal(store.get(f.file_id.toUpperCase())?.file_id, f.file_id);
    assert.equal(store.blobPath(f.file_id.toUpperCase()), store.blobPath(f.file_id));
  }
  await store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore keeps ids of an older index working, exactly and in any case", async () => {
  const dir = await tempDir();
  await Deno.mkdir(join(dir, "files"), { recursive: true });
  const blob = "1".repeat(32);
  await Deno.writeTextFile(join(dir, "files", blob), "old");
  const old = (id: string, from = "Ana") => ({
    file_id: id,
    filename: "old.txt",
    size: 3,
    sha256: sha("old"),
    from,
    ts: 1,
    blob,
  });
  // Two v1 ids that differ only by case: each exact id still works; the folded one is ambiguous.
  const files = [old("o2sgez"), old("x48jo2"), {
    ...old("Dup"),
    v1: { ip: "1.2.3.4", announced: true },
  }, { ...old("dup"), v1: { ip: "1.2.3.4", announced: true } }];
  await Deno.writeTextFile(
    join(dir, "index.json"),
    JSON.stringify({ version: 1, files, parts: [] }),
  );
  const store = await FileStore.open(dir);
  assert.equal(store.get("o2sgez")?.file_id, "o2sgez");
  assert.equal(store.get("O2SGEZ")?.file_id, "o2sgez");
  assert.equal(store.get("X48JO2")?.file_id, "x48jo2");
  assert.equal(store.get("Dup")?.file_id, "Dup");
  assert.equal(store.get("dup")?.file_id, "dup");
  assert.equal(store.get("DUP"), undefined);
  assert.equal(await Deno.readTextFile(store.blobPath("O2SGEZ")!), "old");
  await store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore stores the same content once and keeps the blob until its last record goes", async () => {
  const dir = await tempDir();
  // Room for both while the second arrives (its content is known only once it has).
  const store = await FileStore.open(dir, { quota: 150 });
  const a = await put(store, "Ana", "a.txt", "x".repeat(60));
  const b = await put(store, "Luis", "copia.txt", "x".repeat(60));
  assert.notEqual(a.file_id, b.file_id);
  assert.deepEqual(store.list().map((f) => [f.filename, f.from]), [["a.txt", "Ana"], [
    "copia.txt",
    "Luis",
  ]]);
  assert.equal([...Deno.readDirSync(join(dir, "files"))].length, 1);
  assert.deepEqual([...Deno.readDirSync(join(dir, "tmp"))], []);
  // The quota counts the content once.
  assert.equal(store.used, 60);
  assert.equal((await store.remove(a.file_id.toUpperCase()))?.file_id, a.file_id);
  assert.equal(await Deno.readTextFile(store.blobPath(b.file_id)!), "x".repeat(60));
  await store.close();
  const again = await FileStore.open(dir);
  assert.equal(await Deno.readTextFile(again.blobPath(b.file_id)!), "x".repeat(60));
  await again.remove(b.file_id);
  assert.deepEqual([...Deno.readDirSync(join(dir, "files"))], []);
  assert.equal(await again.remove(b.file_id), undefined);
  await again.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore removes blobs the index does not know when it opens, unless the index was lost", async () => {
  const dir = await tempDir();
  const store = await FileStore.open(dir);
  const kept = await put(store, "Ana", "a.txt", "keep me");
  await store.close();
  // A kill between a blob's rename and the index save leaves such a blob.
  await Deno.writeTextFile(join(dir, "files", "f".repeat(32)), "orphan");
  const events: unknown[] = [];
  const again = await FileStore.open(dir, { log: (e) => events.push(e) });
  assert.deepEqual([...Deno.readDirSync(join(dir, "files"))].map((e) => e.name), [
    again.blobPath(kept.file_id)!.split(/[\\/]/).pop(),
  ]);
  assert.deepEqual(events, [{ kind: "orphans_removed", count: 1 }]);
  await again.close();
  // With a corrupt index nothing is deleted on a guess.
  await Deno.writeTextFile(join(dir, "index.json"), "{ broken");
  const lost = await FileStore.open(dir, { onProblem: () => {} });
  assert.equal([...Deno.readDirSync(join(dir, "files"))].length, 1);
  await lost.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore caps resumable parts per name and per address, dropping the oldest idle ones", async () => {
  const dir = await tempDir();
  let now = 1000;
  const store = await FileStore.open(dir, {
    partCaps: { perOwner: 3, perIp: 4 },
    now: () => now++,
  });
  const begin = (owner: string, ip: string) =>
    store.beginUpload(owner, { filename: "p", size: 10, ip });
  const first = await begin("Ana", "10.0.0.1");
  await store.abandon(first, true);
  for (let i = 0; i < 2; i++) await store.abandon(await begin("Ana", "10.0.0.1"), true);
  // A fourth part of Ana's: the oldest idle one goes.
  const fourth = await begin("Ana", "10.0.0.1");
  assert.equal((await Deno.stat(fourth.path)).isFile, true);
  await assert.rejects(
    store.beginUpload("Ana", { filename: "p", size: 10, resume: first.uploadId }),
    (e: unknown) => e instanceof FileStoreError && e.code === "not_found",
  );
  assert.equal([...Deno.readDirSync(join(dir, "tmp"))].length, 3);
  // All three running: a fourth is refused instead.
  const running = [fourth, await begin("Ana", "10.0.0.1"), await begin("Ana", "10.0.0.1")];
  await assert.rejects(
    begin("Ana", "10.0.0.1"),
    (e: unknown) => e instanceof FileStoreError && e.code === "too_many_uploads",
  );
  for (const r of running) await store.abandon(r, true);
  // Per address: other names behind the same address share its cap of 4.
  await store.abandon(await begin("Bob", "10.0.0.1"), true);
  await store.abandon(await begin("Eve", "10.0.0.1"), true);
  const parts = [...Deno.readDirSync(join(dir, "tmp"))].length;
  assert.equal(parts, 4);
  await store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore answers a resume of an upload already published with the file", async () => {
  const dir = await tempDir();
  const store = await FileStore.open(dir);
  const slot = await store.beginUpload("Ana", { filename: "a.txt", size: 4 });
  await Deno.writeTextFile(slot.path, "hola");
  const info = await store.publish(slot, sha("hola"), "Ana");
  await store.close();
  // The connection broke while the server synced: the client resumes, after a restart too.
  const again = await FileStore.open(dir);
  const resumed = await again.beginUpload("Ana", {
    filename: "a.txt",
    size: 4,
    resume: slot.uploadId,
  });
  assert.deepEqual(resumed.completed, info);
  assert.equal(resumed.offset, 4);
  await again.abandon(resumed, false); // nothing to undo
  assert.equal(again.get(info.file_id)?.size, 4);
  // Not for another name, nor once the file is gone.
  await assert.rejects(
    again.beginUpload("Eve", { filename: "a.txt", size: 4, resume: slot.uploadId }),
    (e: unknown) => e instanceof FileStoreError && e.code === "not_found",
  );
  await again.remove(info.file_id);
  await assert.rejects(
    again.beginUpload("Ana", { filename: "a.txt", size: 4, resume: slot.uploadId }),
    (e: unknown) => e instanceof FileStoreError && e.code === "not_found",
  );
  await again.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore counts a running upload without its reservation by the bytes it received", async () => {
  const dir = await tempDir();
  const store = await FileStore.open(dir, { quota: 100 });
  const slow = await store.beginUpload("Eve", { filename: "slow", size: 90 });
  store.progress(slow, 1);
  assert.equal(store.used, 90);
  store.dropReservation(slow);
  assert.equal(store.used, 1);
  const other = await store.beginUpload("Ana", { filename: "b", size: 60 });
  store.progress(slow, 39); // 40 + 60 fit
  assert.throws(
    () => store.progress(slow, 1),
    (e: unknown) => e instanceof FileStoreError && e.code === "quota_exceeded",
  );
  await store.abandon(other, false);
  await store.abandon(slow, false);
  assert.equal(store.used, 0);
  await store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore keeps a blob that a publish is sharing while its last record is removed", async () => {
  const dir = await tempDir();
  const store = await FileStore.open(dir);
  const a = await put(store, "Ana", "a.txt", "same");
  const slot = await store.beginUpload("Luis", { filename: "b.txt", size: 4 });
  await Deno.writeTextFile(slot.path, "same");
  const publishing = store.publish(slot, sha("same"), "Luis");
  await store.remove(a.file_id); // the blob's last record, while the publish shares it
  const b = await publishing;
  assert.equal(await Deno.readTextFile(store.blobPath(b.file_id)!), "same");
  await store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore undoes a publish whose index cannot be saved, so it is never acknowledged", async () => {
  const dir = await tempDir();
  const store = await FileStore.open(dir, { onProblem: () => {} });
  // The index's temporary file cannot be written (a folder in its place).
  await Deno.mkdir(join(dir, "index.json.tmp"));
  const slot = await store.beginUpload("Ana", { filename: "a.txt", size: 4 });
  await Deno.writeTextFile(slot.path, "hola");
  await assert.rejects(store.publish(slot, sha("hola"), "Ana"));
  assert.deepEqual(store.list(), []);
  assert.deepEqual([...Deno.readDirSync(join(dir, "files"))], []);
  await store.abandon(slot, false);
  assert.equal(store.used, 0);
  await Deno.remove(join(dir, "index.json.tmp"));
  await store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("FileStore refuses a v1 announce that would take a member past the file cap", async () => {
  const dir = await tempDir();
  const store = await FileStore.open(dir, { maxFiles: 2 });
  await put(store, "Ana", "a", "uno");
  await put(store, "Ana", "b", "dos");
  for (const id of ["v1a", "v1b"]) {
    const slot = await store.beginV1(id, "10.0.0.5", { filename: `${id}.txt`, size: 3 });
    await Deno.writeTextFile(slot.path, id);
    await store.publish(slot, sha(id), "");
  }
  assert.equal(store.claimV1("v1a", "10.0.0.5", "Ana"), undefined);
  assert.equal(store.claimV1("v1a", "10.0.0.5", "Bob")?.from, "Bob");
  assert.equal(store.claimV1("v1b", "10.0.0.5", "Bob")?.from, "Bob");
  assert.deepEqual(store.list().map((f) => f.from), ["Ana", "Ana", "Bob", "Bob"]);
  await store.close();
  await Deno.remove(dir, { recursive: true });
});
