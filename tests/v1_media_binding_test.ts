/**
 * Issue 7 item 4: v1 media cannot authenticate, so the relay binds a v1
 * member to the first address that sends for it, never moves it, and never
 * sends an address more than V1_AMPLIFICATION times what it sent.
 */
import assert from "node:assert/strict";
import {
  encodeMediaPacket,
  encodeV1Packet,
  MediaKind,
  tokenToBytes,
} from "../lib/protocol/media_packet.ts";
import { Relay, V1_AMPLIFICATION } from "../lib/server/relay/relay.ts";
import type { Outgoing, RelayAddress } from "../lib/server/relay/types.ts";
import { FakeRoom } from "./relay_fake_room.ts";

const ANA: RelayAddress = { hostname: "127.0.0.1", port: 40001 };
const BEA: RelayAddress = { hostname: "127.0.0.1", port: 40002 };
const VIEJO: RelayAddress = { hostname: "10.0.0.7", port: 50000 };
const VICTIM: RelayAddress = { hostname: "10.0.0.7", port: 9999 };
const TINY_JPEG = Uint8Array.of(0xff, 0xd8); // the smallest v1 datagram: 10 bytes
const FRAME = new Uint8Array(10_000).fill(7);
FRAME.set([0xff, 0xd8]);

function bytesTo(out: Outgoing[], port: number): number {
  let n = 0;
  for (const o of out) for (const to of o.to) if (to.port === port) n += o.bytes.length;
  return n;
}

/** Ana and Bea (v2, registered) and the v1 member Viejo at 10.0.0.7, not yet sending. */
function setup() {
  const room = new FakeRoom();
  const relay = new Relay(room, { acceptV1: true, silenceMs: 60_000 });
  for (const [name, id, at] of [["Ana", 1_000_001, ANA], ["Bea", 1_000_002, BEA]] as const) {
    const token = room.joinV2(name, id);
    const register = encodeMediaPacket({
      kind: MediaKind.Register,
      clientId: id,
      seq: 0,
      ts: 0,
      payload: tokenToBytes(token),
    });
    assert.equal(relay.receive(register, at, 0).length, 1);
  }
  room.joinV1("Viejo", "10.0.0.7");
  /** 30 s of 15 fps, 10 KB frames from Ana and Bea: bytes that reached `port`. */
  const call30s = (port: number, start = 1): number => {
    let total = 0;
    for (let i = 0; i < 450; i++) {
      const now = start + Math.floor(i * 1000 / 15);
      for (const [id, at] of [[1_000_001, ANA], [1_000_002, BEA]] as const) {
        const frame = encodeMediaPacket({
          kind: MediaKind.Video,
          clientId: id,
          seq: i,
          ts: now,
          payload: FRAME,
        });
        total += bytesTo(relay.receive(frame, at, now), port);
      }
    }
    return total;
  };
  return { room, relay, call30s };
}

Deno.test("4 spoofed 10-byte v1 datagrams draw at most 20x their bytes to the victim port", () => {
  const { relay, call30s } = setup();
  let sent = 0;
  for (let i = 0; i < 4; i++) {
    sent += encodeV1Packet(4242, TINY_JPEG).length;
    relay.receive(encodeV1Packet(4242, TINY_JPEG), VICTIM, i);
  }
  assert.equal(sent, 40);
  const drawn = call30s(VICTIM.port);
  // Before the budget this was 2 senders x 450 frames x 10 KB = 9 MB.
  assert.ok(drawn <= sent * V1_AMPLIFICATION, `${drawn} bytes sent to the victim`);
  assert.ok(relay.stats().dropped.v1_budget > 0);
  relay.close();
});

Deno.test("A real v1 sender's budget carries a normal call", () => {
  const { relay } = setup();
  // Viejo sends 15 fps of 5 KB frames as a camera would; Ana and Bea send 10 KB frames.
  const small = new Uint8Array(5_000).fill(1);
  small.set([0xff, 0xd8]);
  let frames = 0;
  for (let i = 0; i < 450; i++) {
    const now = 1 + Math.floor(i * 1000 / 15);
    relay.receive(encodeV1Packet(4242, small), VIEJO, now);
    for (const [id, at] of [[1_000_001, ANA], [1_000_002, BEA]] as const) {
      const frame = encodeMediaPacket({
        kind: MediaKind.Video,
        clientId: id,
        seq: i,
        ts: now,
        payload: FRAME,
      });
      if (bytesTo(relay.receive(frame, at, now), VIEJO.port) > 0) frames++;
    }
  }
  assert.equal(frames, 2 * 450, "every frame reached the v1 member");
  assert.equal(relay.stats().dropped.v1_budget, 0);
  relay.close();
});

Deno.test("A process on a v1 member's IP, on another port, never receives the call", () => {
  const { relay, call30s } = setup();
  // The real client sends first and is bound.
  assert.ok(relay.receive(encodeV1Packet(4242, FRAME), VIEJO, 0).length > 0);
  const EAVESDROPPER: RelayAddress = { hostname: "10.0.0.7", port: 50001 };
  // Its own made-up id, and the member's id: both refused, nothing ever sent to it.
  for (const id of [777, 4242]) {
    assert.deepEqual(relay.receive(encodeV1Packet(id, FRAME), EAVESDROPPER, 1), []);
  }
  assert.equal(call30s(EAVESDROPPER.port), 0);
  assert.equal(relay.stats().dropped.spoofed, 2);
  // The real client keeps its binding.
  assert.deepEqual(
    relay.stats().members.find((m) => m.name === "Viejo")?.address,
    "10.0.0.7:50000",
  );
  relay.close();
});
