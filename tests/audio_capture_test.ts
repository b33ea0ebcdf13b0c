import assert from "node:assert/strict";
import {
  AudioCapture,
  audioCaptureArgs,
  AudioCaptureError,
  type AudioInput,
  audioInput,
  classifyAudioFailure,
  parseAlsaPcm,
  rtpPayload,
  testFrequency,
} from "../lib/media/audio_capture.ts";
import { MAX_OPUS_PACKET } from "../lib/media/audio_ogg.ts";
import { findFfmpeg } from "../lib/media/ffmpeg_path.ts";
import { waitFor, withDeadline } from "./wait.ts";
import { parseAvfoundationList, parseDshowList } from "../lib/media/devices.ts";

Deno.test("testFrequency() gives neighbouring client ids different tones in 330..990 Hz", () => {
  const seen = new Set<number>();
  for (let id = 1000; id < 1012; id++) seen.add(testFrequency(id));
  assert.equal(seen.size, 12);
  for (const f of seen) assert.ok(f >= 330 && f <= 990);
  assert.equal(testFrequency(-5), testFrequency(5));
});

Deno.test("audioInput() picks the platform's input and honours pulse:/alsa:/hw: names", () => {
  assert.deepEqual(audioInput(undefined, "windows", false), { format: "dshow", device: "" });
  assert.deepEqual(audioInput("Micrófono (Realtek)", "windows", false), {
    format: "dshow",
    device: "Micrófono (Realtek)",
  });
  assert.deepEqual(audioInput(undefined, "darwin", false), { format: "avfoundation", device: "0" });
  assert.deepEqual(audioInput(undefined, "linux", true), { format: "pulse", device: "default" });
  assert.deepEqual(audioInput(undefined, "linux", false), { format: "alsa", device: "default" });
  assert.deepEqual(audioInput("hw:1,0", "linux", true), { format: "alsa", device: "hw:1,0" });
  assert.deepEqual(audioInput("alsa:hw:2,0", "linux", true), { format: "alsa", device: "hw:2,0" });
  assert.deepEqual(audioInput("pulse:", "linux", false), { format: "pulse", device: "default" });
});

Deno.test("audioCaptureArgs(): Opus 48 kHz mono 20 ms frames, one RTP datagram each to loopback", () => {
  const args = audioCaptureArgs({ source: "test", frequency: 570 }, 40000).join(" ");
  assert.match(args, /-re -f lavfi -i sine=frequency=570:sample_rate=48000/);
  // No second of probing before the first packet.
  assert.match(args, /-probesize 32 -analyzeduration 0 /);
  assert.match(args, /-ac 1 -ar 48000 -c:a libopus/);
  assert.match(args, /-frame_duration 20 -f rtp rtp:\/\/127\.0\.0\.1:40000\?pkt_size=1400$/);
  const dshow = audioCaptureArgs({ source: "mic", input: { format: "dshow", device: "Mic X" } }, 1);
  assert.deepEqual(dshow.slice(dshow.indexOf("-f"), dshow.indexOf("-i") + 2), [
    "-f",
    "dshow",
    "-audio_buffer_size",
    "20",
    "-i",
    "audio=Mic X",
  ]);
  const mac = audioCaptureArgs(
    { source: "mic", input: { format: "avfoundation", device: "1" } },
    1,
  );
  assert.ok(mac.includes(":1"));
  const pulse = audioCaptureArgs(
    { source: "mic", input: { format: "pulse", device: "default" } },
    1,
  );
  assert.ok(pulse.join(" ").includes("-f pulse -fragment_size 1920 -i default"));
});

Deno.test("classifyAudioFailure() sorts the errors of each platform", () => {
  assert.equal(
    classifyAudioFailure(
      "[alsa @ 0x1] cannot open audio device default (No such file or directory)",
    ),
    "no_mic",
  );
  assert.equal(classifyAudioFailure("default: No such process"), "no_mic");
  assert.equal(
    classifyAudioFailure(
      "[dshow @ 0x1] Could not find audio only device with name [X] among source devices",
    ),
    "no_mic",
  );
  assert.equal(
    classifyAudioFailure("[alsa] cannot open audio device hw:0 (Device or resource busy)"),
    "mic_busy",
  );
  assert.equal(classifyAudioFailure("Unknown encoder 'libopus'"), "failed");
});

Deno.test('parseDshowList(..., "audio") reads both listing layouts', () => {
  const old = [
    "[dshow @ 0x1] DirectShow video devices (some may be both video and audio devices)",
    '[dshow @ 0x1]  "HD WebCam"',
    '[dshow @ 0x1]     Alternative name "@device_pnp_\\\\?\\usb"',
    "[dshow @ 0x1] DirectShow audio devices",
    '[dshow @ 0x1]  "Micrófono (Realtek High Definition Audio)"',
    '[dshow @ 0x1]     Alternative name "@device_cm_{33D9A762}"',
  ].join("\r\n");
  assert.deepEqual(parseDshowList(old, "audio"), ["Micrófono (Realtek High Definition Audio)"]);
  const recent = [
    '[dshow @ 0x1] "HD WebCam" (video)',
    '[dshow @ 0x1] "Headset Mic" (audio)',
    '[dshow @ 0x1]   Alternative name "@device_cm_x"',
  ].join("\n");
  assert.deepEqual(parseDshowList(recent, "audio"), ["Headset Mic"]);
});

Deno.test('parseAvfoundationList(..., "audio") and parseAlsaPcm() list capture devices', () => {
  const mac = [
    "[AVFoundation indev @ 0x1] AVFoundation video devices:",
    "[AVFoundation indev @ 0x1] [0] FaceTime HD Camera",
    "[AVFoundation indev @ 0x1] AVFoundation audio devices:",
    "[AVFoundation indev @ 0x1] [0] MacBook Air Microphone",
    "[AVFoundation indev @ 0x1] [1] External Headset",
  ].join("\n");
  assert.deepEqual(parseAvfoundationList(mac, "audio"), [
    "MacBook Air Microphone",
    "External Headset",
  ]);
  const pcm = [
    "00-00: ALC892 Analog : ALC892 Analog : playback 1 : capture 1",
    "00-03: HDMI 0 : HDMI 0 : playback 1",
    "01-00: USB Audio : USB Audio : capture 1",
  ].join("\n");
  assert.deepEqual(parseAlsaPcm(pcm), ["alsa:hw:0,0 (ALC892 Analog)", "alsa:hw:1,0 (USB Audio)"]);
});

Deno.test("AudioCapture with the test source delivers 20 ms Opus packets until stopped", async () => {
  const ffmpeg = (await findFfmpeg()).path;
  const packets: Uint8Array[] = [];
  const errors: AudioCaptureError[] = [];
  const capture = AudioCapture.start({
    ffmpeg,
    spec: { source: "test", frequency: 450 },
    onPacket: (p) => packets.push(p),
    onError: (e) => errors.push(e),
  });
  try {
    await waitFor(() => packets.length >= 10, { message: "10 Opus packets", timeoutMs: 15_000 });
  } finally {
    await withDeadline(capture.stop(), 10_000, "the capture to stop");
  }
  for (const p of packets) assert.ok(p.length >= 1 && p.length <= MAX_OPUS_PACKET);
  assert.deepEqual(errors, [], "stopping is not an error");
  await capture.stop(); // safe twice
});

/** A microphone no machine has, per platform. */
const NO_SUCH_MIC: Record<string, AudioInput> = {
  linux: { format: "alsa", device: "pc3-no-such-device" },
  windows: { format: "dshow", device: "pc3-no-such-microphone" },
  darwin: { format: "avfoundation", device: "97" },
};

Deno.test("AudioCapture reports a microphone that cannot be opened as no_mic (or failed)", async () => {
  const ffmpeg = (await findFfmpeg()).path;
  const errors: AudioCaptureError[] = [];
  const capture = AudioCapture.start({
    ffmpeg,
    spec: { source: "mic", input: NO_SUCH_MIC[Deno.build.os] ?? NO_SUCH_MIC.linux },
    onPacket: () => {},
    onError: (e) => errors.push(e),
  });
  try {
    await waitFor(() => errors.length > 0, { message: "the capture error", timeoutMs: 15_000 });
  } finally {
    await capture.stop();
  }
  assert.equal(errors.length, 1);
  assert.equal(errors[0].kind, "no_mic", errors[0].detail);
});

Deno.test("AudioCapture.start() throws an AudioCaptureError when ffmpeg cannot be spawned", () => {
  assert.throws(
    () =>
      AudioCapture.start({
        ffmpeg: "/nonexistent/pc3-ffmpeg",
        spec: { source: "test" },
        onPacket: () => {},
        onError: () => {},
      }),
    AudioCaptureError,
  );
});

Deno.test("rtpPayload(): the Opus packet of RTP, CSRCs, extension and padding skipped; RTCP refused", () => {
  const opus = Uint8Array.of(0xf8, 1, 2, 3);
  const plain = Uint8Array.of(0x80, 97, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4, ...opus);
  assert.deepEqual(rtpPayload(plain), opus);
  // CC = 1 (one CSRC), X = 1 (extension of one word), P = 1 (2 bytes of padding).
  const full = Uint8Array.of(
    0xb1,
    97,
    0,
    1,
    0,
    0,
    0,
    0,
    1,
    2,
    3,
    4, // header with P, X, CC=1
    9,
    9,
    9,
    9, // CSRC
    0xbe,
    0xde,
    0,
    1,
    7,
    7,
    7,
    7, // extension header + one word
    ...opus,
    0,
    2, // padding, its last byte says 2
  );
  assert.deepEqual(rtpPayload(full), opus);
  assert.equal(rtpPayload(Uint8Array.of(0x80, 200, 0, 6, 0, 0, 0, 0, 1, 2, 3, 4, 5)), null); // RTCP SR
  assert.equal(rtpPayload(Uint8Array.of(0x40, 97, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4, 5)), null); // version 1
  assert.equal(rtpPayload(plain.subarray(0, 12)), null); // no payload
  assert.equal(rtpPayload(new Uint8Array(12 + 1276).fill(0x80, 0, 1)), null); // over 1275 bytes
  const bigPad = Uint8Array.of(0xa0, 97, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4, 1, 200);
  assert.equal(rtpPayload(bigPad), null); // padding longer than the packet
});

Deno.test("AudioCapture with the pcm source encodes what is written to its stdin", async () => {
  const ffmpeg = (await findFfmpeg()).path;
  const packets: Uint8Array[] = [];
  const capture = AudioCapture.start({
    ffmpeg,
    spec: { source: "pcm" },
    onPacket: (p) => packets.push(p),
    onError: () => {},
  });
  try {
    const writer = capture.stdin.getWriter();
    await writer.write(new Uint8Array(960 * 2 * 10)); // 200 ms of silence
    await writer.close();
    await waitFor(() => packets.length >= 9, { message: "9 packets", timeoutMs: 15_000 });
  } finally {
    await capture.stop();
  }
});
