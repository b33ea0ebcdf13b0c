/**
 * lib/media/h264_send.ts: each frame goes out in the codecs the call's send
 * list needs and we offered; the encoder starts and stops with that need; a
 * failed encoder falls back to MJPEG and says so once.
 */
import assert from "node:assert/strict";
import type { H264EncoderOptions } from "../lib/media/h264_encoder.ts";
import { VideoSender } from "../lib/media/h264_send.ts";
import { decodeH264Payload } from "../lib/protocol/media_packet.ts";
import { waitFor } from "./wait.ts";

const JPEG = Uint8Array.of(0xff, 0xd8, 1, 0xff, 0xd9);

function setup(offer: ("h264" | "mjpeg")[]) {
  const jpegs: Uint8Array[] = [];
  const h264: Uint8Array[] = [];
  const failures: string[] = [];
  const encoders: Array<
    { options: H264EncoderOptions; pushed: number; keyframes: number; stopped: boolean }
  > = [];
  const sender = new VideoSender({
    offer,
    width: 320,
    height: 240,
    fps: 15,
    ffmpeg: () => Promise.resolve("ffmpeg"),
    sendJpeg: (j) => (jpegs.push(j), true),
    sendH264: (p) => (h264.push(p), true),
    onH264Failed: (d) => failures.push(d),
    startEncoder: (options) => {
      const e = { options, pushed: 0, keyframes: 0, stopped: false };
      encoders.push(e);
      return {
        push: () => {
          e.pushed++;
          options.onUnit({ bytes: Uint8Array.of(0, 0, 0, 1, 0x65), keyframe: e.pushed === 1 });
        },
        keyframe: () => void e.keyframes++,
        stop: () => (e.stopped = true, Promise.resolve()),
      };
    },
  });
  return { sender, jpegs, h264, failures, encoders };
}

Deno.test("VideoSender sends MJPEG only while the call needs only MJPEG", () => {
  const { sender, jpegs, encoders } = setup(["h264", "mjpeg"]);
  sender.setSend(["mjpeg"]);
  assert.equal(sender.frame(JPEG), true);
  assert.equal(jpegs.length, 1);
  assert.equal(encoders.length, 0);
});

Deno.test("VideoSender sends both codecs when both are needed, and stops the encoder when H.264 is not", async () => {
  const { sender, jpegs, h264, encoders } = setup(["h264", "mjpeg"]);
  sender.setSend(["h264", "mjpeg"]);
  sender.frame(JPEG); // starts the encoder (async: ffmpeg is looked up)
  await waitFor(() => encoders.length === 1, { message: "the encoder to start" });
  sender.frame(JPEG);
  sender.keyframe();
  assert.equal(jpegs.length, 2);
  assert.equal(encoders[0].pushed, 1);
  assert.equal(encoders[0].keyframes, 1);
  assert.deepEqual(decodeH264Payload(h264[0]).keyframe, true);
  assert.deepEqual(sender.stats, { jpeg: 2, h264: 1 });
  sender.setSend(["mjpeg"]);
  assert.equal(encoders[0].stopped, true);
  await sender.stop();
});

Deno.test("VideoSender of an MJPEG-only client sends MJPEG even when the call wants H.264", () => {
  const { sender, jpegs, encoders } = setup(["mjpeg"]);
  sender.setSend(["h264"]);
  sender.frame(JPEG);
  assert.equal(jpegs.length, 1);
  assert.equal(encoders.length, 0);
  assert.deepEqual(sender.codecs, ["mjpeg"]);
});

Deno.test("VideoSender falls back to MJPEG once when the encoder fails", async () => {
  const { sender, jpegs, failures, encoders } = setup(["h264", "mjpeg"]);
  sender.setSend(["h264"]);
  sender.frame(JPEG);
  await waitFor(() => encoders.length === 1, { message: "the encoder to start" });
  encoders[0].options.onError?.("Unknown encoder 'libx264'");
  encoders[0].options.onError?.("again");
  assert.deepEqual(failures, ["Unknown encoder 'libx264'"]);
  assert.deepEqual(sender.codecs, ["mjpeg"]);
  sender.frame(JPEG);
  assert.equal(jpegs.length, 1);
  await sender.stop();
});
