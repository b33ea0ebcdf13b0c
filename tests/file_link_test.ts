import assert from "node:assert/strict";
import { encodeFrame } from "../lib/protocol/frame.ts";
import { FileLink } from "../lib/net/file_link.ts";
import { FakeClock } from "./fake_clock.ts";
import { withDeadline } from "./wait.ts";

/** A connected pair of sockets on 127.0.0.1: [our end, the peer's end]. */
async function socketPair(): Promise<[Deno.Conn, Deno.Conn]> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = listener.accept();
  const ours = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  return [ours, await withDeadline(accepting, 5000, "the accepted connection")];
}

/** A link over a fresh socket pair, with a fake clock. */
async function linkPair(): Promise<{ link: FileLink; peer: Deno.Conn; clock: FakeClock }> {
  const [ours, peer] = await socketPair();
  const clock = new FakeClock();
  return { link: new FileLink(ours, { maxFrame: 1024, clock }), peer, clock };
}

Deno.test("FileLink.watch() closes a link silent for the stall window and marks it stalled", async () => {
  const { link, peer, clock } = await linkPair();
  try {
    link.watch(100);
    clock.advance(99);
    assert.equal(link.closed, false);
    clock.advance(1);
    assert.equal(link.closed, true);
    assert.equal(link.stalled, true);
  } finally {
    link.close();
    peer.close();
  }
});

Deno.test("FileLink bytes read or written restart the stall window", async () => {
  const { link, peer, clock } = await linkPair();
  try {
    link.watch(100);
    clock.advance(80);
    await peer.write(new Uint8Array([1, 2, 3]));
    const n = await withDeadline(link.read(new Uint8Array(8)), 5000, "the peer's bytes");
    assert.equal(n, 3);
    clock.advance(80); // 160 since armed, 80 since the bytes
    assert.equal(link.closed, false);
    await link.write(new Uint8Array([4]));
    clock.advance(99);
    assert.equal(link.closed, false);
    clock.advance(1);
    assert.equal(link.stalled, true);
  } finally {
    link.close();
    peer.close();
  }
});

Deno.test("FileLink.pausedDuring() holds the stall timer during local work and restarts the window", async () => {
  const { link, peer, clock } = await linkPair();
  try {
    link.watch(100);
    const result = await link.pausedDuring(() => {
      clock.advance(1000); // a disk sync ten windows long
      assert.equal(link.closed, false);
      return Promise.resolve("synced");
    });
    assert.equal(result, "synced");
    assert.equal(link.closed, false);
    clock.advance(99);
    assert.equal(link.closed, false);
    clock.advance(200);
    assert.equal(link.stalled, true);
  } finally {
    link.close();
    peer.close();
  }
});

Deno.test("FileLink.watch() without refresh is a fixed deadline that calls onExpire", async () => {
  const { link, peer, clock } = await linkPair();
  try {
    let expired = 0;
    link.watch(100, { refresh: false, onExpire: () => expired++ });
    clock.advance(60);
    await peer.write(new Uint8Array([1]));
    await withDeadline(link.read(new Uint8Array(8)), 5000, "the peer's byte");
    clock.advance(40); // bytes moved, but the deadline does not move
    assert.equal(expired, 1);
    assert.equal(link.closed, false); // onExpire decides what to do
    assert.equal(link.stalled, false);
  } finally {
    link.close();
    peer.close();
  }
});

Deno.test("FileLink.unwatch() disarms the timer and close() clears it", async () => {
  const { link, peer, clock } = await linkPair();
  try {
    link.watch(100);
    link.unwatch();
    clock.advance(10_000);
    assert.equal(link.closed, false);
    link.watch(100);
    link.close();
    link.close(); // safe twice
    assert.equal(clock.pending, 0);
    assert.equal(link.stalled, false);
  } finally {
    peer.close();
  }
});

Deno.test("FileLink.readFrame() returns the header and leaves the raw bytes after it", async () => {
  const { link, peer } = await linkPair();
  try {
    const header = encodeFrame({ type: "download_meta", size: 3 });
    const sent = new Uint8Array(header.length + 3);
    sent.set(header);
    sent.set([7, 8, 9], header.length);
    // One byte at a time: the frame spans many reads.
    for (const byte of sent) await peer.write(new Uint8Array([byte]));
    const payload = await withDeadline(link.readFrame(), 5000, "the header frame");
    assert.deepEqual(JSON.parse(new TextDecoder().decode(payload!)), {
      type: "download_meta",
      size: 3,
    });
    let rest = link.decoder.takeRest();
    while (rest.length < 3) {
      const buf = new Uint8Array(8);
      const n = await withDeadline(link.read(buf), 5000, "the raw bytes");
      assert.notEqual(n, null);
      rest = new Uint8Array([...rest, ...buf.subarray(0, n!)]);
    }
    assert.deepEqual(rest, new Uint8Array([7, 8, 9]));
    peer.close();
    assert.equal(await withDeadline(link.readFrame(), 5000, "the end of the stream"), null);
  } finally {
    link.close();
  }
});

Deno.test("FileLink.readFrame() throws the decoder's error for a frame over the limit", async () => {
  const { link, peer } = await linkPair();
  try {
    await peer.write(new Uint8Array([0, 1, 0, 0])); // 65536 > maxFrame 1024
    await assert.rejects(
      withDeadline(link.readFrame(), 5000, "the refusal"),
      (e: unknown) => (e as { code?: string }).code === "frame_too_large",
    );
  } finally {
    link.close();
    peer.close();
  }
});
