/**
 * Call audio inside CallMedia: audio datagrams from the relay reach the
 * sound only for members of the call; a stranger's are refused and counted,
 * our own are ignored; `/call stats` lists the audio per member; `/mute`
 * goes through to the server hook.
 */
import assert from "node:assert/strict";
import { CallMedia } from "../lib/media/call_media.ts";
import {
  decodeMediaPacket,
  encodeMediaPacket,
  MediaKind,
  tokenToBytes,
} from "../lib/protocol/media_packet.ts";
import { waitFor, withDeadline } from "./wait.ts";

const TOKEN = "00112233445566778899aabbccddeeff";

/** A relay that acknowledges our register and lets the test send us datagrams. */
class TinyRelay {
  socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  client: Deno.NetAddr | null = null;
  audioFrom = new Set<number>();
  #loop: Promise<void>;
  constructor() {
    this.#loop = (async () => {
      while (true) {
        let data: Uint8Array, addr: Deno.Addr;
        try {
          [data, addr] = await this.socket.receive();
        } catch {
          return;
        }
        const d = decodeMediaPacket(data);
        if (!d.ok) continue;
        if (d.packet.kind === MediaKind.Register) {
          assert.deepEqual(d.packet.payload, tokenToBytes(TOKEN));
          this.client = addr as Deno.NetAddr;
          const ack = { kind: MediaKind.Registered, clientId: d.packet.clientId, seq: 0, ts: 0 };
          await this.socket.send(encodeMediaPacket(ack), addr);
        } else if (d.packet.kind === MediaKind.Audio) this.audioFrom.add(d.packet.clientId);
      }
    })();
  }
  get port(): number {
    return (this.socket.addr as Deno.NetAddr).port;
  }
  audio(clientId: number, seq: number): Promise<number> {
    const p = {
      kind: MediaKind.Audio,
      clientId,
      seq,
      ts: seq * 20,
      payload: Uint8Array.of(0xf8, 1),
    };
    return this.socket.send(encodeMediaPacket(p), this.client!);
  }
  async close(): Promise<void> {
    this.socket.close();
    await withDeadline(this.#loop, 5000, "the relay's loop to end");
  }
}

Deno.test("CallMedia audio: members' packets count in /call stats, strangers' are refused, ours ignored", async () => {
  Deno.env.set("PC3_NO_BROWSER", "1"); // the window view's page is served, no browser opened
  const relay = new TinyRelay();
  const lines: string[] = [];
  const mutes: boolean[] = [];
  const media = await CallMedia.start({
    host: "127.0.0.1",
    mediaPort: relay.port,
    token: TOKEN,
    clientId: 1,
    source: "none",
    audioSource: "none",
    view: "window",
    width: 160,
    height: 120,
    fps: 10,
    lang: "en",
    log: (l) => lines.push(l),
    onLeave() {},
    onMuteChange: (m) => mutes.push(m),
  });
  try {
    media.setMembers([
      { name: "Ana", clientId: 1 },
      { name: "Eva", clientId: 7, muted: false },
      { name: "Luis", clientId: 8, muted: true },
    ]);
    await waitFor(() => media.registered, { message: "the register to be acknowledged" });
    for (let seq = 0; seq < 3; seq++) await relay.audio(7, seq);
    await relay.audio(99, 0); // not in the call
    await relay.audio(1, 0); // ourselves, reflected
    await waitFor(() => media.statsLines().some((l) => /Eva: audio 3 packets, 0 lost/.test(l)), {
      message: "Eva's three packets in /call stats",
      detail: () => media.statsLines().join("\n"),
    });
    await waitFor(() => media.counters.badDatagrams === 1, {
      message: "the stranger's packet refused",
    });
    const stats = media.statsLines();
    assert.ok(stats.some((l) => /Luis: no audio/.test(l)), stats.join("\n"));
    assert.ok(
      stats.some((l) => /^Audio: muted, 0 packets sent, source none$/.test(l)),
      stats.join("\n"),
    );
    assert.ok(!stats.some((l) => /Ana: audio/.test(l)), "no line about ourselves");
    assert.ok(
      lines.some((l) => /Not sending audio \(--audio-source none\)/.test(l)),
      lines.join("\n"),
    );
    // /unmute goes to the server hook even without a capture (the flag is ours to say).
    assert.equal(media.setMuted(false), true);
    assert.deepEqual(mutes, [false]);
  } finally {
    await media.close();
    await relay.close();
  }
  assert.deepEqual([...relay.audioFrom], [], "nothing sent without a capture");
});
