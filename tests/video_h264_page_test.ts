/**
 * The call page's H.264 decoding (lib/media/h264_page.ts) in headless
 * Chromium, driven directly through VideoWindow: it shows frames from a
 * keyframe on, asks for a keyframe when it starts mid-stream, after a `seq`
 * gap and after a frame that does not decode, and recovers at the next keyframe.
 */
import assert from "node:assert/strict";
import { findFfmpeg } from "../lib/media/ffmpeg_path.ts";
import { H264Encoder } from "../lib/media/h264_encoder.ts";
import type { AccessUnit } from "../lib/media/h264_flv.ts";
import { MjpegSplitter } from "../lib/media/mjpeg.ts";
import { VideoWindow } from "../lib/media/video_window.ts";
import { encodeH264Payload, MAX_PAYLOAD } from "../lib/protocol/media_packet.ts";
import {
  browserTest,
  closeBrowser,
  launchChromium,
  newPage,
  waitInPage,
} from "./chromium_launch.ts";
import { waitFor } from "./wait.ts";

/** 40 frames of ffmpeg's test pattern as H.264 access units (keyframes at 0 and 30). */
async function units(): Promise<AccessUnit[]> {
  const ffmpeg = (await findFfmpeg()).path;
  const made = await new Deno.Command(ffmpeg, {
    args: [
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=160x120:rate=15",
      "-frames:v",
      "43",
      "-q:v",
      "5",
      "-f",
      "mjpeg",
      "pipe:1",
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const jpegs = new MjpegSplitter({ maxFrame: MAX_PAYLOAD }).push(made.stdout);
  const out: AccessUnit[] = [];
  const encoder = H264Encoder.start({
    ffmpeg,
    width: 160,
    height: 120,
    fps: 15,
    maxFrame: MAX_PAYLOAD - 1,
    onUnit: (u) => out.push(u),
  });
  try {
    for (const jpeg of jpegs) {
      const before = encoder.stats.input;
      await waitFor(() => {
        if (encoder.stats.input === before) encoder.push(jpeg);
        return encoder.stats.input > before;
      }, { message: "the encoder to take a frame" });
    }
    await waitFor(() => out.length >= 40, { message: "40 access units" });
  } finally {
    await encoder.stop();
  }
  return out;
}

browserTest(
  "The call page decodes H.264, asks for keyframes mid-stream, after a gap and a broken frame, and recovers",
  async () => {
    const aus = await units();
    assert.ok(aus[0].keyframe && !aus[1].keyframe);
    const asked: number[] = [];
    const win = await VideoWindow.start({
      lang: "en",
      open: false,
      onLeave() {},
      onKeyframe: (id) => asked.push(id),
    });
    const browser = await launchChromium();
    try {
      const page = await newPage(browser);
      await page.goto(win.url);
      win.setTiles([{ id: 7, name: "Bea", video: true }]);
      await waitFor(() => win.pages === 1, { message: "the page's socket" });
      await waitInPage(page, () => (globalThis as any).pc3Page.tile(7) !== undefined, "Bea's tile");
      const shown = () => page.evaluate(() => (globalThis as any).pc3Page.h264.shown as number);
      const send = (seq: number, i: number) =>
        win.h264(7, seq, encodeH264Payload(aus[i].bytes, aus[i].keyframe));
      // Mid-stream (no keyframe yet): nothing decodes, the page asks.
      send(100, 1);
      await waitFor(() => asked.length === 1, { message: "a keyframe request" });
      assert.deepEqual(asked, [7]);
      // From a keyframe on, frames show.
      for (let i = 0; i < 10; i++) send(101 + i, i);
      await waitInPage(page, () => (globalThis as any).pc3Page.h264.shown >= 10, "ten frames");
      // A gap (seq 111 lost): the page waits for a keyframe and asks (at most once a
      // second per sender), while the stream goes on (one more delta frame per poll).
      const before = await shown();
      let seq = 112;
      let i = 11;
      const streamUntilAsked = (count: number, what: string) =>
        waitFor(() => {
          if (asked.length >= count) return true;
          send(seq++, (i++ % 29) + 1); // deltas only (1..29)
          return false;
        }, { message: what, intervalMs: 66 });
      await streamUntilAsked(2, "a request after the gap");
      assert.equal(await shown(), before, "no frame decoded across the gap");
      // The next keyframe brings the picture back.
      send(seq++, 0);
      send(seq++, 1);
      await waitInPage(
        page,
        () => (globalThis as any).pc3Page.h264.shown >= 12,
        "frames after the keyframe",
      );
      // A keyframe that does not decode: the page asks again.
      const broken = Uint8Array.of(0, 0, 0, 1, 0x65, 0xff, 0xff, 0xff);
      win.h264(7, seq++, encodeH264Payload(broken, true));
      await streamUntilAsked(3, "a request after a broken frame");
      const name = await page.$eval(".tile .name", (e) => e.textContent);
      assert.equal(name, "Bea");
    } finally {
      await closeBrowser(browser);
      await win.close();
    }
  },
);
