/**
 * Microphone capture with ffmpeg for calls: ffmpeg reads the microphone (or
 * its own sine generator), encodes Opus at 48 kHz mono in 20 ms frames and
 * writes Ogg pages to stdout, one page per packet, flushed at once; the
 * {@link OggOpusSplitter} turns them into packets handed to a callback.
 *
 * Inputs per platform (what the bundled @ffmpeg-installer builds and
 * Debian's ffmpeg have, checked with `ffmpeg -devices`):
 * - Windows: `-f dshow -i audio=<name>` (the first audio device by default);
 *   `-audio_buffer_size 20` keeps dshow's default 500 ms buffer out of the latency.
 * - Linux: `-f pulse -i default` where the build has PulseAudio (Debian's),
 *   else `-f alsa -i default` (the static npm build has ALSA only). `--mic`
 *   may force one: `pulse:<source>` or `alsa:<device>` (e.g. `alsa:hw:1,0`);
 *   a bare name is a device of the default input.
 * - macOS: `-f avfoundation -i :<index or name>` (audio only).
 * - `test`: ffmpeg's `sine` source in real time (`-re`), a frequency of its
 *   own per client ({@link testFrequency}), so calls with sound can be tried
 *   and tested without a microphone.
 *
 * Argument building and output parsing are pure functions; the class only
 * spawns ffmpeg, reads its stdout and reports why it stopped.
 *
 * @module
 */
import { OggOpusSplitter } from "./audio_ogg.ts";
import { lastErrorLine } from "./video_capture.ts";

/** Where the call's sound comes from. */
export type AudioSource = "mic" | "test" | "none";

/** Why a microphone capture could not start or stopped. */
export type AudioFailure = "no_mic" | "mic_busy" | "failed";

/** A microphone capture failure with the last ffmpeg error line as detail. */
export class AudioCaptureError extends Error {
  override name = "AudioCaptureError";
  readonly kind: AudioFailure;
  readonly detail: string;
  constructor(kind: AudioFailure, detail: string) {
    super(`Audio capture failed: ${kind}: ${detail}`);
    this.kind = kind;
    this.detail = detail;
  }
}

/** Opus bit rate of calls (speech in mono: 24-32 kb/s is clear). */
export const OPUS_BITRATE = "32k";

/** Duration of one Opus frame (ms): one packet, one datagram. */
export const FRAME_MS = 20;

/**
 * The test tone of a client (Hz): 330 Hz plus a step of 60 Hz per client id
 * modulo 12 (330..990 Hz), so two clients with consecutive ids never sound
 * alike and a page can tell them apart by frequency.
 */
export function testFrequency(clientId: number): number {
  return 330 + (Math.abs(Math.trunc(clientId)) % 12) * 60;
}

/** An audio input ffmpeg can open: its input format and device. */
export interface AudioInput {
  format: "dshow" | "pulse" | "alsa" | "avfoundation";
  device: string;
}

/**
 * The input for `--mic` on `os` (pure). `hasPulse`: whether this ffmpeg has
 * the PulseAudio input (Linux only).
 */
export function audioInput(mic: string | undefined, os: string, hasPulse: boolean): AudioInput {
  if (os === "windows") return { format: "dshow", device: mic ?? "" };
  if (os === "darwin") return { format: "avfoundation", device: mic || "0" };
  const forced = mic?.match(/^(pulse|alsa):(.*)$/);
  if (forced) {
    return { format: forced[1] as "pulse" | "alsa", device: forced[2] || "default" };
  }
  if (mic && /^(plug)?hw:/.test(mic)) return { format: "alsa", device: mic };
  return { format: hasPulse ? "pulse" : "alsa", device: mic || "default" };
}

/** What {@link audioCaptureArgs} needs. */
export interface AudioCaptureSpec {
  source: "mic" | "test";
  /** The input of a `mic` source (see {@link audioInput}). */
  input?: AudioInput;
  /** Frequency of the `test` tone (Hz). */
  frequency?: number;
}

/** ffmpeg arguments for a capture (pure). */
export function audioCaptureArgs(spec: AudioCaptureSpec): string[] {
  const input: string[] = [];
  if (spec.source === "test") {
    const f = spec.frequency ?? 440;
    input.push(
      ...["-re", "-f", "lavfi"],
      ...["-i", `sine=frequency=${f}:sample_rate=48000:samples_per_frame=960`],
    );
  } else {
    const i = spec.input ?? { format: "alsa", device: "default" };
    if (i.format === "dshow") {
      input.push("-f", "dshow", "-audio_buffer_size", "20", "-i", `audio=${i.device}`);
    } else if (i.format === "avfoundation") {
      input.push("-f", "avfoundation", "-i", `:${i.device}`);
    } else if (i.format === "pulse") {
      input.push("-f", "pulse", "-fragment_size", "1920", "-i", i.device);
    } else {
      input.push("-f", "alsa", "-i", i.device);
    }
  }
  return [
    ...["-hide_banner", "-nostdin", "-loglevel", "error"],
    ...input,
    ...["-vn", "-ac", "1", "-ar", "48000"],
    ...["-c:a", "libopus", "-b:a", OPUS_BITRATE, "-application", "voip"],
    ...["-frame_duration", String(FRAME_MS)],
    // One Ogg page per packet, written as soon as it is encoded.
    ...["-page_duration", String(FRAME_MS * 1000), "-flush_packets", "1"],
    ...["-f", "ogg", "pipe:1"],
  ];
}

/** Sorts ffmpeg's error output into the cases a user can act on (pure). */
export function classifyAudioFailure(stderr: string): AudioFailure {
  if (/busy|in use|already used|0x800705aa/i.test(stderr)) return "mic_busy";
  if (
    /Could not find audio|No such file or directory|No such device|Invalid audio device|audio device .* not found|cannot open audio device|pa_simple_new|Connection refused|No such process|Could not enumerate audio/i
      .test(stderr)
  ) {
    return "no_mic";
  }
  return "failed";
}

/**
 * Audio device names from `ffmpeg -list_devices true -f dshow -i dummy`
 * (both the old layout with section headers and the newer `"name" (audio)` one).
 */
export function parseDshowAudioDevices(stderr: string): string[] {
  const names: string[] = [];
  let section: "video" | "audio" | "none" = "none";
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.replace(/^\[[^\]]*\]\s*/, "");
    if (/DirectShow video devices/i.test(line)) section = "video";
    else if (/DirectShow audio devices/i.test(line)) section = "audio";
    if (/^\s*Alternative name/i.test(line)) continue;
    const tagged = line.match(/^\s*"(.+)"\s*\(([a-z, ]+)\)\s*$/);
    if (tagged) {
      if (tagged[2].includes("audio")) names.push(tagged[1]);
      continue;
    }
    const plain = line.match(/^\s*"(.+)"\s*$/);
    if (plain && section === "audio") names.push(plain[1]);
  }
  return [...new Set(names)];
}

/** Audio device names from `ffmpeg -f avfoundation -list_devices true -i ""`. */
export function parseAvfoundationAudioDevices(stderr: string): string[] {
  const names: string[] = [];
  let inAudio = false;
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.replace(/^\[[^\]]*\]\s*/, "");
    if (/AVFoundation audio devices/i.test(line)) inAudio = true;
    else if (/AVFoundation video devices/i.test(line)) inAudio = false;
    else if (inAudio) {
      const m = line.match(/^\s*\[(\d+)\]\s+(.+?)\s*$/);
      if (m) names.push(m[2]);
    }
  }
  return names;
}

/**
 * ALSA capture devices from `/proc/asound/pcm` (lines like
 * `01-00: USB Audio : USB Audio : playback 1 : capture 1`), as `alsa:hw:C,D`
 * with their names (pure).
 */
export function parseAlsaPcm(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = line.match(/^(\d+)-(\d+):\s*([^:]*?)\s*:.*capture/);
    if (m) out.push(`alsa:hw:${Number(m[1])},${Number(m[2])} (${m[3]})`);
  }
  return out;
}

/** Whether this ffmpeg has the PulseAudio input (cached per path). */
const pulseCache = new Map<string, Promise<boolean>>();

/** True when `ffmpeg -devices` lists a PulseAudio demuxer. */
export function ffmpegHasPulse(ffmpeg: string): Promise<boolean> {
  let known = pulseCache.get(ffmpeg);
  if (!known) {
    known = ffmpegDevices(ffmpeg).then((text) => /^\s*D\S*\s+pulse\b/m.test(text), () => false);
    pulseCache.set(ffmpeg, known);
  }
  return known;
}

/** The output of `ffmpeg -hide_banner -devices`. */
export async function ffmpegDevices(ffmpeg: string): Promise<string> {
  const out = await new Deno.Command(ffmpeg, {
    args: ["-hide_banner", "-devices"],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout);
}

/** Lists this machine's microphones as `--mic` accepts them. */
export async function listMicDevices(
  ffmpeg: string | undefined,
  os: string = Deno.build.os,
): Promise<string[]> {
  if (os === "linux") {
    const names = ["default"];
    try {
      names.push(...parseAlsaPcm(await Deno.readTextFile("/proc/asound/pcm")));
    } catch { /* no sound cards */ }
    if (ffmpeg && await ffmpegHasPulse(ffmpeg)) names.push("pulse:default");
    return names;
  }
  if (!ffmpeg) return [];
  const args = os === "windows"
    ? ["-hide_banner", "-list_devices", "true", "-f", "dshow", "-i", "dummy"]
    : ["-hide_banner", "-f", "avfoundation", "-list_devices", "true", "-i", ""];
  const out = await new Deno.Command(ffmpeg, {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stderr);
  return os === "windows" ? parseDshowAudioDevices(text) : parseAvfoundationAudioDevices(text);
}

/** Options of {@link AudioCapture.start}. */
export interface AudioCaptureOptions {
  ffmpeg: string;
  spec: AudioCaptureSpec;
  /** Receives each Opus packet (a fresh copy), as soon as ffmpeg wrote it. */
  onPacket(opus: Uint8Array): void;
  /** ffmpeg stopped on its own; the capture is over. */
  onError(error: AudioCaptureError): void;
}

const STDERR_KEEP = 4096;

/** A running ffmpeg microphone capture; see the module docs. */
export class AudioCapture {
  #options: AudioCaptureOptions;
  #child: Deno.ChildProcess;
  #stopped = false;
  #running: Promise<void>;
  #packets = 0;

  private constructor(options: AudioCaptureOptions, child: Deno.ChildProcess) {
    this.#options = options;
    this.#child = child;
    this.#running = this.#run();
  }

  /** Spawns ffmpeg. Throws an {@link AudioCaptureError} when it cannot be spawned at all. */
  static start(options: AudioCaptureOptions): AudioCapture {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(options.ffmpeg, {
        args: audioCaptureArgs(options.spec),
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      throw new AudioCaptureError("failed", e instanceof Error ? e.message : String(e));
    }
    return new AudioCapture(options, child);
  }

  /** Opus packets read so far. */
  get packets(): number {
    return this.#packets;
  }

  async #run(): Promise<void> {
    const child = this.#child;
    const splitter = new OggOpusSplitter();
    let stderr = "";
    const errors = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) {
        stderr = (stderr + decoder.decode(chunk, { stream: true })).slice(-STDERR_KEEP);
      }
    })();
    try {
      for await (const chunk of child.stdout) {
        for (const packet of splitter.push(chunk)) {
          this.#packets++;
          if (this.#stopped) break;
          try {
            this.#options.onPacket(packet);
          } catch { /* a consumer bug must not stop the capture */ }
        }
      }
    } catch {
      // The stream broke because the process was killed: fine.
    }
    await errors.catch(() => {});
    await child.status;
    if (this.#stopped) return;
    const kind = this.#packets === 0 ? classifyAudioFailure(stderr) : "failed";
    this.#options.onError(new AudioCaptureError(kind, lastErrorLine(stderr)));
  }

  /** Stops ffmpeg and waits for it; safe twice. */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      try {
        this.#child.kill("SIGTERM");
      } catch { /* already exited */ }
    }
    await this.#running.catch(() => {});
  }
}
