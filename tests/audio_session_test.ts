import assert from "node:assert/strict";
import { type AudioSink, CallAudio, type CallAudioOptions } from "../lib/media/audio_call.ts";
import { AUDIO_HEADER, AUDIO_MAGIC, audioMessage } from "../lib/media/audio_page.ts";
import { pickAudioOutput, playbackArgs } from "../lib/media/audio_terminal.ts";
import { AudioStats } from "../lib/media/call_stats.ts";
import { FakeClock } from "./fake_clock.ts";

class FakeSink implements AudioSink {
  pushed: [number, number, number][] = [];
  kept: number[][] = [];
  closed = false;
  push(id: number, seq: number, opus: Uint8Array): void {
    this.pushed.push([id, seq, opus.length]);
  }
  retain(ids: Set<number>): void {
    this.kept.push([...ids]);
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function audio(over: Partial<CallAudioOptions> = {}) {
  const lines: string[] = [];
  const mutes: boolean[] = [];
  const sink = new FakeSink();
  const a = new CallAudio({
    source: "none",
    clientId: 7,
    view: "none",
    lang: "en",
    clock: new FakeClock(),
    log: (l) => lines.push(l),
    send: () => true,
    onMuteChange: (m) => mutes.push(m),
    startPlayer: () => Promise.resolve(sink),
    ...over,
  });
  return { a, lines, mutes, sink };
}

const MEMBERS = [
  { name: "Me", clientId: 7 },
  { name: "Ana", clientId: 8, muted: false },
  { name: "Eva\x1b]52;c;cm0gLXJmIH4=\x07", clientId: 9, muted: true },
];

Deno.test("CallAudio: a microphone starts muted, the test tone does not", () => {
  assert.equal(audio({ source: "mic" }).a.muted, true);
  assert.equal(audio({ source: "none" }).a.muted, true);
  assert.equal(audio({ source: "test" }).a.muted, false);
});

Deno.test("CallAudio.setMuted() tells the user and the server once per change", () => {
  const { a, lines, mutes } = audio({ source: "mic" });
  assert.equal(a.setMuted(true), false); // already muted: nothing to say
  assert.equal(a.setMuted(false), true);
  assert.equal(a.setMuted(false), false);
  assert.equal(a.setMuted(true), true);
  assert.deepEqual(mutes, [false, true]);
  assert.equal(lines.length, 2);
  assert.match(lines[0], /Microphone on/);
  assert.match(lines[1], /Microphone muted/);
});

Deno.test("CallAudio: page messages mute and unmute, page stats feed /call stats", async () => {
  const { a, mutes } = audio({ view: "window" });
  const page: (string | Uint8Array)[] = [];
  a.attachPage((d) => page.push(d));
  a.setMembers(MEMBERS);
  const hooks = a.pageHooks();
  assert.match(hooks.html, /<script>/);
  hooks.onText("unmute");
  hooks.onText("mute");
  assert.deepEqual(mutes, [false, true]);
  const state = JSON.parse(page.filter((p) => typeof p === "string").at(-1) as string);
  assert.deepEqual(state, { type: "audio_state", self: { id: 7, muted: true }, muted: [9] });

  a.receive(8, 1, 1000, Uint8Array.of(1, 2, 3));
  hooks.onText(JSON.stringify({
    type: "audio_stats",
    speakers: [{ id: 8, depth: 61.4, underruns: 2 }, { id: 99, depth: 1, underruns: 1 }],
  }));
  const line = a.statsLines().find((l) => l.includes("Ana"));
  assert.match(
    line ?? "",
    /Ana: audio 1 packets, 0 lost, jitter 0\.0 ms, buffer 61 ms, 2 underruns/,
  );
  await a.close();
});

Deno.test("CallAudio ignores hostile page messages: wrong types, huge, not JSON", () => {
  const { a } = audio({ view: "window" });
  a.attachPage(() => {});
  a.setMembers(MEMBERS);
  a.receive(8, 1, 1000, Uint8Array.of(1));
  const hooks = a.pageHooks();
  for (
    const text of [
      "{",
      "null",
      "[]",
      JSON.stringify({ type: "audio_stats", speakers: "x" }),
      JSON.stringify({ type: "audio_stats", speakers: [null, 5, { id: "8", depth: 1e9 }] }),
      JSON.stringify({ type: "audio_stats", speakers: [{ id: 8, depth: -5, underruns: -1 }] }),
      "x".repeat(1_000_000),
    ]
  ) hooks.onText(text);
  const peer = a.stats.get(8)!;
  // Only the last, well-formed report counted (negative figures clamped).
  assert.deepEqual([peer.depthMs, peer.underruns], [0, 0]);
  hooks.onText(
    JSON.stringify({ type: "audio_stats", speakers: [{ id: 8, depth: 40, underruns: 1 }] }),
  );
  assert.deepEqual([peer.depthMs, peer.underruns], [40, 1]);
});

Deno.test("CallAudio: received audio goes to the page when there is one, else to the player", async () => {
  const { a, sink } = audio({ view: "terminal" });
  await a.start();
  a.setMembers(MEMBERS);
  a.receive(8, 5, 100, new Uint8Array(40));
  a.receive(7, 6, 100, new Uint8Array(40)); // our own: never played
  assert.deepEqual(sink.pushed, [[8, 5, 40]]);
  // No page reports playout in this view: the buffer figures are unknown, not zero.
  assert.match(a.statsLines().find((l) => l.includes("Ana"))!, /buffer - ms, - underruns/);
  assert.deepEqual(sink.kept.at(-1), [7, 8, 9]);
  const page: (string | Uint8Array)[] = [];
  a.attachPage((d) => page.push(d));
  a.receive(9, 1, 200, Uint8Array.of(0xaa));
  const bin = page.find((p) => p instanceof Uint8Array) as Uint8Array;
  assert.deepEqual(bin, audioMessage(9, 1, 200, Uint8Array.of(0xaa)));
  await a.close();
  assert.equal(sink.closed, true);
});

Deno.test("CallAudio /call stats lines: state, source, and member names made safe", () => {
  const { a } = audio({ source: "none" });
  a.setMembers(MEMBERS);
  const lines = a.statsLines();
  assert.match(lines[0], /^Audio: muted, 0 packets sent, source none$/);
  assert.equal(lines.length, 3);
  assert.match(lines[1], /Ana: no audio/);
  assert.ok(!lines[2].includes("\x1b") && !lines[2].includes("\x07"), JSON.stringify(lines[2]));
});

Deno.test("audioMessage(): magic, id, seq, ts (u32 BE) then the Opus packet", () => {
  const msg = audioMessage(0x01020304, 0xffff_ffff, 5, Uint8Array.of(9, 8));
  const v = new DataView(msg.buffer);
  assert.equal(v.getUint32(0), AUDIO_MAGIC);
  assert.deepEqual([v.getUint32(4), v.getUint32(8), v.getUint32(12)], [0x01020304, 0xffff_ffff, 5]);
  assert.deepEqual(msg.subarray(AUDIO_HEADER), Uint8Array.of(9, 8));
});

Deno.test("AudioStats: losses from seq gaps, RFC 3550 jitter from arrival vs sender time", () => {
  const s = new AudioStats();
  // Perfectly paced: no jitter.
  for (let i = 0; i < 10; i++) s.record(1, i, i * 20, 1000 + i * 20);
  assert.equal(s.get(1)!.jitter, 0);
  // One packet 16 ms late, then on time again; seq 11 lost.
  s.record(1, 10, 200, 1216);
  s.record(1, 12, 240, 1240);
  const p = s.get(1)!;
  assert.equal(p.lost, 1);
  assert.equal(p.packets, 12);
  // D = +16 then -16: J = 16 / 16 = 1, then 1 + (16 - 1) / 16.
  assert.equal(p.jitter, 1 + 15 / 16);
  s.playout(1, 33.3, 4);
  assert.deepEqual([s.get(1)!.depthMs, s.get(1)!.underruns], [33, 4]);
  s.retain(new Set([2]));
  assert.equal(s.get(1), undefined);
});

Deno.test("pickAudioOutput(): PulseAudio first, else ALSA, else none (the Windows and macOS npm builds)", () => {
  const debian = [
    " DE alsa            ALSA audio output",
    " DE pulse           Pulse audio output",
  ];
  assert.deepEqual(pickAudioOutput(debian.join("\n")), { format: "pulse", device: "default" });
  const npmLinux = [" DE alsa            ALSA audio output", " DE oss             OSS playback"];
  assert.deepEqual(pickAudioOutput(npmLinux.join("\n")), { format: "alsa", device: "default" });
  const npmWindows = [
    " D  dshow           DirectShow capture",
    "  E sdl,sdl2        SDL2 output device",
  ];
  assert.equal(pickAudioOutput(npmWindows.join("\n")), null);
  assert.equal(pickAudioOutput(" D  avfoundation    AVFoundation input device"), null);
  // An input-only PulseAudio (D without E) is no output.
  assert.equal(pickAudioOutput(" D  pulse           Pulse audio input"), null);
});

Deno.test("playbackArgs(): Ogg from stdin to the chosen output, without input buffering", () => {
  const a = playbackArgs({ format: "alsa", device: "default" }, "pc3-8").join(" ");
  assert.match(a, /-f ogg -i pipe:0 -f alsa default$/);
  assert.match(a, /-analyzeduration 0/);
  const p = playbackArgs({ format: "pulse", device: "default" }, "pc3-8").join(" ");
  assert.match(p, /-f pulse .*-stream_name pc3-8 default$/);
});

Deno.test("AudioPlayer: an output that cannot open is told once, plainly, then stays silent", async () => {
  const { AudioPlayer } = await import("../lib/media/audio_terminal.ts");
  const { OggOpusSplitter } = await import("../lib/media/audio_ogg.ts");
  const { findFfmpeg } = await import("../lib/media/ffmpeg_path.ts");
  const { waitFor } = await import("./wait.ts");
  const ffmpeg = (await findFfmpeg()).path;
  // Real Opus packets to play, from ffmpeg itself.
  const out = await new Deno.Command(ffmpeg, {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-f", "lavfi"],
      ...["-i", "sine=frequency=500:sample_rate=48000:duration=0.2"],
      ...["-ac", "1", "-c:a", "libopus", "-f", "ogg", "pipe:1"],
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const packets = new OggOpusSplitter().push(out.stdout);
  assert.ok(packets.length >= 10);
  const lines: string[] = [];
  const player = await AudioPlayer.start({
    lang: "en",
    log: (l) => lines.push(l),
    ffmpeg,
    output: { format: "alsa", device: "pc3-no-such-device" },
  });
  assert.ok(player !== null);
  try {
    let seq = 0;
    await waitFor(() => {
      for (const p of packets) player.push(1, seq++, p);
      return player.failed;
    }, { message: "the audio output to fail", timeoutMs: 15_000, intervalMs: 100 });
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(
      lines[0],
      /No sound: ffmpeg could not open the audio output .*--video-view window/,
    );
    for (const p of packets) player.push(2, 0, p); // no new ffmpeg, no new line
    assert.equal(lines.length, 1);
  } finally {
    await player.close();
  }
});

Deno.test("AudioPlayer.start() without ffmpeg says so and gives no player", async () => {
  const { AudioPlayer } = await import("../lib/media/audio_terminal.ts");
  const { overrideFfmpegLookup, FfmpegNotFoundError } = await import("../lib/media/ffmpeg_path.ts");
  overrideFfmpegLookup(() => Promise.reject(new FfmpegNotFoundError(["npm"])));
  const lines: string[] = [];
  try {
    assert.equal(
      await AudioPlayer.start({ lang: "en", log: (l) => lines.push(l), view: "none" }),
      null,
    );
  } finally {
    overrideFfmpegLookup(undefined);
  }
  assert.deepEqual(lines, [
    "No sound in the none view: ffmpeg was not found. To hear the call use --video-view window",
  ]);
});

Deno.test("AudioPlayer.start() without an audio output in the build says so and gives no player", async () => {
  const { AudioPlayer } = await import("../lib/media/audio_terminal.ts");
  const lines: string[] = [];
  const player = await AudioPlayer.start({
    lang: "es",
    log: (l) => lines.push(l),
    ffmpeg: "/nonexistent/pc3-ffmpeg",
    os: "windows",
  });
  assert.equal(player, null);
  assert.deepEqual(lines, [
    "Sin sonido en la vista terminal: el ffmpeg de este equipo no tiene salida de audio (windows). Para oír la llamada usa --video-view window",
  ]);
});
