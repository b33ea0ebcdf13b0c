/**
 * Microphone capture with ffmpeg for calls: ffmpeg reads the microphone (or
 * its own sine generator), encodes Opus at 48 kHz mono in 20 ms frames and
 * sends each packet as one RTP datagram to a socket of ours on 127.0.0.1;
 * the RTP header is stripped ({@link rtpPayload}) and the packet handed to a
 * callback.
 *
 * Why RTP and not Ogg on stdout: both give packet boundaries, but ffmpeg's
 * Ogg muxer holds each page until the next packet is encoded, one frame
 * (20 ms) of latency; RTP sends each packet at once. Measured here with the
 * bench's mouth (PCM written in real time): about 42 ms from the first
 * sample of a burst to its packet with Ogg, about 22 ms with RTP. The socket
 * listens on loopback only and takes datagrams from 127.0.0.1 only.
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
import { MAX_OPUS_PACKET } from "./audio_ogg.ts";
import { lastErrorLine } from "./video_capture.ts";
import { listFfmpegDevices } from "./devices.ts";

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
  /** `pcm`: 16-bit mono 48 kHz samples written to ffmpeg's stdin (the bench's mouth). */
  source: "mic" | "test" | "pcm";
  /** The input of a `mic` source (see {@link audioInput}). */
  input?: AudioInput;
  /** Frequency of the `test` tone (Hz). */
  frequency?: number;
}

/**
 * ffmpeg arguments for a capture (pure): Opus packets go out as RTP to
 * `127.0.0.1:rtpPort`, one datagram per packet.
 */
export function audioCaptureArgs(spec: AudioCaptureSpec, rtpPort: number): string[] {
  const input: string[] = [];
  if (spec.source === "pcm") {
    input.push("-f", "s16le", "-ar", "48000", "-ac", "1", "-i", "pipe:0");
  } else if (spec.source === "test") {
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
    // Without these ffmpeg first buffers about a second of input to probe it (measured).
    ...["-probesize", "32", "-analyzeduration", "0"],
    ...input,
    ...["-vn", "-ac", "1", "-ar", "48000"],
    ...["-c:a", "libopus", "-b:a", OPUS_BITRATE, "-application", "voip"],
    ...["-frame_duration", String(FRAME_MS)],
    // One RTP datagram per packet, sent as soon as it is encoded.
    ...["-f", "rtp", `rtp://127.0.0.1:${rtpPort}?pkt_size=1400`],
  ];
}

/**
 * The Opus packet of an RTP datagram (RFC 3550: version 2, CSRCs and
 * header extension skipped, padding removed); null for anything else,
 * RTCP included (pure).
 */
export function rtpPayload(datagram: Uint8Array): Uint8Array | null {
  if (datagram.length < 12 || (datagram[0] >> 6) !== 2) return null;
  const pt = datagram[1] & 0x7f;
  if (pt >= 72 && pt <= 76) return null; // RTCP sharing the port (RFC 5761)
  let at = 12 + (datagram[0] & 0x0f) * 4;
  if (datagram[0] & 0x10) {
    if (datagram.length < at + 4) return null;
    at += 4 + ((datagram[at + 2] << 8) | datagram[at + 3]) * 4;
  }
  let end = datagram.length;
  if (datagram[0] & 0x20) end -= datagram[end - 1];
  if (end - at < 1 || end - at > MAX_OPUS_PACKET) return null;
  return datagram.slice(at, end);
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

/** `ffmpeg -devices` listings, per ffmpeg path (they never change while we run). */
const devicesCache = new Map<string, Promise<string>>();

/** True when `ffmpeg -devices` lists a PulseAudio demuxer. */
export async function ffmpegHasPulse(ffmpeg: string): Promise<boolean> {
  return /^\s*D\S*\s+pulse\b/m.test(await ffmpegDevices(ffmpeg).catch(() => ""));
}

/** The output of `ffmpeg -hide_banner -devices` (run once per ffmpeg, then remembered). */
export function ffmpegDevices(ffmpeg: string): Promise<string> {
  let known = devicesCache.get(ffmpeg);
  if (!known) {
    known = new Deno.Command(ffmpeg, {
      args: ["-hide_banner", "-devices"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output().then((out) => new TextDecoder().decode(out.stdout));
    // A failed run is not remembered: the next call tries again.
    known.catch(() => devicesCache.delete(ffmpeg));
    devicesCache.set(ffmpeg, known);
  }
  return known;
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
  return await listFfmpegDevices(ffmpeg, os, "audio");
}

/** Options of {@link AudioCapture.start}. */
export interface AudioCaptureOptions {
  ffmpeg: string;
  spec: AudioCaptureSpec;
  /** Receives each Opus packet (a fresh copy), as soon as ffmpeg sent it. */
  onPacket(opus: Uint8Array): void;
  /** ffmpeg stopped on its own; the capture is over. */
  onError(error: AudioCaptureError): void;
}

const STDERR_KEEP = 4096;

/** A running ffmpeg microphone capture; see the module docs. */
export class AudioCapture {
  #options: AudioCaptureOptions;
  #child: Deno.ChildProcess;
  #socket: Deno.DatagramConn;
  #stopped = false;
  #running: Promise<void>;
  #packets = 0;

  private constructor(
    options: AudioCaptureOptions,
    child: Deno.ChildProcess,
    socket: Deno.DatagramConn,
  ) {
    this.#options = options;
    this.#child = child;
    this.#socket = socket;
    this.#running = this.#run();
  }

  /**
   * Opens the loopback socket the packets come to and spawns ffmpeg. Throws
   * an {@link AudioCaptureError} when either cannot be done at all.
   */
  static start(options: AudioCaptureOptions): AudioCapture {
    let socket: Deno.DatagramConn;
    try {
      socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    } catch (e) {
      throw new AudioCaptureError("failed", e instanceof Error ? e.message : String(e));
    }
    const port = (socket.addr as Deno.NetAddr).port;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(options.ffmpeg, {
        args: audioCaptureArgs(options.spec, port),
        stdin: options.spec.source === "pcm" ? "piped" : "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      socket.close();
      throw new AudioCaptureError("failed", e instanceof Error ? e.message : String(e));
    }
    return new AudioCapture(options, child, socket);
  }

  /** Opus packets received so far. */
  get packets(): number {
    return this.#packets;
  }

  /** ffmpeg's input for the `pcm` source (16-bit mono 48 kHz samples). */
  get stdin(): WritableStream<Uint8Array> {
    return this.#child.stdin;
  }

  async #run(): Promise<void> {
    const child = this.#child;
    let stderr = "";
    const errors = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) {
        stderr = (stderr + decoder.decode(chunk, { stream: true })).slice(-STDERR_KEEP);
      }
    })();
    const receiving = this.#receive();
    const status = await child.status;
    await errors.catch(() => {});
    try {
      this.#socket.close();
    } catch { /* closed by stop() */ }
    await receiving;
    if (this.#stopped) return;
    const kind = this.#packets === 0 || !status.success ? classifyAudioFailure(stderr) : "failed";
    this.#options.onError(new AudioCaptureError(kind, lastErrorLine(stderr)));
  }

  async #receive(): Promise<void> {
    const buffer = new Uint8Array(2048);
    while (true) {
      let data: Uint8Array;
      let from: Deno.Addr;
      try {
        [data, from] = await this.#socket.receive(buffer);
      } catch {
        return; // closed
      }
      // Only ffmpeg on this machine sends here.
      if ((from as Deno.NetAddr).hostname !== "127.0.0.1") continue;
      const opus = rtpPayload(data);
      if (opus === null || this.#stopped) continue;
      this.#packets++;
      try {
        this.#options.onPacket(opus);
      } catch { /* a consumer bug must not stop the capture */ }
    }
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
