/**
 * Sound for the terminal and none views: each speaker's Opus packets are
 * wrapped in Ogg pages ({@link OggOpusWriter}) and piped to an ffmpeg that
 * plays them on the machine's audio output; the sound server (PulseAudio,
 * PipeWire, ALSA's dmix) mixes the speakers.
 *
 * Which output, per platform and build (checked with `ffmpeg -devices`):
 * - Linux: `-f pulse` where the build has it (Debian's ffmpeg), else
 *   `-f alsa default` (the static npm build has ALSA output only).
 * - Windows and macOS: the npm builds have no audio output device (Windows:
 *   dshow input, SDL2 video output only; macOS: no AudioToolbox output in
 *   that 2018 build), so there is no sound in these views; the user is told
 *   once, plainly, and pointed to `--video-view window`, where the browser
 *   plays it.
 * When the output cannot be opened (no sound card, no sound server), the
 * first ffmpeg says why and the user is told once; nothing more is spawned.
 *
 * No jitter buffer here: the output device's own buffer absorbs small
 * jitter, and a lost packet is simply not played. The window view is the one
 * with the adaptive buffer.
 *
 * @module
 */
import type { Lang } from "../protocol/i18n.ts";
import { translator } from "../protocol/i18n.ts";
import { clientText } from "../client/text.ts";
import { ffmpegDevices } from "./audio_capture.ts";
import { OggOpusWriter } from "./audio_ogg.ts";
import { findFfmpeg } from "./ffmpeg_path.ts";
import { lastErrorLine } from "./video_capture.ts";

/** An audio output ffmpeg can write to. */
export interface AudioOutput {
  format: "pulse" | "alsa";
  device: string;
}

/**
 * The audio output of an ffmpeg whose `-devices` listing is `devices`
 * (pure): PulseAudio first, then ALSA; null when it has neither.
 */
export function pickAudioOutput(devices: string): AudioOutput | null {
  if (/^\s*\S?E\s+pulse\b/m.test(devices)) return { format: "pulse", device: "default" };
  if (/^\s*\S?E\s+alsa\b/m.test(devices)) return { format: "alsa", device: "default" };
  return null;
}

/** ffmpeg arguments playing an Ogg Opus stream from stdin on `out` (pure). */
export function playbackArgs(out: AudioOutput, name: string): string[] {
  const target = out.format === "pulse"
    ? ["-f", "pulse", "-buffer_duration", "60", "-stream_name", name, out.device]
    : ["-f", "alsa", out.device];
  return [
    ...["-hide_banner", "-nostdin", "-loglevel", "error"],
    ...["-probesize", "4096", "-analyzeduration", "0"],
    ...["-f", "ogg", "-i", "pipe:0"],
    ...target,
  ];
}

/** Options of {@link AudioPlayer.start}. */
export interface AudioPlayerOptions {
  lang: Lang;
  /** One user-facing line (already translated). */
  log(line: string): void;
  /** The ffmpeg to use (default: found like the capture's). */
  ffmpeg?: string;
  /** `Deno.build.os` value (for the message). */
  os?: string;
  /** The call view, for the message (default terminal). */
  view?: "terminal" | "none";
  /** The output (default: the best this ffmpeg has, see {@link pickAudioOutput}). */
  output?: AudioOutput;
}

interface Voice {
  child: Deno.ChildProcess;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  ogg: OggOpusWriter;
  /** Bytes handed to ffmpeg and not yet written. */
  queued: number;
}

/** Bytes queued towards one ffmpeg beyond which packets are dropped (about 2 s of speech). */
const MAX_QUEUED = 16 * 1024;

/** Plays received audio through ffmpeg; see the module docs. */
export class AudioPlayer {
  #o: AudioPlayerOptions;
  #t: ReturnType<typeof translator<typeof clientText>>;
  #ffmpeg: string;
  #out: AudioOutput;
  #voices = new Map<number, Voice>();
  #failed = false;
  #closed = false;
  #exits = new Set<Promise<void>>();

  private constructor(o: AudioPlayerOptions, ffmpeg: string, out: AudioOutput) {
    this.#o = o;
    this.#t = translator(clientText, o.lang);
    this.#ffmpeg = ffmpeg;
    this.#out = out;
  }

  /**
   * A player, or null (after telling the user why there will be no sound)
   * when there is no ffmpeg or it has no audio output.
   */
  static async start(o: AudioPlayerOptions): Promise<AudioPlayer | null> {
    const t = translator(clientText, o.lang);
    const os = o.os ?? Deno.build.os;
    const view = o.view ?? "terminal";
    let ffmpeg = o.ffmpeg;
    if (ffmpeg === undefined) {
      try {
        ffmpeg = (await findFfmpeg()).path;
      } catch {
        o.log(t("audio_no_ffmpeg_output", { view }));
        return null;
      }
    }
    let out: AudioOutput | null = null;
    try {
      out = o.output ?? pickAudioOutput(await ffmpegDevices(ffmpeg));
    } catch {
      out = null;
    }
    if (!out) {
      o.log(t("audio_no_output", { view, os }));
      return null;
    }
    return new AudioPlayer(o, ffmpeg, out);
  }

  /** Plays one Opus packet of speaker `id` (starting its ffmpeg on the first one). */
  push(id: number, _seq: number, opus: Uint8Array): void {
    if (this.#failed || this.#closed) return;
    let voice = this.#voices.get(id);
    if (!voice) {
      const started = this.#spawn(id);
      if (!started) return;
      voice = started;
      this.#voices.set(id, voice);
    }
    this.#write(voice, voice.ogg.packet(opus));
  }

  #spawn(id: number): Voice | null {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(this.#ffmpeg, {
        args: playbackArgs(this.#out, `pc3-${id}`),
        stdin: "piped",
        stdout: "null",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      this.#fail(e instanceof Error ? e.message : String(e));
      return null;
    }
    const voice: Voice = {
      child,
      writer: child.stdin.getWriter(),
      ogg: new OggOpusWriter({ serial: id }),
      queued: 0,
    };
    this.#write(voice, voice.ogg.header());
    const exit = this.#watch(id, voice);
    this.#exits.add(exit);
    exit.finally(() => this.#exits.delete(exit));
    return voice;
  }

  async #watch(id: number, voice: Voice): Promise<void> {
    let stderr = "";
    const decoder = new TextDecoder();
    try {
      for await (const chunk of voice.child.stderr) {
        stderr = (stderr + decoder.decode(chunk, { stream: true })).slice(-4096);
      }
    } catch { /* killed */ }
    const status = await voice.child.status;
    if (this.#voices.get(id) === voice) this.#voices.delete(id);
    if (!status.success && !this.#closed) this.#fail(lastErrorLine(stderr));
  }

  #write(voice: Voice, bytes: Uint8Array): void {
    if (voice.queued + bytes.length > MAX_QUEUED) return; // ffmpeg lags: drop, never pile up
    voice.queued += bytes.length;
    voice.writer.write(bytes).then(
      () => voice.queued -= bytes.length,
      () => voice.queued -= bytes.length,
    );
  }

  #fail(detail: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#o.log(this.#t("audio_output_failed", { detail }));
    for (const v of this.#voices.values()) this.#stop(v);
  }

  #stop(voice: Voice): void {
    voice.writer.close().catch(() => {});
    try {
      voice.child.kill("SIGTERM");
    } catch { /* gone */ }
  }

  /** Stops the voices of speakers not in `ids`. */
  retain(ids: Set<number>): void {
    for (const [id, voice] of this.#voices) {
      if (!ids.has(id)) {
        this.#voices.delete(id);
        this.#stop(voice);
      }
    }
  }

  /** Whether the output failed (the user was told). */
  get failed(): boolean {
    return this.#failed;
  }

  /** Stops every ffmpeg and waits for them; safe twice. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const v of this.#voices.values()) this.#stop(v);
    this.#voices.clear();
    await Promise.all([...this.#exits]);
  }
}
