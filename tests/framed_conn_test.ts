import assert from "node:assert/strict";
import { FramedConnection } from "../lib/net/framed_conn.ts";
import { decodeMessage, encodeFrame } from "../lib/protocol/frame.ts";
import { withDeadline } from "./wait.ts";

/** Every payload until the peer's EOF, within a deadline. */
function collect(conn: FramedConnection): Promise<Uint8Array[]> {
  return withDeadline(Array.fromAsync(conn.payloads()), 5_000, "the peer's frames and EOF");
}

async function pair(): Promise<[Deno.Conn, Deno.Conn, Deno.Listener]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  return [client, await accepted, listener];
}

Deno.test("FramedConnection delivers queued frames in order and reads them back", async () => {
  const [a, b, listener] = await pair();
  const sender = new FramedConnection(a);
  const receiver = new FramedConnection(b);
  for (let i = 0; i < 500; i++) sender.send(encodeFrame({ i }));
  await withDeadline(sender.flush(), 5_000, "the queue to flush");
  sender.close();
  const got = (await collect(receiver)).map((payload) => decodeMessage(payload).i as number);
  assert.deepEqual(got, Array.from({ length: 500 }, (_, i) => i));
  receiver.close();
  listener.close();
});

Deno.test("FramedConnection drops a peer whose queue overflows without blocking the sender", async () => {
  const [a, b, listener] = await pair();
  let overflowed = 0;
  const sender = new FramedConnection(a, { maxQueue: 256 * 1024, onOverflow: () => overflowed++ });
  const big = encodeFrame({ pad: "x".repeat(60_000) });
  let accepted = 0;
  // The peer never reads: the kernel buffers fill, then our queue does.
  for (let i = 0; i < 1000 && sender.send(big); i++) accepted++;
  assert.ok(accepted < 1000);
  assert.equal(overflowed, 1);
  assert.equal(sender.closed, true);
  assert.equal(sender.send(big), false);
  b.close();
  listener.close();
});

Deno.test("FramedConnection.end() flushes before closing and is safe twice", async () => {
  const [a, b, listener] = await pair();
  const sender = new FramedConnection(a);
  sender.send(encodeFrame({ type: "bye" }));
  await withDeadline(sender.end(), 5_000, "end() to flush");
  await withDeadline(sender.end(), 5_000, "a second end()");
  sender.close();
  const receiver = new FramedConnection(b);
  const got = (await collect(receiver)).map(decodeMessage);
  assert.deepEqual(got, [{ type: "bye" }]);
  receiver.close();
  listener.close();
});

Deno.test("FramedConnection.payloads() ends quietly when the peer resets mid-frame", async () => {
  const [a, b, listener] = await pair();
  const frame = encodeFrame({ type: "message", text: "cortado" });
  await a.write(frame.subarray(0, 7));
  a.close();
  const receiver = new FramedConnection(b);
  const got = await collect(receiver);
  assert.equal(got.length, 0);
  assert.equal(receiver.decoder.buffered, 7);
  receiver.close();
  listener.close();
});
