/**
 * Call media in the client: captures video with ffmpeg, sends each JPEG to
 * the relay as one UDP datagram (PROTOCOL.md section 5), receives the other
 * participants' frames and shows them in the browser window or the terminal
 * pane, with per-participant statistics for `/call stats`.
 *
 * This module ties the parts together: {@link MediaLink} (UDP and
 * registration), {@link PeerStats} and {@link SendStats} (bookkeeping),
 * {@link CallViews} (window or pane) and {@link startCallCapture} (ffmpeg).
 * Capture problems (no ffmpeg, no camera, camera busy) are told to the user
 * and the call goes on watching only.
 *
 * Views never keep a frozen picture: a member that leaves (setMembers) loses
 * its tile at once, and one silent for `STALE_MS` (call_stats.ts) shows "sin vídeo".
 * Time comes from an injected {@link Clock} (the real one by default).
 *
 * @module
 */
import type { Lang } from "../protocol/i18n.ts";
import { translator } from "../protocol/i18n.ts";
import { captureFailureLine, startCallCapture, type VideoTranslator } from "./call_capture.ts";
import { fpsOf, PeerStats, SendStats } from "./call_stats.ts";
import { type CallMember, type CallScene, CallViews, othersOf } from "./call_views.ts";
import { type Clock, systemClock, type TimerId } from "../protocol/clock.ts";
import type { SafeText } from "../protocol/safe_text.ts";
import { MediaLink } from "./media_link.ts";
import { type AudioMember, CallAudio } from "./audio_call.ts";
import type { AudioSource } from "./audio_capture.ts";
import type { CaptureError, VideoCapture } from "./video_capture.ts";
import { clientText } from "../client/text.ts";
import type { VideoCodec } from "../protocol/call_codecs.ts";
import { findFfmpeg } from "./ffmpeg_path.ts";
import { VideoSender } from "./h264_send.ts";

export type { CallMember } from "./call_views.ts";

/** Options of {@link CallMedia.start}. */
export interface CallMediaOptions {
  host: string;
  mediaPort: number;
  token: string;
  clientId: number;
  source: "camera" | "test" | "none";
  camera?: string;
  view: "window" | "terminal" | "none";
  width: number;
  height: number;
  fps: number;
  lang: Lang;
  /** One user-facing line (already translated). */
  log(line: string): void;
  /** The user closed the window / pressed q: the client sends call stop. */
  onLeave(): void;
  /** Terminal view: lines to draw in a pane above the chat; null clears it. */
  paint?(lines: readonly SafeText[] | null): void;
  paneSize?(): { columns: number; rows: number };
  /** Time and timers (default the real ones; tests pass a fake clock). */
  clock?: Clock;
  /** Where the sound comes from (default none); see lib/media/audio_call.ts. */
  audioSource?: AudioSource;
  /** The microphone (`--mic`). */
  mic?: string;
  /** Our microphone was muted or unmuted (tell the server). */
  onMuteChange?(muted: boolean): void;
  /** The codecs we offered in `call start` (default `["mjpeg"]`). */
  offer?: readonly VideoCodec[];
  /** The call's `send` list when we joined (default `["mjpeg"]`); later ones via `setSend`. */
  send?: readonly VideoCodec[];
  /** Asks the sender with media id `clientId` for a keyframe (the chat connection). */
  requestKeyframe?(clientId: number): void;
}

/** How often registration, keepalives and stale pictures are checked (ms). */
const TICK_MS = 250;

/** A running call media session; see the module docs. */
export class CallMedia {
  #o: CallMediaOptions;
  #t: VideoTranslator;
  #clock: Clock;
  #link!: MediaLink;
  #peers = new PeerStats();
  #sent = new SendStats();
  #capture: VideoCapture | null = null;
  #captureSource: "camera" | "test" | "none" = "none";
  #selfJpeg: Uint8Array | null = null;
  #members: CallMember[] = [];
  #views: CallViews | null = null;
  #timer: TimerId;
  #closing: Promise<void> | null = null;
  #closed = false;
  #audio: CallAudio;
  #video: VideoSender;

  private constructor(options: CallMediaOptions) {
    this.#o = options;
    this.#t = translator(clientText, options.lang);
    this.#clock = options.clock ?? systemClock;
    this.#audio = new CallAudio({
      source: options.audioSource ?? "none",
      mic: options.mic,
      clientId: options.clientId,
      view: options.view,
      lang: options.lang,
      clock: this.#clock,
      log: options.log,
      send: (opus) => this.#link.sendAudio(opus),
      onMuteChange: options.onMuteChange,
    });
    this.#video = new VideoSender({
      offer: options.offer ?? ["mjpeg"],
      width: options.width,
      height: options.height,
      fps: options.fps,
      ffmpeg: () => findFfmpeg().then((f) => f.path, () => null),
      sendJpeg: (jpeg) => this.#link.sendVideo(jpeg),
      sendH264: (payload) => this.#link.sendH264(payload),
      onH264Failed: (detail) => options.log(this.#t("h264_failed", { detail })),
    });
    this.#video.setSend(options.send ?? ["mjpeg"]);
  }

  /**
   * Opens the UDP socket, registers with the relay, starts capture and the
   * view. Throws only when the socket cannot be opened; capture problems are
   * logged and the call goes on watching only.
   */
  static async start(options: CallMediaOptions): Promise<CallMedia> {
    const media = new CallMedia(options);
    await media.#openLink();
    media.#timer = media.#clock.setInterval(() => media.#tick(), TICK_MS);
    try {
      media.#views = await CallViews.open({
        ...options,
        clock: media.#clock,
        onLeave: () => media.#leaveFromView(),
        log: (line) => options.log(line),
        page: options.view === "window" ? media.#audio.pageHooks() : undefined,
        onKeyframe: (id) => options.requestKeyframe?.(id),
      });
      const views = media.#views;
      if (views.hasWindow) media.#audio.attachPage((data) => views.toPage(data));
      await media.#startCapture();
      await media.#audio.start();
    } catch (e) {
      await media.close();
      throw e;
    }
    media.#refreshViews();
    return media;
  }

  async #openLink(): Promise<void> {
    const o = this.#o;
    const where = { host: o.host, port: o.mediaPort };
    try {
      this.#link = await MediaLink.open({
        host: o.host,
        mediaPort: o.mediaPort,
        token: o.token,
        clientId: o.clientId,
        clock: this.#clock,
        onRegistered: () => o.log(this.#t("relay_ok", where)),
        onWaiting: () => o.log(this.#t("relay_waiting", where)),
        onVideo: (id, seq, jpeg) => this.#onRemoteFrame(id, seq, jpeg),
        onAudio: (id, seq, ts, opus) => this.#onRemoteAudio(id, seq, ts, opus),
        onH264: (id, seq, payload) => this.#onRemoteH264(id, seq, payload),
      });
    } catch (e) {
      throw new Error(
        this.#t("socket_failed", { detail: e instanceof Error ? e.message : String(e) }),
      );
    }
  }

  #leaveFromView(): void {
    if (this.#closed) return;
    try {
      this.#o.onLeave();
    } catch { /* the caller's problem */ }
  }

  async #startCapture(): Promise<void> {
    const o = this.#o;
    const capture = await startCallCapture({
      source: o.source,
      camera: o.camera,
      width: o.width,
      height: o.height,
      fps: o.fps,
      t: this.#t,
      log: o.log,
      closed: () => this.#closed,
      onFrame: (jpeg) => this.#onCaptured(jpeg),
      onError: (e, camera) => this.#onCaptureError(e, camera),
    });
    if (capture === null) return;
    if (this.#closed) {
      await capture.stop();
      return;
    }
    this.#capture = capture;
    this.#captureSource = o.source;
  }

  #onCaptureError(e: CaptureError, camera: string | undefined): void {
    if (this.#closed) return;
    this.#captureSource = "none";
    this.#selfJpeg = null;
    this.#o.log(captureFailureLine(this.#t, e, camera));
    this.#refreshViews();
  }

  #onCaptured(jpeg: Uint8Array): void {
    if (this.#closed) return;
    const hadSelf = this.#selfJpeg !== null;
    this.#selfJpeg = jpeg;
    this.#views?.frame(this.#o.clientId, jpeg);
    if (!hadSelf) this.#refreshViews();
    else this.#views?.updatePane(this.#scene());
    if (this.#video.frame(jpeg)) this.#sent.record(this.#clock.now());
  }

  /** The call's `send` list changed: the codecs sent from the next frame on. */
  setSend(send: readonly VideoCodec[]): void {
    this.#video.setSend(send);
  }

  /** A member joined or asked: our next H.264 frame is a keyframe. */
  sendKeyframe(): void {
    this.#video.keyframe();
  }

  #tick(): void {
    if (this.#closed) return;
    this.#link.tick();
    const now = this.#clock.now();
    const changed = this.#peers.expire(now);
    this.#sent.expire(now);
    if (changed) this.#refreshViews();
  }

  #onRemoteFrame(id: number, seq: number, jpeg: Uint8Array): void {
    if (id === this.#o.clientId) return;
    // Only members get state: a misbehaving relay cannot make us keep frames of made-up ids.
    if (!this.#members.some((m) => m.clientId === id)) {
      this.#link.countBad();
      return;
    }
    const hadNone = this.#peers.record(id, seq, jpeg, this.#clock.now());
    this.#views?.frame(id, jpeg);
    if (hadNone) this.#refreshViews();
    else this.#views?.updatePane(this.#scene());
  }

  /** An H.264 frame of a member: counted like a picture, decoded by the window's page. */
  #onRemoteH264(id: number, seq: number, payload: Uint8Array): void {
    if (id === this.#o.clientId) return;
    if (!this.#members.some((m) => m.clientId === id)) {
      this.#link.countBad();
      return;
    }
    // The peer's "picture" is the last access unit: only its presence counts for the tiles.
    const hadNone = this.#peers.record(id, seq, payload, this.#clock.now());
    if (hadNone) this.#refreshViews();
    this.#views?.h264(id, seq, payload);
  }

  #onRemoteAudio(id: number, seq: number, ts: number, opus: Uint8Array): void {
    if (id === this.#o.clientId) return;
    if (!this.#members.some((m) => m.clientId === id)) {
      this.#link.countBad();
      return;
    }
    this.#audio.receive(id, seq, ts, opus);
  }

  /** Mutes or unmutes our microphone (`/mute`, `/unmute`); false when nothing changed. */
  setMuted(muted: boolean): boolean {
    return this.#audio.setMuted(muted);
  }

  /** Replaces the member list; absent members vanish from the views at once. */
  setMembers(members: (CallMember & Pick<AudioMember, "muted">)[]): void {
    if (this.#closed) return;
    this.#audio.setMembers(members);
    this.#members = members.map((m) => ({ name: m.name, clientId: m.clientId }));
    this.#peers.retain(new Set(this.#members.map((m) => m.clientId)));
    this.#refreshViews();
  }

  #scene(): CallScene {
    return {
      members: this.#members,
      selfId: this.#o.clientId,
      showSelf: this.#captureSource !== "none",
      selfJpeg: this.#selfJpeg,
      jpegOf: (id) => this.#peers.jpeg(id),
    };
  }

  #refreshViews(): void {
    if (this.#closed) return;
    this.#views?.refresh(this.#scene());
  }

  /** Translated lines for /call stats. */
  statsLines(): string[] {
    const t = this.#t;
    const now = this.#clock.now();
    const lines = [
      t("stats_header", {
        fps: this.#sent.fps(now).toFixed(1),
        sent: this.#sent.sent,
        oversized: this.#capture?.stats.oversized ?? 0,
        busy: this.#link.dropped,
        source: t(`source_${this.#captureSource}`),
      }),
      t("stats_relay", {
        host: this.#o.host,
        port: this.#o.mediaPort,
        state: t(this.#link.registered ? "relay_state_ok" : "relay_state_wait"),
      }),
      t("stats_codecs", {
        codecs: this.#video.codecs.map((c) => c === "h264" ? "H.264" : "MJPEG").join(" + "),
        ...this.#video.stats,
      }),
    ];
    const others = othersOf(this.#members, this.#o.clientId);
    if (others.length === 0) lines.push(t("stats_nobody"));
    for (const { member, id } of others) {
      const peer = this.#peers.get(id);
      if (!peer || peer.frames === 0) {
        lines.push(t("stats_member_none", { name: member.name }));
        continue;
      }
      const { frames, lost, late } = peer;
      const fps = fpsOf(peer.times, now).toFixed(1);
      lines.push(t("stats_member", { name: member.name, fps, frames, lost, late }));
    }
    lines.push(...this.#audio.statsLines());
    return lines;
  }

  /** Whether the relay acknowledged our register. */
  get registered(): boolean {
    return this.#link.registered;
  }

  /** Counters for tests and diagnostics. */
  get counters(): { sent: number; received: number; badDatagrams: number } {
    return {
      sent: this.#sent.sent,
      received: this.#peers.received,
      badDatagrams: this.#link.badDatagrams,
    };
  }

  /** Stops ffmpeg, the socket and the views; safe twice. */
  close(): Promise<void> {
    if (!this.#closing) this.#closing = this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#clock.clearInterval(this.#timer);
    this.#timer = undefined;
    const capture = this.#capture;
    this.#capture = null;
    await this.#link?.bye();
    this.#closed = true;
    await this.#audio.close();
    await capture?.stop();
    await this.#video.stop();
    await this.#views?.close();
    this.#views = null;
    await this.#link?.close();
  }
}
