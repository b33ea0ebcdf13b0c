import assert from "node:assert/strict";
import {
  FILE_ID_ALPHABET,
  FILE_ID_LENGTH,
  FileCatalog,
  newFileId,
} from "../lib/server/files/catalog.ts";
import type { StoredFile } from "../lib/server/files/store_records.ts";

function file(id: string, blob: string, size = 10, sha = blob): StoredFile {
  return {
    file_id: id,
    filename: `${id}.txt`,
    size,
    sha256: sha.padEnd(64, "0"),
    from: "Ana",
    ts: 0,
    blob: blob.padEnd(32, "0"),
  };
}

Deno.test("FILE_ID_ALPHABET has no look-alikes and newFileId() draws only from it", () => {
  for (const c of "01ilo") assert.ok(!FILE_ID_ALPHABET.includes(c), c);
  assert.equal(new Set(FILE_ID_ALPHABET).size, 30);
  const taken = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const id = newFileId((x) => taken.has(x));
    assert.equal(id.length, FILE_ID_LENGTH);
    assert.ok([...id].every((c) => FILE_ID_ALPHABET.includes(c)), id);
    assert.ok(!taken.has(id));
    taken.add(id);
  }
});

Deno.test("newFileId() draws again while the id it drew is taken", () => {
  let calls = 0;
  const id = newFileId(() => ++calls < 5);
  assert.equal(calls, 5);
  assert.equal(id.length, FILE_ID_LENGTH);
});

Deno.test("FileCatalog counts a shared blob once and frees it with its last record", () => {
  const c = new FileCatalog();
  c.add(file("aaaaaa", "b1", 100));
  c.add(file("bbbbbb", "b1", 100));
  c.add(file("cccccc", "b2", 7));
  assert.equal(c.bytes, 107);
  assert.equal(c.blobWith("b1".padEnd(64, "0")), "b1".padEnd(32, "0"));
  assert.deepEqual(c.remove("aaaaaa")?.blobFree, false);
  assert.equal(c.bytes, 107);
  assert.deepEqual(c.remove("bbbbbb")?.blobFree, true);
  assert.equal(c.bytes, 7);
  assert.equal(c.blobWith("b1".padEnd(64, "0")), undefined);
  assert.equal(c.hasBlob("b1".padEnd(32, "0")), false);
  assert.equal(c.remove("bbbbbb"), undefined);
});

Deno.test("FileCatalog finds ids in any case unless two differ only by case", () => {
  const c = new FileCatalog();
  c.add(file("k3f9ab", "b1"));
  c.add(file("Dup", "b2"));
  c.add(file("dup", "b3"));
  assert.equal(c.get("K3F9AB")?.file_id, "k3f9ab");
  assert.equal(c.get("Dup")?.file_id, "Dup");
  assert.equal(c.get("DUP"), undefined);
  assert.ok(c.taken("K3f9aB"));
  c.remove("dup");
  assert.equal(c.get("DUP")?.file_id, "Dup");
});

Deno.test("FileCatalog counts files per member and unannounced v1 uploads per address", () => {
  const c = new FileCatalog();
  c.add(file("a", "b1"));
  c.add({ ...file("b", "b2"), from: "", v1: { ip: "10.0.0.1", announced: false } });
  c.add({ ...file("c", "b3"), from: "Ana", v1: { ip: "10.0.0.1", announced: true } });
  assert.equal(c.countFrom("Ana"), 2);
  assert.equal(c.pendingV1("10.0.0.1"), 1);
  assert.deepEqual(c.listed().map((f) => f.file_id), ["a", "c"]);
});
