/**
 * Call audio through a lossy network: a UDP proxy between Luis's client and
 * the relay drops 5% of the audio datagrams and delays each of the others by
 * 0..40 ms (seeded, so reordered too). Luis's call page keeps playing Ana's
 * tone: its jitter buffer stays within its 20..200 ms range, the frames it
 * plays cover the stream apart from the losses, and the underruns (the
 * newest packet arriving after its slot) stay under a small bound.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  browserTest,
  closeBrowser,
  launchChromium,
  newPage,
  waitInPage,
} from "./chromium_launch.ts";
import { LossyUdpProxy } from "./lossy_udp_proxy.ts";
import { ClientGroup, startServer } from "./pipe_processes.ts";

const AUDIO = ["--audio-source", "test", "--video-source", "none"];

/** Audio frames (20 ms) the page must have played: 6 s of sound. */
const FRAMES = 300;
/** Underruns allowed over those 6 s with 40 ms of jitter (measured: 0-1; a loaded machine adds some). */
const MAX_UNDERRUNS = 5;

browserTest(
  "audio through 5% loss and 40 ms jitter: playout stays continuous, underruns bounded",
  async () => {
    Deno.env.set("PC3_NO_BROWSER", "1");
    const storage = await Deno.makeTempDir({ prefix: "pc3-audio-loss-" });
    const server = await startServer(storage);
    const proxy = new LossyUdpProxy({
      relayPort: server.media,
      seed: 2026,
      loss: 0.05,
      jitterMs: 40,
    });
    const clients = new ClientGroup();
    const browser = await launchChromium();
    try {
      const ana = clients.start("Ana", server, join(storage, "Ana"), [
        ...AUDIO,
        "--video-view",
        "none",
      ]);
      await ana.out.wait(/como Ana/);
      const luis = clients.start("Luis", server, join(storage, "Luis"), [
        ...AUDIO,
        ...["--audio-source", "none", "--video-view", "window", "--media-port", String(proxy.port)],
      ]);
      await ana.out.wait(/Luis se unió al chat/);
      await luis.send("/call start");
      const { match } = await luis.out.wait(/(http:\/\/127\.0\.0\.1:\d+\/open\/\w+)/);
      const page = await newPage(browser);
      await page.goto(match[1]);
      await waitInPage(
        page,
        () => (globalThis as any).pc3Audio?.self().context !== "none",
        "audio",
      );
      await page.mouse.click(10, 100); // the gesture browsers need before sound
      await ana.send("/call start");
      await ana.out.wait(/Audio de prueba/);

      await waitInPage(
        page,
        () => ((globalThis as any).pc3Audio.stats()[0]?.played ?? 0) >= 300,
        `${FRAMES} frames played`,
      );
      const s = await page.evaluate(() => (globalThis as any).pc3Audio.stats()[0]);
      const detail = JSON.stringify({ ...s, seen: proxy.seen, dropped: proxy.dropped });
      assert.ok(proxy.dropped > 0, `the proxy dropped packets: ${detail}`);
      assert.ok(s.underruns <= MAX_UNDERRUNS, `underruns within the bound: ${detail}`);
      assert.ok(s.delay >= 20 && s.delay <= 200, `delay within 20..200 ms: ${detail}`);
      // Continuous: what was neither lost nor played late was played (in slots, in order).
      const frames = s.played + s.late + s.skipped;
      assert.ok(s.played >= 0.9 * frames, `played ${s.played} of ${frames}: ${detail}`);
      assert.ok(s.depth > 0, `sound still buffered: ${detail}`);
      // Single losses are concealed (the last frame fading out), not left as holes.
      assert.ok(s.concealed > 0, `losses concealed: ${detail}`);

      assert.equal(await ana.end(), 0);
      assert.equal(await luis.end(), 0);
    } finally {
      await closeBrowser(browser);
      await clients.kill();
      await proxy.close();
      await server.stop();
      await Deno.remove(storage, { recursive: true });
    }
  },
);
