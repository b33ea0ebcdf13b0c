/**
 * Issue 7 item 5: the client accepts call media only from the relay's exact
 * address (IP and port), whatever else arrives on its socket.
 */
import assert from "node:assert/strict";
import { MediaLink, plainAddress, resolveRelayAddress } from "../lib/media/media_link.ts";
import { decodeMediaPacket, encodeMediaPacket, MediaKind } from "../lib/protocol/media_packet.ts";
import { systemClock } from "../lib/protocol/clock.ts";
import { portOf, receive, udp } from "./udp_helpers.ts";
import { waitFor, withDeadline } from "./wait.ts";

const TOKEN = "00112233445566778899aabbccddeeff";
const JPEG = Uint8Array.of(0xff, 0xd8, 1, 2, 0xff, 0xd9);

function video(clientId: number): Uint8Array {
  return encodeMediaPacket({ kind: MediaKind.Video, clientId, seq: 0, ts: 0, payload: JPEG });
}

Deno.test("resolveRelayAddress() gives the IP datagrams are checked against", async () => {
  assert.equal(await resolveRelayAddress("127.0.0.1"), "127.0.0.1");
  assert.equal(await resolveRelayAddress("localhost"), "127.0.0.1");
  assert.equal(await resolveRelayAddress("[::1]"), "::1");
  assert.equal(plainAddress("::FFFF:10.0.0.1"), "10.0.0.1");
  assert.equal(plainAddress("[FE80::1]"), "fe80::1");
});

Deno.test("MediaLink takes video only from the relay's IP and port, not from another port or IP", async () => {
  const relay = udp();
  const relayPort = portOf(relay);
  const seen: number[] = [];
  const link = await MediaLink.open({
    host: "localhost",
    mediaPort: relayPort,
    token: TOKEN,
    clientId: 1_000_001,
    clock: systemClock,
    onRegistered() {},
    onWaiting() {},
    onVideo: (id) => seen.push(id),
  });
  const strangers: Deno.DatagramConn[] = [];
  try {
    const [register, from] = await withDeadline(relay.receive(), 5000, "the register");
    const decoded = decodeMediaPacket(register);
    assert.ok(decoded.ok && decoded.packet.kind === MediaKind.Register);
    const linkAddr = from as Deno.NetAddr;
    await relay.send(
      encodeMediaPacket({ kind: MediaKind.Registered, clientId: 1_000_001, seq: 0, ts: 0 }),
      linkAddr,
    );
    await waitFor(() => link.registered, { message: "the registered ack" });
    // Another port on the relay's IP.
    strangers.push(udp());
    // The relay's port on another loopback IP (Linux and Windows route all of 127/8).
    try {
      strangers.push(
        Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.2", port: relayPort }),
      );
    } catch {
      // A platform without 127.0.0.2: the other-port case still runs.
    }
    for (const s of strangers) await s.send(video(666), linkAddr);
    await waitFor(() => link.badDatagrams === strangers.length, {
      message: "the injected datagrams",
    });
    await relay.send(video(1_000_002), linkAddr);
    await waitFor(() => seen.length > 0, { message: "the relay's frame" });
    assert.deepEqual(seen, [1_000_002]);
    assert.equal(link.badDatagrams, strangers.length);
    assert.ok(strangers.length >= 1);
  } finally {
    await link.close();
    for (const s of strangers) s.close();
    // The bye (if any) is drained so the socket closes cleanly.
    await receive(relay).catch(() => {});
    relay.close();
  }
});
