import assert from "node:assert/strict";
import { encodeFrame } from "../lib/protocol/frame.ts";
import {
  blobCount,
  bytes,
  concat,
  rawRequest,
  sha256hex,
  startFileServer,
  stillServes,
  strayFiles,
} from "./file_test_helpers.ts";

/** What the original client sends: the header and, without waiting, the bytes. */
function v1Upload(fileId: unknown, filename: unknown, data: Uint8Array): Uint8Array {
  return concat(
    encodeFrame({ type: "upload", file_id: fileId, filename, size: data.length }),
    data,
  );
}

Deno.test("v1 upload sent in one go is stored, answered and downloadable byte for byte", async () => {
  const s = await startFileServer();
  try {
    const data = bytes(2 * 1024 * 1024 + 99, 21);
    const fileId = `${Date.now()}_informe final.pdf`;
    const up = await rawRequest(s.port, v1Upload(fileId, "informe final.pdf", data));
    const sha = await sha256hex(data);
    assert.deepEqual(up.messages[0], {
      type: "upload_ok",
      file_id: fileId,
      size: data.length,
      sha256: sha,
    });
    assert.equal(up.raw.length, 0);
    // Stored but not announced: not listed, and onPublished was not called.
    assert.deepEqual(s.store.list(), []);
    assert.deepEqual(s.published, []);

    const down = await rawRequest(s.port, encodeFrame({ type: "download", file_id: fileId }));
    const meta = down.messages[0];
    assert.equal(meta.type, "download_meta");
    assert.equal(meta.filename, "informe final.pdf");
    assert.equal(meta.size, data.length);
    assert.deepEqual(down.raw, data);
  } finally {
    await s.close();
  }
});

Deno.test("v1 upload is announced only by a claim from the same address, once", async () => {
  const s = await startFileServer();
  try {
    const data = bytes(1000);
    await rawRequest(s.port, v1Upload("1700000000000_a.txt", "a.txt", data));
    assert.equal(s.store.claimV1("1700000000000_a.txt", "10.0.0.9", "Mallory"), undefined);
    assert.equal(s.store.claimV1("missing", "127.0.0.1", "Luis"), undefined);
    const info = s.store.claimV1("1700000000000_a.txt", "127.0.0.1", "Luis");
    assert.equal(info?.from, "Luis");
    assert.equal(info?.sha256, await sha256hex(data));
    assert.equal(s.store.claimV1("1700000000000_a.txt", "127.0.0.1", "Luis"), undefined);
    assert.deepEqual(s.store.list().map((f) => [f.file_id, f.from]), [[
      "1700000000000_a.txt",
      "Luis",
    ]]);
  } finally {
    await s.close();
  }
});

Deno.test("v1 hostile file ids are refused with bad_file_id and nothing is written outside", async () => {
  const s = await startFileServer();
  try {
    const ids = [
      "../../evil",
      "..",
      "a/b",
      "a\\b",
      "/etc/x",
      "C:\\x",
      "C:/x",
      "nul\u0000byte",
      "bell\u0007",
      "",
      "x".repeat(201),
      5,
      null,
    ];
    for (const id of ids) {
      const reply = await rawRequest(s.port, v1Upload(id, "x.txt", bytes(100)));
      assert.equal(reply.messages[0]?.code, "bad_file_id", JSON.stringify(id));
    }
    assert.equal(await blobCount(s), 0);
    assert.deepEqual(await strayFiles(s), []);
    await stillServes(s);
  } finally {
    await s.close();
  }
});

Deno.test("v1 hostile file names are stored as safe base names", async () => {
  const s = await startFileServer();
  try {
    const cases: Array<[string, string]> = [
      ["../../etc/cron.d/evil", "evil"],
      ["C:\\Windows\\win.ini", "win.ini"],
      ["/etc/passwd", "passwd"],
      ["con.txt", "_con.txt"],
    ];
    for (const [i, [name, safe]] of cases.entries()) {
      await rawRequest(s.port, v1Upload(`id${i}`, name, bytes(10)));
      assert.equal(s.store.get(`id${i}`)?.filename, safe);
    }
    for (const name of ["..", "", "/", "C:\\"]) {
      const reply = await rawRequest(s.port, v1Upload("bad", name, bytes(10)));
      assert.equal(reply.messages[0]?.code, "bad_filename", name);
    }
    assert.deepEqual(await strayFiles(s), []);
  } finally {
    await s.close();
  }
});

Deno.test("v1 reused file id gives file_exists and the first file is intact", async () => {
  const s = await startFileServer();
  try {
    const first = bytes(5000, 1);
    await rawRequest(s.port, v1Upload("same", "a.bin", first));
    const reply = await rawRequest(s.port, v1Upload("same", "b.bin", bytes(5000, 2)));
    assert.equal(reply.messages[0]?.code, "file_exists");
    const down = await rawRequest(s.port, encodeFrame({ type: "download", file_id: "same" }));
    assert.equal(down.messages[0].filename, "a.bin");
    assert.deepEqual(down.raw, first);
    assert.equal(await blobCount(s), 1);
  } finally {
    await s.close();
  }
});

Deno.test("v1 upload that stops short is not stored and its id stays free", async () => {
  const s = await startFileServer();
  try {
    const frame = encodeFrame({ type: "upload", file_id: "cut", filename: "c.bin", size: 10_000 });
    const reply = await rawRequest(s.port, concat(frame, bytes(4000)), { closeWrite: true });
    assert.equal(reply.messages[0]?.code, "size_mismatch");
    assert.equal(s.store.get("cut"), undefined);
    assert.equal(await blobCount(s), 0);
    const again = await rawRequest(s.port, v1Upload("cut", "c.bin", bytes(10_000)));
    assert.equal(again.messages[0]?.type, "upload_ok");
  } finally {
    await s.close();
  }
});

Deno.test("v1 negative and oversized sizes are refused", async () => {
  const s = await startFileServer({ maxUpload: 1000 });
  try {
    for (const size of [-5, 1001, 2.5]) {
      const frame = encodeFrame({ type: "upload", file_id: "n", filename: "n.bin", size });
      const reply = await rawRequest(s.port, frame, { closeWrite: true });
      assert.equal(reply.messages[0]?.code, "upload_too_large", String(size));
    }
    assert.equal(await blobCount(s), 0);
  } finally {
    await s.close();
  }
});

Deno.test("v1 download of a missing id gets the original error message", async () => {
  const s = await startFileServer();
  try {
    const reply = await rawRequest(s.port, encodeFrame({ type: "download", file_id: "nope" }));
    assert.deepEqual(reply.messages[0], {
      type: "error",
      code: "not_found",
      message: "file not found",
    });
  } finally {
    await s.close();
  }
});

Deno.test("v1 uploads are refused when acceptV1 is off", async () => {
  const s = await startFileServer({ acceptV1: false });
  try {
    const reply = await rawRequest(s.port, v1Upload("x", "x.bin", bytes(100)));
    assert.equal(reply.messages[0]?.code, "unauthorized");
    assert.equal(await blobCount(s), 0);
  } finally {
    await s.close();
  }
});
