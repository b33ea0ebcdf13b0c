import assert from "node:assert/strict";
import {
  captureArgs,
  CaptureError,
  classifyCaptureFailure,
  lastErrorLine,
  pickV4l2Devices,
  VideoCapture,
} from "../lib/media/video_capture.ts";
import { findFfmpeg } from "../lib/media/ffmpeg_path.ts";
import { withDeadline } from "./wait.ts";
import { parseAvfoundationList, parseDshowList } from "../lib/media/devices.ts";

const DSHOW_OLD =
  `[dshow @ 000001d8f1a2b3c0] DirectShow video devices (some may be both video and audio devices)
[dshow @ 000001d8f1a2b3c0]  "Integrated Camera"
[dshow @ 000001d8f1a2b3c0]     Alternative name "@device_pnp_\\\\?\\usb#vid_04f2&pid_b604"
[dshow @ 000001d8f1a2b3c0]  "OBS Virtual Camera"
[dshow @ 000001d8f1a2b3c0]     Alternative name "@device_sw_{860BB310-5D01-11D0-BD3B-00A0C911CE86}"
[dshow @ 000001d8f1a2b3c0] DirectShow audio devices
[dshow @ 000001d8f1a2b3c0]  "Micrófono (Realtek(R) Audio)"
[dshow @ 000001d8f1a2b3c0]     Alternative name "@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}"
dummy: Immediate exit requested`;

const DSHOW_NEW = `[dshow @ 0000020e] "USB2.0 HD UVC WebCam" (video)
[dshow @ 0000020e]   Alternative name "@device_pnp_\\\\?\\usb#vid_13d3"
[dshow @ 0000020e] "Cámara frontal" (video)
[dshow @ 0000020e]   Alternative name "@device_pnp_x"
[dshow @ 0000020e] "Microphone Array (Realtek)" (audio)
[dshow @ 0000020e]   Alternative name "@device_cm_{33D9A762}"
[in#0 @ 0000020e] Error opening input: Immediate exit requested`;

const AVFOUNDATION = `[AVFoundation indev @ 0x7fb4c2d04e40] AVFoundation video devices:
[AVFoundation indev @ 0x7fb4c2d04e40] [0] FaceTime HD Camera
[AVFoundation indev @ 0x7fb4c2d04e40] [1] iPhone de Ana Camera
[AVFoundation indev @ 0x7fb4c2d04e40] [2] Capture screen 0
[AVFoundation indev @ 0x7fb4c2d04e40] AVFoundation audio devices:
[AVFoundation indev @ 0x7fb4c2d04e40] [0] MacBook Pro Microphone
: Input/output error`;

Deno.test("parseDshowList() lists video devices of the old ffmpeg layout", () => {
  assert.deepEqual(parseDshowList(DSHOW_OLD, "video"), ["Integrated Camera", "OBS Virtual Camera"]);
});

Deno.test("parseDshowList() lists video devices of the newer tagged layout", () => {
  assert.deepEqual(parseDshowList(DSHOW_NEW, "video"), ["USB2.0 HD UVC WebCam", "Cámara frontal"]);
});

Deno.test("parseAvfoundationList() lists cameras but not screens or microphones", () => {
  assert.deepEqual(parseAvfoundationList(AVFOUNDATION, "video"), [
    "FaceTime HD Camera",
    "iPhone de Ana Camera",
  ]);
});

Deno.test("pickV4l2Devices() keeps /dev/video* in numeric order", () => {
  assert.deepEqual(pickV4l2Devices(["tty0", "video10", "video2", "videofoo", "video0"]), [
    "/dev/video0",
    "/dev/video2",
    "/dev/video10",
  ]);
});

Deno.test("classifyCaptureFailure() tells a missing camera from a busy one", () => {
  assert.equal(
    classifyCaptureFailure(
      "[video4linux2,v4l2 @ 0x5] Cannot open video device /dev/video0: No such file or directory\n/dev/video0: No such file or directory",
    ),
    "no_camera",
  );
  assert.equal(
    classifyCaptureFailure(
      "[video4linux2,v4l2 @ 0x5] ioctl(VIDIOC_STREAMON): Device or resource busy",
    ),
    "camera_busy",
  );
  assert.equal(
    classifyCaptureFailure(
      "[dshow @ 0x1] Could not find video device with name [Foo] among source devices of type video.",
    ),
    "no_camera",
  );
  assert.equal(
    classifyCaptureFailure(
      "[dshow @ 0x1] Could not run graph (sometimes caused by a device already in use by other application)",
    ),
    "camera_busy",
  );
  assert.equal(classifyCaptureFailure("Unknown encoder 'foo'"), "failed");
  assert.equal(lastErrorLine("a\nsecond line\n\n"), "second line");
});

Deno.test("captureArgs() builds the input of each platform and the test source", () => {
  const base = { width: 320, height: 240, fps: 10, qscale: 5 };
  const linux = captureArgs({ ...base, source: "camera", os: "linux", camera: "2" });
  assert.deepEqual(linux.slice(linux.indexOf("-f"), linux.indexOf("-f") + 4), [
    "-f",
    "v4l2",
    "-i",
    "/dev/video2",
  ]);
  const win = captureArgs({
    ...base,
    source: "camera",
    os: "windows",
    camera: "Integrated Camera",
  });
  assert.ok(win.includes("video=Integrated Camera"));
  assert.ok(win.includes("dshow"));
  const mac = captureArgs({ ...base, source: "camera", os: "darwin" });
  assert.deepEqual(mac.slice(mac.indexOf("-i"), mac.indexOf("-i") + 2), ["-i", "0"]);
  const test = captureArgs({ ...base, source: "test", os: "windows" });
  assert.ok(test.includes("testsrc=size=320x240:rate=10"));
  assert.ok(test.includes("-re"));
  for (const args of [linux, win, mac, test]) {
    assert.equal(args[args.indexOf("-q:v") + 1], "5");
    assert.equal(args[args.indexOf("-c:v") + 1], "mjpeg");
    assert.equal(args.at(-1), "pipe:1");
    assert.ok(args.includes("scale=320:240,fps=10"));
  }
});

Deno.test("VideoCapture delivers whole JPEG frames from the test source and stops cleanly", async () => {
  const { path } = await findFfmpeg();
  const frames: Uint8Array[] = [];
  let resolve!: () => void;
  const enough = new Promise<void>((r) => resolve = r);
  const errors: CaptureError[] = [];
  const capture = VideoCapture.start({
    ffmpeg: path,
    source: "test",
    width: 160,
    height: 120,
    fps: 25,
    maxFrame: 60_000,
    onFrame(jpeg) {
      frames.push(jpeg);
      if (frames.length === 5) resolve();
    },
    onError: (e) => errors.push(e),
  });
  try {
    await withDeadline(enough, 20_000, "five frames from ffmpeg");
  } finally {
    await capture.stop();
  }
  await capture.stop();
  assert.deepEqual(errors, []);
  for (const f of frames) {
    assert.deepEqual([f[0], f[1]], [0xff, 0xd8]);
    assert.deepEqual([f.at(-2), f.at(-1)], [0xff, 0xd9]);
  }
});

Deno.test("VideoCapture lowers the quality instead of dying when frames are too large", async () => {
  const { path } = await findFfmpeg();
  const qs: number[] = [];
  let frames = 0;
  let resolve!: () => void;
  const done = new Promise<void>((r) => resolve = r);
  const capture = VideoCapture.start({
    ffmpeg: path,
    source: "test",
    width: 320,
    height: 240,
    fps: 25,
    qscale: 2,
    maxFrame: 9000,
    onFrame() {
      frames++;
      if (frames === 3) resolve();
    },
    onOversized: (q) => qs.push(q),
    onError: (e) => {
      throw e;
    },
  });
  try {
    await withDeadline(done, 20_000, "three frames after lowering the quality");
  } finally {
    await capture.stop();
  }
  assert.ok(qs.length >= 1, "quality was lowered");
  assert.ok(capture.stats.oversized >= 1);
  assert.ok(capture.stats.qscale > 2);
});

Deno.test("VideoCapture reports a missing camera as no_camera", async () => {
  const { path } = await findFfmpeg();
  let capture: VideoCapture | undefined;
  const failed = new Promise<CaptureError>((resolve) => {
    capture = VideoCapture.start({
      ffmpeg: path,
      source: "camera",
      // This platform's own capture (v4l2, dshow, avfoundation) with a device that does not exist.
      camera: Deno.build.os === "linux" ? "/dev/video-pc3-missing" : "PC3 camara inexistente",
      os: Deno.build.os,
      width: 160,
      height: 120,
      fps: 10,
      maxFrame: 60_000,
      onFrame() {},
      onError: resolve,
    });
  });
  try {
    const error = await withDeadline(failed, 20_000, "ffmpeg's error about the camera");
    assert.equal(error.kind, "no_camera");
  } finally {
    await capture?.stop();
  }
});
