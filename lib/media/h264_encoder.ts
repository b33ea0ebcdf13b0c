/**
 * H.264 for calls between PC3 clients (issue 10): an ffmpeg process that
 * takes the capture's JPEG frames on stdin and gives one H.264 access unit
 * per frame (libx264, ultrafast, zerolatency, baseline, a keyframe at least
 * every 2 s), read with {@link FlvH264Reader}.
 *
 * Why JPEG in: the capture (lib/media/video_capture.ts) already produces
 * JPEG, which the MJPEG receivers need anyway, so a sender that must send
 * both codecs runs one capture and this encoder on its frames; nothing about
 * opening cameras changes, and a camera is never opened twice.
 *
 * A keyframe on request ({@link H264Encoder.keyframe}): ffmpeg cannot be told
 * to make one while it runs, so a fresh encoder (whose first frame is a
 * keyframe) is started beside the running one and gets the same frames; the
 * running one keeps the video going until the fresh one's first frame, then
 * it is retired. At most one such restart per {@link MIN_RESTART_MS}; a
 * request arriving sooner is honoured when that time has passed.
 *
 * @module
 */
import { type Clock, systemClock } from "../protocol/clock.ts";
import { type AccessUnit, FlvH264Reader } from "./h264_flv.ts";

/** Shortest time between two encoder restarts for keyframe requests (ms). */
export const MIN_RESTART_MS = 500;
/** Keyframe interval in seconds (the periodic one; requests come on top). */
export const KEYFRAME_SECONDS = 2;

/** What {@link h264EncoderArgs} needs. */
export interface H264Spec {
  width: number;
  height: number;
  fps: number;
}

/**
 * The bit rate cap in kbit/s for a size and frame rate: about 0.2 bits per
 * pixel per frame, at least 150; the VBV buffer is kept under ~45 KB so a
 * keyframe fits in one datagram.
 */
export function h264Rate(spec: H264Spec): { maxrate: number; bufsize: number } {
  const maxrate = Math.max(150, Math.round(spec.width * spec.height * spec.fps * 0.2 / 1000));
  return { maxrate, bufsize: Math.min(2 * maxrate, 360) };
}

/** ffmpeg arguments of the encoder: JPEG frames on stdin, FLV-wrapped H.264 on stdout (pure). */
export function h264EncoderArgs(spec: H264Spec): string[] {
  const { maxrate, bufsize } = h264Rate(spec);
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    "-probesize",
    "32",
    "-analyzeduration",
    "0",
    "-fflags",
    "nobuffer",
    "-f",
    "mjpeg",
    "-framerate",
    String(spec.fps),
    "-i",
    "pipe:0",
    "-an",
    "-vf",
    `scale=${spec.width}:${spec.height}`,
    "-pix_fmt",
    "yuv420p",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-tune",
    "zerolatency",
    "-profile:v",
    "baseline",
    "-g",
    String(Math.max(1, Math.round(spec.fps * KEYFRAME_SECONDS))),
    "-maxrate",
    `${maxrate}k`,
    "-bufsize",
    `${bufsize}k`,
    "-f",
    "flv",
    "-flush_packets",
    "1",
    "pipe:1",
  ];
}

/** Options of {@link H264Encoder.start}. */
export interface H264EncoderOptions extends H264Spec {
  ffmpeg: string;
  /** Largest access unit handed on (bytes); bigger ones are dropped and counted. */
  maxFrame: number;
  /** One encoded frame. */
  onUnit(unit: AccessUnit): void;
  /** The encoder stopped on its own (e.g. no libx264): the last ffmpeg error line. */
  onError?(detail: string): void;
  /** Time of the restart limit (default the system clock). */
  clock?: Clock;
}

/** Counters of an {@link H264Encoder}. */
export interface H264Stats {
  /** Frames given to ffmpeg. */
  input: number;
  /** Frames not given because ffmpeg was still busy with the previous one. */
  busy: number;
  /** Access units handed on. */
  output: number;
  /** Access units dropped for their size. */
  oversized: number;
  /** Encoder restarts for keyframe requests. */
  restarts: number;
}

interface Encoder {
  child: Deno.ChildProcess;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  retired: boolean;
  writing: boolean;
  done: Promise<void>;
}

const STDERR_KEEP = 2048;

/** See the module docs. */
export class H264Encoder {
  readonly #o: H264EncoderOptions;
  readonly #clock: Clock;
  #current: Encoder | null = null;
  /** A fresh encoder started for a keyframe, until its first frame. */
  #next: Encoder | null = null;
  #all = new Set<Encoder>();
  #stopped = false;
  #lastRestart = -Infinity;
  #pendingKeyframe = false;
  #stats: H264Stats = { input: 0, busy: 0, output: 0, oversized: 0, restarts: 0 };

  private constructor(options: H264EncoderOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Spawns the first encoder; throws when ffmpeg cannot be spawned at all. */
  static start(options: H264EncoderOptions): H264Encoder {
    const e = new H264Encoder(options);
    e.#current = e.#spawn();
    e.#lastRestart = e.#clock.now();
    return e;
  }

  /** Counters so far (a copy). */
  get stats(): H264Stats {
    return { ...this.#stats };
  }

  /** Encodes one JPEG frame (dropped, counted, while the previous is still being written). */
  push(jpeg: Uint8Array): void {
    if (this.#stopped) return;
    if (this.#pendingKeyframe && this.#clock.now() - this.#lastRestart >= MIN_RESTART_MS) {
      this.#restart();
    }
    const enc = this.#current;
    if (enc !== null && enc.writing) {
      this.#stats.busy++;
      return;
    }
    if (enc !== null || this.#next !== null) this.#stats.input++;
    for (const e of [enc, this.#next]) {
      if (e === null || e.writing) continue;
      e.writing = true;
      e.writer.write(jpeg).then(
        () => (e.writing = false),
        () => (e.writing = false),
      );
    }
  }

  /** Makes the next frame a keyframe (see the module docs for the restart limit). */
  keyframe(): void {
    if (this.#stopped) return;
    this.#pendingKeyframe = true;
    if (this.#clock.now() - this.#lastRestart >= MIN_RESTART_MS) this.#restart();
  }

  /** Stops every encoder and waits for them; safe twice. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const enc of this.#all) this.#retire(enc);
    await Promise.all([...this.#all].map((enc) => enc.done));
  }

  #restart(): void {
    this.#pendingKeyframe = false;
    this.#lastRestart = this.#clock.now();
    if (this.#next !== null) this.#retire(this.#next);
    this.#next = null;
    try {
      const fresh = this.#spawn();
      if (this.#current === null) this.#current = fresh;
      else this.#next = fresh;
    } catch (e) {
      this.#o.onError?.(e instanceof Error ? e.message : String(e));
    }
    this.#stats.restarts++;
  }

  /** The fresh encoder gave its first frame (a keyframe): it takes over. */
  #promote(enc: Encoder): void {
    if (this.#next !== enc) return;
    this.#next = null;
    if (this.#current !== null) this.#retire(this.#current);
    this.#current = enc;
  }

  #retire(enc: Encoder): void {
    enc.retired = true;
    enc.writer.close().catch(() => {});
    try {
      enc.child.kill("SIGKILL");
    } catch { /* already gone */ }
  }

  #spawn(): Encoder {
    const child = new Deno.Command(this.#o.ffmpeg, {
      args: h264EncoderArgs(this.#o),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const enc: Encoder = {
      child,
      writer: child.stdin.getWriter(),
      retired: false,
      writing: false,
      done: Promise.resolve(),
    };
    enc.done = this.#run(enc);
    this.#all.add(enc);
    return enc;
  }

  async #run(enc: Encoder): Promise<void> {
    let stderr = "";
    const errors = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of enc.child.stderr) {
        stderr = (stderr + decoder.decode(chunk, { stream: true })).slice(-STDERR_KEEP);
      }
    })();
    const reader = new FlvH264Reader({ maxFrame: this.#o.maxFrame });
    try {
      for await (const chunk of enc.child.stdout) {
        for (const unit of reader.push(chunk)) {
          this.#promote(enc);
          if (enc.retired || enc !== this.#current) continue;
          this.#stats.output++;
          try {
            this.#o.onUnit(unit);
          } catch { /* a consumer bug must not stop the encoder */ }
        }
      }
    } catch { /* the process was killed */ }
    this.#stats.oversized += reader.stats.oversized;
    await errors.catch(() => {});
    await enc.child.status;
    this.#all.delete(enc);
    if (!enc.retired && !this.#stopped) {
      const line = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).at(-1);
      if (this.#current === enc) this.#current = null;
      if (this.#next === enc) this.#next = null;
      this.#o.onError?.(line ?? "ffmpeg exited");
    }
  }
}
