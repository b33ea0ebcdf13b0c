/**
 * Starting the capture of a call: find ffmpeg, pick the camera, start
 * {@link VideoCapture}, and turn every way that can fail (no ffmpeg, no
 * camera, camera busy, ffmpeg stopping) into one user-facing line. A failed
 * capture never ends the call: the user goes on watching the others.
 *
 * @module
 */
import { translator } from "../protocol/i18n.ts";
import { MAX_PAYLOAD } from "../protocol/media_packet.ts";
import { FfmpegNotFoundError, findFfmpeg } from "./ffmpeg_path.ts";
import { CaptureError, defaultCamera, listCameraDevices, VideoCapture } from "./video_capture.ts";
import { listMicDevices } from "./audio_capture.ts";
import { clientText } from "../client/text.ts";

/** The translator of the video texts. */
export type VideoTranslator = ReturnType<typeof translator<typeof clientText>>;

/** What {@link startCallCapture} needs. */
export interface CallCaptureOptions {
  source: "camera" | "test" | "none";
  /** The camera the user named, if any. */
  camera?: string;
  width: number;
  height: number;
  fps: number;
  t: VideoTranslator;
  /** One user-facing line (already translated). */
  log(line: string): void;
  /** Whether the call closed meanwhile (then nothing is started). */
  closed(): boolean;
  /** One whole JPEG from ffmpeg. */
  onFrame(jpeg: Uint8Array): void;
  /** The capture failed to start or stopped; `camera` is the one that was opened. */
  onError(e: CaptureError, camera: string | undefined): void;
}

/**
 * Starts capturing as `o.source` says; resolves null (after telling the user
 * why) when the call goes on without sending video.
 */
export async function startCallCapture(o: CallCaptureOptions): Promise<VideoCapture | null> {
  if (o.source === "none") {
    o.log(o.t("watching_only"));
    return null;
  }
  let ffmpeg: string;
  try {
    ffmpeg = (await findFfmpeg()).path;
  } catch (e) {
    const detail = e instanceof FfmpegNotFoundError ? e.tried.join(", ") : String(e);
    o.log(o.t("no_ffmpeg", { detail }));
    return null;
  }
  if (o.closed()) return null;
  let camera = o.camera;
  if (o.source === "camera" && !camera && Deno.build.os === "windows") {
    camera = (await listCameraDevices(ffmpeg).catch(() => []))[0];
    if (!camera) {
      o.log(o.t("no_camera", { camera: "-" }));
      return null;
    }
  }
  try {
    return VideoCapture.start({
      ffmpeg,
      source: o.source,
      camera,
      width: o.width,
      height: o.height,
      fps: o.fps,
      maxFrame: MAX_PAYLOAD,
      onFrame: o.onFrame,
      onOversized: (q) => o.log(o.t("oversized", { q })),
      onError: (e) => o.onError(e, camera),
    });
  } catch (e) {
    o.onError(e instanceof CaptureError ? e : new CaptureError("failed", String(e)), camera);
    return null;
  }
}

/** The line telling the user why the capture failed (`camera`: the one opened, or the default). */
export function captureFailureLine(
  t: VideoTranslator,
  e: CaptureError,
  camera: string | undefined,
): string {
  const cam = camera || defaultCamera(Deno.build.os) || "-";
  if (e.kind === "no_camera") return t("no_camera", { camera: cam });
  if (e.kind === "camera_busy") return t("camera_busy", { camera: cam });
  return t("capture_failed", { detail: e.detail });
}

/** Names of the cameras ffmpeg can open on this machine (for --list-cameras). */
export async function listCameras(): Promise<string[]> {
  let ffmpeg: string | undefined;
  try {
    ffmpeg = (await findFfmpeg()).path;
  } catch {
    ffmpeg = undefined;
  }
  return await listCameraDevices(ffmpeg);
}

/** Names of the microphones ffmpeg can open on this machine, as `--mic` takes them (for --list-mics). */
export async function listMics(): Promise<string[]> {
  let ffmpeg: string | undefined;
  try {
    ffmpeg = (await findFfmpeg()).path;
  } catch {
    ffmpeg = undefined;
  }
  return await listMicDevices(ffmpeg);
}
