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
import { closeBrowser, launchChromium, newPage, waitInPage } from "./chromium_launch.ts";
import { type Client, ClientGroup, startServer } from "./pipe_processes.ts";

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

Deno.test("audio call: each window page plays the other client's test tone (AnalyserNode)", async () => {
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
      () => (globalThis as any).pc3Audio.level((globalThis as any).pc3Audio.stats()[0].id) < 0.001,
      "silence once Ana muted",
    );

    assert.equal(await ana.end(), 0);
    assert.equal(await luis.end(), 0);
  } finally {
    await closeBrowser(browser);
    await clients.kill();
    await server.stop();
    await Deno.remove(storage, { recursive: true });
  }
});
