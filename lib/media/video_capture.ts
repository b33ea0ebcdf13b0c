/**
 * Video capture with ffmpeg: spawns it producing MJPEG on stdout and hands
 * whole JPEG frames to a callback, one at a time.
 *
 * Inputs per platform: dshow on Windows (`-f dshow -i video=<name>`), v4l2 on
 * Linux (`/dev/video0`), avfoundation on macOS (`-i 0`); the `test` source is
 * ffmpeg's own `testsrc` pattern (real time with `-re`), so calls can be tried
 * and tested without a camera.
 *
 * A frame that does not fit in one datagram is dropped and counted, and
 * ffmpeg is restarted with a lower JPEG quality; the loop never dies for it.
 * When ffmpeg stops on its own, its stderr says why (no camera, camera busy)
 * and {@link CaptureError} carries that to the caller.
 *
 * Argument building and output parsing are pure functions, tested with
 * sample outputs of each platform.
 *
 * @module
 */
import { MjpegSplitter } from "./mjpeg.ts";
import { listFfmpegDevices } from "./devices.ts";

/** Why a capture could not start or stopped. */
export type CaptureFailure = "no_camera" | "camera_busy" | "failed";

/** A capture failure with the last ffmpeg error line as detail. */
export class CaptureError extends Error {
  override name = "CaptureError";
  readonly kind: CaptureFailure;
  readonly detail: string;
  constructor(kind: CaptureFailure, detail: string) {
    super(`Video capture failed: ${kind}: ${detail}`);
    this.kind = kind;
    this.detail = detail;
  }
}

/** What {@link captureArgs} needs. */
export interface CaptureSpec {
  source: "camera" | "test";
  /** Camera name (dshow), device or index (v4l2: `/dev/video1` or `1`), index or name (avfoundation). */
  camera?: string;
  width: number;
  height: number;
  fps: number;
  /** MJPEG quantiser, 2 (best) to 31 (smallest); 5 is about JPEG quality 70-75. */
  qscale: number;
  /** `Deno.build.os` value. */
  os: string;
}

/** Default quantiser: about JPEG quality 70-75. */
export const DEFAULT_QSCALE = 5;

/** Largest quantiser ffmpeg's MJPEG encoder accepts. */
export const MAX_QSCALE = 31;

/** The camera opened when none is named: the first one of the platform. */
export function defaultCamera(os: string): string {
  if (os === "linux") return "/dev/video0";
  if (os === "darwin") return "0";
  return "";
}

/** ffmpeg arguments for a capture (pure). */
export function captureArgs(spec: CaptureSpec): string[] {
  const { width, height, fps } = spec;
  const input: string[] = [];
  if (spec.source === "test") {
    input.push("-re", "-f", "lavfi", "-i", `testsrc=size=${width}x${height}:rate=${fps}`);
  } else if (spec.os === "windows") {
    input.push("-f", "dshow", "-rtbufsize", "32M", "-i", `video=${spec.camera ?? ""}`);
  } else if (spec.os === "darwin") {
    input.push("-f", "avfoundation", "-framerate", "30", "-i", spec.camera || "0");
  } else {
    const cam = spec.camera || defaultCamera("linux");
    input.push("-f", "v4l2", "-i", /^\d+$/.test(cam) ? `/dev/video${cam}` : cam);
  }
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    ...input,
    "-an",
    "-vf",
    `scale=${width}:${height},fps=${fps}`,
    "-pix_fmt",
    "yuvj420p",
    "-c:v",
    "mjpeg",
    "-q:v",
    String(spec.qscale),
    "-f",
    "mjpeg",
    "pipe:1",
  ];
}

/** Sorts ffmpeg's error output into the cases a user can act on (pure). */
export function classifyCaptureFailure(stderr: string): CaptureFailure {
  if (
    /busy|Could not run graph|in use|already used|Failed to create AV capture input|0x800705aa/i
      .test(stderr)
  ) {
    return "camera_busy";
  }
  if (
    /No such file or directory|Could not find video device|Could not enumerate video devices|device not found|out of range|No such device|Cannot open video device|Failed to open video device/i
      .test(stderr)
  ) {
    return "no_camera";
  }
  return "failed";
}

/** The last meaningful line of ffmpeg's stderr, for messages. */
export function lastErrorLine(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  return (lines.at(-1) ?? "ffmpeg exited").slice(0, 300);
}

/** `/dev/video*` device names of a listing, in numeric order (pure). */
export function pickV4l2Devices(entries: string[]): string[] {
  return entries
    .filter((e) => /^video\d+$/.test(e))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
    .map((e) => `/dev/${e}`);
}

/** Lists the cameras of this machine (ffmpeg is needed on Windows and macOS). */
export async function listCameraDevices(
  ffmpeg: string | undefined,
  os: string = Deno.build.os,
): Promise<string[]> {
  if (os === "linux") {
    try {
      return pickV4l2Devices([...Deno.readDirSync("/dev")].map((e) => e.name));
    } catch {
      return [];
    }
  }
  if (!ffmpeg) return [];
  return await listFfmpegDevices(ffmpeg, os, "video");
}

/** Options of {@link VideoCapture.start}. */
export interface CaptureOptions {
  ffmpeg: string;
  source: "camera" | "test";
  camera?: string;
  width: number;
  height: number;
  fps: number;
  /** Largest frame sent; bigger ones are dropped and lower the quality. */
  maxFrame: number;
  /** Starting quantiser (default {@link DEFAULT_QSCALE}). */
  qscale?: number;
  os?: string;
  /** Receives each whole JPEG (a fresh copy). */
  onFrame(jpeg: Uint8Array): void;
  /** A frame was too large; the capture restarts with quantiser `qscale`. */
  onOversized?(qscale: number): void;
  /** ffmpeg stopped on its own; the capture is over. */
  onError(error: CaptureError): void;
}

/** Counters of a capture. */
export interface CaptureStats {
  frames: number;
  oversized: number;
  qscale: number;
  restarts: number;
}

const STDERR_KEEP = 4096;
const READ_BUFFER = 256 * 1024;

/** A running ffmpeg capture; see the module docs. */
export class VideoCapture {
  #options: CaptureOptions;
  #qscale: number;
  #child: Deno.ChildProcess | undefined;
  #stopped = false;
  #running: Promise<void> = Promise.resolve();
  #stats: CaptureStats;

  private constructor(options: CaptureOptions) {
    this.#options = options;
    this.#qscale = options.qscale ?? DEFAULT_QSCALE;
    this.#stats = { frames: 0, oversized: 0, qscale: this.#qscale, restarts: 0 };
  }

  /** Spawns ffmpeg. Throws a {@link CaptureError} when the program cannot be spawned at all. */
  static start(options: CaptureOptions): VideoCapture {
    const capture = new VideoCapture(options);
    capture.#spawn();
    return capture;
  }

  /** Counters so far (a copy). */
  get stats(): CaptureStats {
    return { ...this.#stats };
  }

  #spawn(): void {
    const o = this.#options;
    const args = captureArgs({
      source: o.source,
      camera: o.camera,
      width: o.width,
      height: o.height,
      fps: o.fps,
      qscale: this.#qscale,
      os: o.os ?? Deno.build.os,
    });
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(o.ffmpeg, { args, stdin: "null", stdout: "piped", stderr: "piped" })
        .spawn();
    } catch (e) {
      throw new CaptureError("failed", e instanceof Error ? e.message : String(e));
    }
    this.#child = child;
    this.#running = this.#run(child);
  }

  async #run(child: Deno.ChildProcess): Promise<void> {
    const splitter = new MjpegSplitter({ maxFrame: this.#options.maxFrame });
    let stderr = "";
    let produced = 0;
    let restart = false;
    const errors = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) {
        stderr = (stderr + decoder.decode(chunk, { stream: true })).slice(-STDERR_KEEP);
      }
    })();
    const reader = child.stdout.getReader({ mode: "byob" });
    let buffer = new ArrayBuffer(READ_BUFFER);
    try {
      while (true) {
        const { value, done } = await reader.read(new Uint8Array(buffer));
        if (done || !value) break;
        buffer = value.buffer as ArrayBuffer;
        let frames: Uint8Array[];
        const before = splitter.stats.oversized;
        frames = splitter.push(value);
        for (const frame of frames) {
          produced++;
          this.#stats.frames++;
          if (this.#stopped) break;
          try {
            this.#options.onFrame(frame);
          } catch { /* a consumer bug must not stop the capture */ }
        }
        frames = [];
        const over = splitter.stats.oversized - before;
        if (over > 0) {
          this.#stats.oversized += over;
          if (!restart && this.#qscale < MAX_QSCALE && !this.#stopped) {
            restart = true;
            this.#qscale = Math.min(MAX_QSCALE, this.#qscale + 4);
            this.#stats.qscale = this.#qscale;
            this.#options.onOversized?.(this.#qscale);
            try {
              child.kill("SIGTERM");
            } catch { /* already gone */ }
          }
        }
      }
    } catch {
      // Stream broke because the process was killed: fine.
    } finally {
      reader.releaseLock();
    }
    await errors.catch(() => {});
    await child.status;
    if (this.#stopped) return;
    if (restart) {
      this.#stats.restarts++;
      try {
        this.#spawn();
      } catch (e) {
        this.#options.onError(e as CaptureError);
      }
      return;
    }
    const kind = produced === 0 ? classifyCaptureFailure(stderr) : "failed";
    this.#options.onError(new CaptureError(kind, lastErrorLine(stderr)));
  }

  /** Stops ffmpeg and waits for it; safe twice. */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      try {
        this.#child?.kill("SIGTERM");
      } catch { /* already exited */ }
    }
    // A restart may have replaced #running while we waited.
    let current: Promise<void>;
    do {
      current = this.#running;
      await current.catch(() => {});
    } while (current !== this.#running);
  }
}
