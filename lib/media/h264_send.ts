/**
 * What a call sends of each captured frame (issue 10): the codecs of the
 * call's `send` list this client offered (lib/protocol/call_codecs.ts
 * `codecsToSend`) — the JPEG as a `video` datagram when MJPEG is needed, the
 * frame through the {@link H264Encoder} as `h264` datagrams when H.264 is
 * needed, both when both are. The encoder starts when H.264 is first needed
 * and stops when it no longer is; keyframe requests (a member joined, or
 * asked over the chat connection) go to it.
 *
 * When the encoder cannot run (no libx264 in this ffmpeg), the user is told
 * once and the call goes on with MJPEG only.
 *
 * @module
 */
import { codecsToSend, type VideoCodec } from "../protocol/call_codecs.ts";
import { encodeH264Payload, MAX_PAYLOAD } from "../protocol/media_packet.ts";
import { H264Encoder, type H264EncoderOptions } from "./h264_encoder.ts";

/** Options of {@link VideoSender}. */
export interface VideoSenderOptions {
  /** The codecs we offered in `call start`. */
  offer: readonly VideoCodec[];
  width: number;
  height: number;
  fps: number;
  /** The ffmpeg to encode with, or null when there is none. */
  ffmpeg(): Promise<string | null>;
  /** Sends one JPEG as a `video` datagram; false when nothing was sent. */
  sendJpeg(jpeg: Uint8Array): boolean;
  /** Sends one `h264` payload; false when nothing was sent. */
  sendH264(payload: Uint8Array): boolean;
  /** The encoder could not run: `detail` is ffmpeg's last line (told once). */
  onH264Failed(detail: string): void;
  /** Starts an encoder (default {@link H264Encoder.start}; tests pass a fake). */
  startEncoder?: (options: H264EncoderOptions) => Pick<H264Encoder, "push" | "keyframe" | "stop">;
}

/** Counters of a {@link VideoSender}. */
export interface VideoSenderStats {
  /** `video` datagrams handed to the link. */
  jpeg: number;
  /** `h264` datagrams handed to the link. */
  h264: number;
}

type Encoder = Pick<H264Encoder, "push" | "keyframe" | "stop">;

/** See the module docs. */
export class VideoSender {
  readonly #o: VideoSenderOptions;
  #send: readonly VideoCodec[] = ["mjpeg"];
  #encoder: Encoder | null = null;
  #starting: Promise<void> | null = null;
  #h264Failed = false;
  #stopped = false;
  #stats: VideoSenderStats = { jpeg: 0, h264: 0 };

  /** A sender that sends MJPEG until told the call's `send` list. */
  constructor(options: VideoSenderOptions) {
    this.#o = options;
  }

  /** Counters so far (a copy). */
  get stats(): VideoSenderStats {
    return { ...this.#stats };
  }

  /** The codecs sent for each frame now. */
  get codecs(): VideoCodec[] {
    const codecs = codecsToSend(this.#send, this.#o.offer);
    if (!this.#h264Failed) return codecs;
    const without = codecs.filter((c) => c !== "h264");
    return without.length > 0 ? without : ["mjpeg"];
  }

  /** The call's `send` list changed; an encoder no longer needed is stopped. */
  setSend(send: readonly VideoCodec[]): void {
    this.#send = [...send];
    if (!this.codecs.includes("h264") && this.#encoder !== null) {
      const encoder = this.#encoder;
      this.#encoder = null;
      void encoder.stop();
    }
  }

  /** Sends one captured frame in every codec needed; true when something was sent. */
  frame(jpeg: Uint8Array): boolean {
    if (this.#stopped) return false;
    let sent = false;
    const codecs = this.codecs;
    if (codecs.includes("mjpeg") && this.#o.sendJpeg(jpeg)) {
      this.#stats.jpeg++;
      sent = true;
    }
    if (codecs.includes("h264")) {
      if (this.#encoder !== null) this.#encoder.push(jpeg);
      else this.#starting ??= this.#startEncoder();
    }
    return sent;
  }

  /** The next H.264 frame is a keyframe (nothing when H.264 is not sent). */
  keyframe(): void {
    this.#encoder?.keyframe();
  }

  /** Stops the encoder; safe twice. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#starting;
    const encoder = this.#encoder;
    this.#encoder = null;
    await encoder?.stop();
  }

  async #startEncoder(): Promise<void> {
    const ffmpeg = await this.#o.ffmpeg();
    if (this.#stopped || !this.codecs.includes("h264")) {
      this.#starting = null;
      return;
    }
    if (ffmpeg === null) {
      this.#fail("ffmpeg");
      this.#starting = null;
      return;
    }
    const start = this.#o.startEncoder ?? ((o: H264EncoderOptions) => H264Encoder.start(o));
    try {
      this.#encoder = start({
        ffmpeg,
        width: this.#o.width,
        height: this.#o.height,
        fps: this.#o.fps,
        maxFrame: MAX_PAYLOAD - 1,
        onUnit: (unit) => {
          if (this.#stopped) return;
          if (this.#o.sendH264(encodeH264Payload(unit.bytes, unit.keyframe))) this.#stats.h264++;
        },
        onError: (detail) => this.#fail(detail),
      });
    } catch (e) {
      this.#fail(e instanceof Error ? e.message : String(e));
    }
    this.#starting = null;
  }

  #fail(detail: string): void {
    const encoder = this.#encoder;
    this.#encoder = null;
    void encoder?.stop();
    if (this.#h264Failed || this.#stopped) return;
    this.#h264Failed = true;
    this.#o.onH264Failed(detail);
  }
}
