/**
 * Call audio end to end: server.ts (chat + relay) and two client.ts processes
 * in pipe mode with `--audio-source test` (each sends a tone of its own
 * frequency) and the window view; each client's call page, in headless
 * Chromium, plays the other side's tone: the page's AnalyserNode finds the
 * other client's frequency. `/call stats` counts the audio packets.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { testFrequency } from "../lib/media/audio_capture.ts";
import {
  browserTest,
  closeBrowser,
  launchChromium,
  newPage,
  waitInPage,
} from "./chromium_launch.ts";
import { type Client, ClientGroup, startServer } from "./pipe_processes.ts";
import { decodeV1Packet, encodeV1Packet } from "../lib/protocol/media_packet.ts";
import { RawClient } from "./chat_test_client.ts";
import { receive, to, udp } from "./udp_helpers.ts";
import { waitFor } from "./wait.ts";

const AUDIO = [
  ...["--audio-source", "test", "--video-source", "none", "--video-view", "window"],
];

/** The page address the client prints when the window view starts. */
async function pageUrl(client: Client): Promise<string> {
  const { match } = await client.out.wait(/(http:\/\/127\.0\.0\.1:\d+\/open\/\w+)/);
  return match[1];
}

interface SpeakerStats {
  id: number;
  played: number;
  underruns: number;
}

/** Waits until the page has played half a second of one speaker; returns its stats. */
async function heardSpeaker(page: Page): Promise<SpeakerStats> {
  await waitInPage(
    page,
    () => {
      const s = (globalThis as any).pc3Audio?.stats() ?? [];
      return s.length === 1 && s[0].played >= 25;
    },
    "half a second of the other side's sound",
  );
  return (await page.evaluate(() => (globalThis as any).pc3Audio.stats()[0])) as SpeakerStats;
}

/** Waits until the page's analyser for `id` peaks within 12 Hz of `hz`. */
async function hearsTone(page: Page, id: number, hz: number): Promise<void> {
  await page.waitForFunction(
    ([id, hz]) => Math.abs((globalThis as any).pc3Audio.peakFrequency(id) - hz) < 12,
    [id, hz],
    { timeout: 20_000 },
  ).catch(async (e) => {
    const got = await page.evaluate((id) => (globalThis as any).pc3Audio.peakFrequency(id), id);
    throw new Error(`Expected a ${hz} Hz tone from ${id}, the page hears ${got} Hz: ${e}`);
  });
}

browserTest(
  "audio call: each window page plays the other client's test tone (AnalyserNode)",
  async () => {
    Deno.env.set("PC3_NO_BROWSER", "1");
    const storage = await Deno.makeTempDir({ prefix: "pc3-audio-call-" });
    const server = await startServer(storage);
    const clients = new ClientGroup();
    const browser = await launchChromium();
    try {
      const ana = clients.start("Ana", server, join(storage, "Ana"), AUDIO);
      await ana.out.wait(/como Ana/);
      const luis = clients.start("Luis", server, join(storage, "Luis"), AUDIO);
      await ana.out.wait(/Luis se unió al chat/);
      await ana.send("/call start");
      await luis.send("/call start");
      const [anaUrl, luisUrl] = await Promise.all([pageUrl(ana), pageUrl(luis)]);
      await ana.out.wait(/Audio de prueba: tono de \d+ Hz/);
      await luis.out.wait(/Audio de prueba: tono de \d+ Hz/);

      const anaPage = await newPage(browser);
      const luisPage = await newPage(browser);
      await anaPage.goto(anaUrl);
      await luisPage.goto(luisUrl);
      // Browsers start sound only after a gesture: the page asks for a click.
      for (const page of [anaPage, luisPage]) {
        await waitInPage(
          page,
          () =>
            (globalThis as any).pc3Audio?.self().context === "suspended" ||
            (globalThis as any).pc3Audio?.self().context === "running",
          "the audio context",
        );
        await page.mouse.click(10, 100);
      }
      const atAna = await heardSpeaker(anaPage);
      const atLuis = await heardSpeaker(luisPage);
      assert.notEqual(atAna.id, atLuis.id);
      // Each page hears the other's tone, which is not its own.
      await hearsTone(anaPage, atAna.id, testFrequency(atAna.id));
      await hearsTone(luisPage, atLuis.id, testFrequency(atLuis.id));
      assert.notEqual(testFrequency(atAna.id), testFrequency(atLuis.id));

      // Ana's tile in Luis's page shows her speaking.
      await luisPage.waitForFunction(
        (id) =>
          (globalThis as any).document.querySelector(`.tile[data-id="${id}"]`)?.classList
            .contains("speaking"),
        atLuis.id,
      );

      const mark = ana.out.lines.length;
      await ana.send("/call stats");
      await ana.out.wait(/Luis: audio \d+ paquetes, \d+ perdidos, jitter [\d.]+ ms/, mark);
      await ana.out.wait(
        /Audio: micrófono activo, \d+ paquetes enviados, fuente tono de prueba/,
        mark,
      );

      // Ana mutes herself: she stops sending, and Luis's page stops playing her.
      await ana.send("/mute");
      await ana.out.wait(/Micrófono silenciado/);
      await waitInPage(
        luisPage,
        () =>
          (globalThis as any).pc3Audio.level((globalThis as any).pc3Audio.stats()[0].id) < 0.001,
        "silence once Ana muted",
      );

      // Everyone sees it: Ana's tile in Luis's page shows her microphone off.
      await luisPage.waitForFunction(
        (id) =>
          (globalThis as any).document.querySelector(`.tile[data-id="${id}"]`)?.classList
            .contains("micoff"),
        atLuis.id,
      );
      // `m` in Luis's page mutes Luis: the page asks, his client mutes and says so.
      const luisMark = luis.out.lines.length;
      await luisPage.keyboard.press("m");
      await luis.out.wait(/Micrófono silenciado/, luisMark);
      // Push-to-talk: holding the space bar opens Luis's microphone, releasing it closes it.
      // (The page knows it is muted once the client's answer arrived.)
      await waitInPage(luisPage, () => (globalThis as any).pc3Audio.self().muted, "Luis muted");
      const pttMark = luis.out.lines.length;
      await luisPage.keyboard.down("Space");
      await luis.out.wait(/Micrófono activo/, pttMark);
      await luisPage.keyboard.up("Space");
      await luis.out.wait(/Micrófono silenciado/, pttMark);

      assert.equal(await ana.end(), 0);
      assert.equal(await luis.end(), 0);
    } finally {
      await closeBrowser(browser);
      await clients.kill();
      await server.stop();
      await Deno.remove(storage, { recursive: true });
    }
  },
);

Deno.test("audio call: a v1 participant still gets the video, and never an audio datagram", async () => {
  const storage = await Deno.makeTempDir({ prefix: "pc3-audio-v1-" });
  const server = await startServer(storage, ["--v1-media", "on"]);
  const clients = new ClientGroup();
  const v1 = udp();
  let viejo: RawClient | null = null;
  let sending: ReturnType<typeof setInterval> | undefined;
  try {
    viejo = await RawClient.open(server.chat);
    await viejo.send({ name: "Viejo" });
    await viejo.send({ type: "call", action: "start" });
    const ana = clients.start("Ana", server, join(storage, "Ana"), [
      ...["--audio-source", "test", "--video-source", "test", "--video-view", "none"],
      ...["--video-size", "160x120", "--fps", "10"],
    ]);
    await ana.out.wait(/como Ana/);
    await ana.send("/call start");
    await ana.out.wait(/Audio de prueba/);
    // The original client sends its own video all along (its first frame binds its address,
    // and the relay sends a v1 address no more than a multiple of what it sends).
    const jpeg = new Uint8Array(8000).fill(0x55);
    jpeg.set([0xff, 0xd8], 0);
    jpeg.set([0xff, 0xd9], jpeg.length - 2);
    sending = setInterval(() => {
      v1.send(encodeV1Packet(424_242, jpeg), to(server.media)).catch(() => {});
    }, 50);
    let frames = 0;
    const others: string[] = [];
    await waitFor(async () => {
      const datagram = await receive(v1, 10_000);
      const decoded = decodeV1Packet(datagram);
      if (decoded.ok && decoded.packet.payload[0] === 0xff && decoded.packet.payload[1] === 0xd8) {
        frames++;
      } else {
        others.push(`${datagram.length} bytes: ${[...datagram.subarray(0, 4)]}`);
      }
      return frames >= 10;
    }, { message: "10 video frames at the v1 client", timeoutMs: 30_000 });
    clearInterval(sending);
    assert.deepEqual(others, [], "only JPEG video in v1 datagrams");
    // Ana's audio kept flowing meanwhile (she is unmuted with the test tone).
    const mark = ana.out.lines.length;
    await ana.send("/call stats");
    const { match } = await ana.out.wait(/Audio: micrófono activo, (\d+) paquetes enviados/, mark);
    assert.ok(Number(match[1]) > 10, match[0]);
    assert.equal(await ana.end(), 0);
  } finally {
    clearInterval(sending);
    viejo?.close();
    v1.close();
    await clients.kill();
    await server.stop();
    await Deno.remove(storage, { recursive: true });
  }
});
