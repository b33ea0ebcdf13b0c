import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { FileLink } from "../lib/net/file_link.ts";
import { receiveUpload } from "../lib/server/files/receive.ts";
import { bytes, writeAll } from "./file_test_helpers.ts";
import { FakeClock } from "./fake_clock.ts";
import { withDeadline } from "./wait.ts";

/** A link on one end of a fresh socket pair, and the other end. */
async function linkPair(): Promise<{ link: FileLink; peer: Deno.Conn; clock: FakeClock }> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = listener.accept();
  const peer = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const conn = await withDeadline(accepting, 5000, "the accepted connection");
  const clock = new FakeClock();
  return { link: new FileLink(conn, { maxFrame: 1024, clock }), peer, clock };
}

Deno.test("receiveUpload() syncs in the background while receiving, and the tail at the end", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pc3_receive_" });
  const { link, peer } = await linkPair();
  try {
    const data = bytes(5 * 256 * 1024 + 100, 9);
    const path = join(dir, "x.part");
    using file = await Deno.open(path, { write: true, create: true });
    const syncs: Array<"background" | "final"> = [];
    const hash = createHash("sha256");
    const sending = writeAll(peer, data);
    const got = await withDeadline(
      receiveUpload(link, {
        file,
        path,
        hash,
        count: data.length,
        stallMs: 1000,
        syncEvery: 256 * 1024,
        sync: async (f) => {
          syncs.push(f === file ? "final" : "background");
          await f.syncData();
        },
      }),
      10_000,
      "the upload",
    );
    await sending;
    assert.equal(got, data.length);
    assert.deepEqual(await Deno.readFile(path), data);
    assert.equal(hash.digest("hex"), createHash("sha256").update(data).digest("hex"));
    assert.equal(syncs.at(-1), "final");
    assert.equal(syncs.filter((s) => s === "final").length, 1);
    assert.ok(syncs.includes("background"), syncs.join());
  } finally {
    link.close();
    peer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("receiveUpload() of a short upload returns what came and does not sync it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pc3_receive_" });
  const { link, peer } = await linkPair();
  try {
    const path = join(dir, "x.part");
    using file = await Deno.open(path, { write: true, create: true });
    let finalSyncs = 0;
    await writeAll(peer, bytes(1000));
    peer.close(); // the client is gone after 1000 of 5000 bytes
    const got = await withDeadline(
      receiveUpload(link, {
        file,
        path,
        hash: createHash("sha256"),
        count: 5000,
        stallMs: 1000,
        sync: (f) => {
          if (f === file) finalSyncs++;
          return f.syncData();
        },
      }),
      10_000,
      "the short upload",
    );
    assert.equal(got, 1000);
    assert.equal(finalSyncs, 0);
  } finally {
    link.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("receiveUpload() keeps the stall timer paused while the disk syncs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pc3_receive_" });
  const { link, peer, clock } = await linkPair();
  try {
    const path = join(dir, "x.part");
    using file = await Deno.open(path, { write: true, create: true });
    const data = bytes(3000);
    await writeAll(peer, data);
    const got = await withDeadline(
      receiveUpload(link, {
        file,
        path,
        hash: createHash("sha256"),
        count: data.length,
        stallMs: 100,
        sync: async (f) => {
          clock.advance(10_000); // a sync a hundred stall windows long
          await f.syncData();
        },
      }),
      10_000,
      "the upload",
    );
    assert.equal(got, data.length);
    assert.equal(link.closed, false);
  } finally {
    link.close();
    peer.close();
    await Deno.remove(dir, { recursive: true });
  }
});
