import assert from "node:assert/strict";
import { CallMedia, type CallMediaOptions } from "../lib/media/call_media.ts";
import { fpsOf, STALE_MS, trackSeq } from "../lib/media/call_stats.ts";
import { bindAddressFor } from "../lib/media/media_link.ts";
import {
  browserTest,
  closeBrowser,
  launchChromium,
  newPage,
  waitInPage,
} from "./chromium_launch.ts";
import { FakeClock } from "./fake_clock.ts";
import { portOf, receive, udp } from "./udp_helpers.ts";
import { waitFor, withDeadline } from "./wait.ts";
import { FfmpegNotFoundError, findFfmpeg, overrideFfmpegLookup } from "../lib/media/ffmpeg_path.ts";
import {
  decodeMediaPacket,
  encodeMediaPacket,
  MediaKind,
  tokenToBytes,
} from "../lib/protocol/media_packet.ts";

/** A minimal relay: acks registers whose token it knows, forwards video to the others. */
class FakeRelay {
  socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  peers = new Map<number, Deno.NetAddr>();
  tokens = new Map<string, number>();
  forwarded = 0;
  badJpegs = 0;
  byes = 0;
  keepalives = 0;
  #loop: Promise<void>;
  constructor() {
    this.#loop = this.#run();
  }
  get port(): number {
    return (this.socket.addr as Deno.NetAddr).port;
  }
  async #run(): Promise<void> {
    while (true) {
      let data: Uint8Array, addr: Deno.Addr;
      try {
        [data, addr] = await this.socket.receive();
      } catch {
        return;
      }
      const d = decodeMediaPacket(data);
      if (!d.ok) continue;
      const p = d.packet;
      if (p.kind === MediaKind.Register) {
        const id = this.tokens.get([...p.payload].join(","));
        if (id === undefined) continue;
        this.peers.set(id, addr as Deno.NetAddr);
        await this.socket.send(
          encodeMediaPacket({ kind: MediaKind.Registered, clientId: id, seq: 0, ts: 0 }),
          addr,
        );
      } else if (p.kind === MediaKind.Video) {
        const j = p.payload;
        if (j[0] !== 0xff || j[1] !== 0xd8 || j.at(-2) !== 0xff || j.at(-1) !== 0xd9) {
          this.badJpegs++;
        }
        for (const [id, to] of this.peers) {
          if (id === p.clientId) continue;
          this.forwarded++;
          await this.socket.send(data, to);
        }
      } else if (p.kind === MediaKind.Bye) this.byes++;
      else if (p.kind === MediaKind.Keepalive) this.keepalives++;
    }
  }
  async close(): Promise<void> {
    this.socket.close();
    await withDeadline(this.#loop, 5000, "the fake relay's loop to end");
  }
}

const TOKEN_A = "00112233445566778899aabbccddeeff";
const TOKEN_B = "ffeeddccbbaa99887766554433221100";

function options(relay: FakeRelay, over: Partial<CallMediaOptions>): CallMediaOptions {
  return {
    host: "127.0.0.1",
    mediaPort: relay.port,
    token: TOKEN_A,
    clientId: 1,
    source: "test",
    view: "none",
    width: 160,
    height: 120,
    fps: 20,
    lang: "es",
    log() {},
    onLeave() {},
    ...over,
  };
}

Deno.test("trackSeq() counts gaps as lost and old numbers as late", () => {
  const p = { lost: 0, late: 0, lastSeq: -1 };
  for (const s of [5, 6, 9, 8, 10, 10]) trackSeq(p, s);
  assert.deepEqual(p, { lost: 1, late: 2, lastSeq: 10 });
  trackSeq(p, 500_000); // huge jump: a restarted sender, not 499,990 losses
  assert.equal(p.lost, 1);
  const w = { lost: 0, late: 0, lastSeq: 0xffff_ffff };
  trackSeq(w, 1); // wraps around 2^32
  assert.deepEqual(w, { lost: 1, late: 0, lastSeq: 1 });
  assert.equal(fpsOf([1000, 2000, 3500, 3900], 4000), 1); // 3 frames in the last 3 s
  assert.equal(fpsOf([100], 4000), 0);
});

Deno.test("bindAddressFor() keeps a loopback relay on loopback and binds all interfaces otherwise", () => {
  assert.equal(bindAddressFor("127.0.0.1"), "127.0.0.1");
  assert.equal(bindAddressFor("localhost"), "127.0.0.1");
  assert.equal(bindAddressFor("::1"), "::1");
  assert.equal(bindAddressFor("192.168.1.20"), "0.0.0.0");
  assert.equal(bindAddressFor("fe80::1"), "::");
});

Deno.test("CallMedia: two clients exchange test-source video through a relay, stats and close are clean", async () => {
  const relay = new FakeRelay();
  relay.tokens.set([...tokenToBytes(TOKEN_A)].join(","), 1);
  relay.tokens.set([...tokenToBytes(TOKEN_B)].join(","), 2);
  const logsA: string[] = [];
  const paints: (readonly string[] | null)[] = [];
  const members = [{ name: "Ana", clientId: 1 }, { name: "Luis", clientId: 2 }];
  const a = await CallMedia.start(options(relay, {
    log: (l) => logsA.push(l),
    view: "terminal",
    paint: (lines) => paints.push(lines),
    paneSize: () => ({ columns: 60, rows: 8 }),
  }));
  const b = await CallMedia.start(options(relay, { token: TOKEN_B, clientId: 2, lang: "en" }));
  try {
    a.setMembers(members);
    b.setMembers(members);
    await waitFor(() => a.registered && b.registered, { message: "both registered" });
    await waitFor(() => a.counters.received > 10 && b.counters.received > 10, {
      message: "frames both ways",
    });
    assert.equal(relay.badJpegs, 0);
    assert.ok(logsA.some((l) => l.startsWith("Conectado al relé de vídeo")), logsA.join("\n"));

    const stats = a.statsLines();
    assert.match(stats[0], /^Vídeo: enviando [\d.]+ fps \(\d+ enviados/);
    assert.match(stats[1], /registrado/);
    const luis = stats.find((l) => l.includes("Luis:"));
    assert.ok(luis, stats.join("\n"));
    const m = /Luis: ([\d.]+) fps, (\d+) recibidos/.exec(luis!);
    assert.ok(m && Number(m[1]) > 0 && Number(m[2]) > 10, luis);
    assert.ok(!stats.some((l) => l.includes("Ana:")), "own line not listed as a participant");
    assert.match(b.statsLines().find((l) => l.includes("Ana:"))!, /fps, \d+ received/);

    // The terminal pane shows Luis's picture with his name.
    await waitFor(
      () => paints.some((p) => p !== null && p[0].includes("Luis") && p.join("").includes("▀")),
      { message: "a painted frame with Luis" },
    );

    // Garbage from the relay's address is counted, not fatal.
    const bad = a.counters.badDatagrams;
    await relay.socket.send(Uint8Array.of(1, 2, 3), relay.peers.get(1)!);
    await waitFor(() => a.counters.badDatagrams === bad + 1, { message: "garbage counted" });
    // Video of someone who is not a member is refused too.
    const before = a.counters.badDatagrams;
    await relay.socket.send(
      encodeMediaPacket({
        kind: MediaKind.Video,
        clientId: 99,
        seq: 1,
        ts: 0,
        payload: Uint8Array.of(0xff, 0xd8, 0xff, 0xd9),
      }),
      relay.peers.get(1)!,
    );
    await waitFor(() => a.counters.badDatagrams === before + 1, {
      message: "stranger's video refused",
    });

    // Luis leaves: his tile goes at once from the pane.
    a.setMembers([{ name: "Ana", clientId: 1 }]);
    const mark = paints.length;
    await waitFor(
      () => paints.slice(mark).some((p) => p !== null && !p[0].includes("Luis")),
      { message: "a paint without Luis" },
    );
    assert.match(a.statsLines().join("\n"), /Nadie más en la llamada/);
    await a.close();
    await waitFor(() => relay.byes >= 1, { message: "Ana's bye at the relay" });
  } finally {
    await a.close();
    await a.close();
    await b.close();
    await relay.close();
  }
  assert.equal(paints.at(-1), null, "the pane is cleared on close");
  assert.ok(relay.byes >= 1);
});

/** One small JPEG made by ffmpeg's test source. */
async function testJpeg(): Promise<Uint8Array> {
  const ffmpeg = new Deno.Command((await findFfmpeg()).path, {
    args: [
      ...["-v", "error", "-f", "lavfi", "-i", "testsrc=size=32x24:rate=1"],
      ...["-frames:v", "1", "-f", "mjpeg", "pipe:1"],
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  return (await withDeadline(ffmpeg, 20_000, "ffmpeg to make one JPEG")).stdout;
}

Deno.test("CallMedia: a silent participant shows no video after the stale delay (fake clock)", async () => {
  const relay = new FakeRelay();
  relay.tokens.set([...tokenToBytes(TOKEN_A)].join(","), 1);
  const paints: (readonly string[] | null)[] = [];
  const clock = new FakeClock();
  const a = await CallMedia.start(options(relay, {
    source: "none",
    view: "terminal",
    paint: (lines) => paints.push(lines),
    paneSize: () => ({ columns: 40, rows: 6 }),
    clock,
  }));
  const last = () => (paints.at(-1) ?? []).join("");
  try {
    a.setMembers([{ name: "Ana", clientId: 1 }, { name: "Eva", clientId: 7 }]);
    await waitFor(() => a.registered, { message: "registered" });
    // One frame from Eva, then silence.
    const video = { kind: MediaKind.Video, clientId: 7, seq: 1, ts: 0, payload: await testJpeg() };
    await relay.socket.send(encodeMediaPacket(video), relay.peers.get(1)!);
    await waitFor(() => a.counters.received === 1, { message: "Eva's frame to arrive" });
    clock.advance(250); // the pane repaints
    assert.ok(
      paints.some((p) => p !== null && p[0].includes("Eva") && p.join("").includes("▀")),
      "Eva's picture",
    );
    clock.advance(STALE_MS - 500); // still within the stale delay: the picture stays
    assert.ok(last().includes("▀") && !last().includes("sin vídeo"), "picture before the delay");
    clock.advance(500);
    assert.ok(last().includes("sin vídeo") && !last().includes("▀"), "Eva without video");
  } finally {
    await a.close();
    await relay.close();
  }
});

Deno.test("CallMedia: without ffmpeg the user joins watching only, with a clear message", async () => {
  const relay = new FakeRelay();
  relay.tokens.set([...tokenToBytes(TOKEN_A)].join(","), 1);
  const logs: string[] = [];
  overrideFfmpegLookup(() => Promise.reject(new FfmpegNotFoundError(["path: ffmpeg"])));
  try {
    const a = await CallMedia.start(options(relay, { log: (l) => logs.push(l) }));
    try {
      await waitFor(() => a.registered, { message: "registered" });
      assert.ok(logs.some((l) => l.startsWith("No se encontró ffmpeg")), logs.join("\n"));
      assert.ok(logs.some((l) => l.includes("solo para ver")));
      assert.match(a.statsLines()[0], /fuente ninguna/);
    } finally {
      await a.close();
    }
  } finally {
    overrideFfmpegLookup(undefined);
    await relay.close();
  }
});

Deno.test("CallMedia: a missing camera is reported and the call goes on", async () => {
  if (Deno.build.os !== "linux") return;
  const relay = new FakeRelay();
  relay.tokens.set([...tokenToBytes(TOKEN_A)].join(","), 1);
  const logs: string[] = [];
  const a = await CallMedia.start(options(relay, {
    source: "camera",
    camera: "/dev/video-pc3-missing",
    lang: "en",
    log: (l) => logs.push(l),
  }));
  try {
    await waitFor(() => logs.some((l) => l.startsWith("Camera not found")), {
      message: "camera error",
    });
    await waitFor(() => a.registered, { message: "registered" });
    assert.match(a.statsLines()[0], /source none/);
  } finally {
    await a.close();
    await relay.close();
  }
});

Deno.test("CallMedia: an unanswered relay gets a register every second, a warning after 5 s, and close() still works", async () => {
  const dead = udp();
  const port = portOf(dead);
  const logs: string[] = [];
  const clock = new FakeClock();
  const a = await CallMedia.start({
    ...options({ port } as FakeRelay, { source: "none", log: (l) => logs.push(l), clock }),
  });
  const register = async () => {
    const decoded = decodeMediaPacket(await receive(dead));
    assert.ok(decoded.ok && decoded.packet.kind === MediaKind.Register, "a register datagram");
    assert.deepEqual(decoded.packet.payload, tokenToBytes(TOKEN_A));
  };
  try {
    assert.equal(a.registered, false);
    assert.match(a.statsLines()[1], /esperando respuesta/);
    await register();
    clock.advance(1000);
    await register();
    assert.ok(!logs.some((l) => l.includes("no responde")), logs.join("\n"));
    clock.advance(4000);
    assert.ok(logs.some((l) => l.startsWith("El relé de vídeo 127.0.0.1:")), logs.join("\n"));
  } finally {
    await a.close();
    dead.close();
  }
});

Deno.test("CallMedia: a keepalive goes out after 2 s without sending (fake clock)", async () => {
  const relay = new FakeRelay();
  relay.tokens.set([...tokenToBytes(TOKEN_A)].join(","), 1);
  const clock = new FakeClock();
  const a = await CallMedia.start(options(relay, { source: "none", clock }));
  try {
    await waitFor(() => a.registered, { message: "registered" });
    clock.advance(2000);
    await waitFor(() => relay.keepalives === 1, { message: "one keepalive at the relay" });
    await a.close();
    await waitFor(() => relay.byes === 1, { message: "a bye at the relay" });
  } finally {
    await a.close();
    await relay.close();
  }
});

browserTest(
  "CallMedia: the window view shows the other participant in a real browser and q leaves",
  async () => {
    const relay = new FakeRelay();
    relay.tokens.set([...tokenToBytes(TOKEN_A)].join(","), 1);
    relay.tokens.set([...tokenToBytes(TOKEN_B)].join(","), 2);
    const members = [{ name: "Ana", clientId: 1 }, { name: "Luis", clientId: 2 }];
    const logs: string[] = [];
    let left = 0;
    const previous = Deno.env.get("PC3_NO_BROWSER");
    Deno.env.set("PC3_NO_BROWSER", "1");
    let a: CallMedia | undefined;
    let b: CallMedia | undefined;
    const browser = await launchChromium();
    try {
      a = await CallMedia.start(options(relay, {
        view: "window",
        log: (l) => logs.push(l),
        onLeave: () => left++,
      }));
      b = await CallMedia.start(options(relay, { token: TOKEN_B, clientId: 2 }));
      a.setMembers(members);
      b.setMembers(members);
      const url = /Vídeo de la llamada: (http:\/\/127\.0\.0\.1:\d+\/open\/\w+)/.exec(
        logs.join("\n"),
      )
        ?.[1];
      assert.ok(url, logs.join("\n"));
      const page = await newPage(browser);
      await page.goto(url);
      await waitInPage(
        page,
        () =>
          [...(globalThis as any).document.querySelectorAll(".tile")].some((t: any) =>
            t.textContent.includes("Luis") && t.querySelector("img").naturalWidth === 160
          ),
        "Luis's picture",
      );
      const names = await page.$$eval(".tile .name", (els) => els.map((e) => e.textContent));
      assert.deepEqual(names, ["Luis", "Ana (tú)"]);
      a.setMembers([{ name: "Ana", clientId: 1 }]);
      await waitInPage(
        page,
        () => !(globalThis as any).document.body.textContent.includes("Luis"),
        "no tile of Luis",
      );
      await page.keyboard.press("q");
      await waitFor(() => left === 1, { message: "onLeave" });
    } finally {
      await closeBrowser(browser);
      await a?.close();
      await b?.close();
      await relay.close();
      if (previous === undefined) Deno.env.delete("PC3_NO_BROWSER");
      else Deno.env.set("PC3_NO_BROWSER", previous);
    }
  },
);
