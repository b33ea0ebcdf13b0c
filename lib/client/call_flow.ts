/**
 * The call as the chat client runs it: `/call` commands, the server's
 * `call_joined` and `call` frames, and the media session's lifetime. The state
 * lives in one {@link CallSession}; this module sends the signaling frames,
 * emits the events and starts and stops the media the state calls for.
 *
 * The media itself (UDP, camera, windows) is injected
 * ({@link CallFlowOptions.startMedia}), so tests drive a call without video.
 *
 * @module
 */

import type { VideoCodec } from "../protocol/call_codecs.ts";
import type { Lang } from "../protocol/i18n.ts";
import { DEFAULT_MEDIA_PORT } from "../protocol/limits.ts";
import type { CallPeer } from "../protocol/wire.ts";
import type { CallJoinedReply, CallNotice } from "../protocol/wire_chat.ts";
import { CallSession } from "./call_session.ts";
import type { EmitEvent } from "./events.ts";

/** What the client hands to the call media starter (lib/media/call_media.ts fills in the rest). */
export interface MediaParams {
  host: string;
  mediaPort: number;
  token: string;
  clientId: number;
  lang: Lang;
  log(line: string): void;
  onLeave(): void;
  /** Our microphone was muted or unmuted in the media (page, /mute): tell the server. */
  onMuteChange?(muted: boolean): void;
  /** The codecs we offered in `call start` (what we can send and receive). */
  offer: readonly VideoCodec[];
  /** The call's `send` list when we joined (later changes come through `setSend`). */
  send: readonly VideoCodec[];
  /** Asks the sender with media id `clientId` for a keyframe (over the chat connection). */
  requestKeyframe(clientId: number): void;
}

/** The part of lib/media/call_media.ts's CallMedia the client uses. */
export interface MediaSession {
  setMembers(members: CallPeer[]): void;
  statsLines(): string[];
  close(): Promise<void>;
  /** Mutes or unmutes our microphone; false when nothing changed. */
  setMuted?(muted: boolean): boolean;
  /** The call's `send` list changed: send those codecs from now on. */
  setSend?(send: readonly VideoCodec[]): void;
  /** A member asked us for a keyframe (or joined): send one soon. */
  sendKeyframe?(): void;
}

/** Starts the call media once `call_joined` arrives. */
export type StartMedia = (params: MediaParams) => Promise<MediaSession>;

/** What a {@link CallFlow} needs from the chat client. */
export interface CallFlowOptions {
  /** Server host, for the media socket. */
  host: string;
  lang: Lang;
  /** Our chat name: our own call events are reported by `call_joined` / `call_left`. */
  name: string;
  /** Media port given on the command line; wins over the server's. */
  mediaPort?: number;
  /** The welcome's media port, used when `call_joined` names none. */
  welcomeMediaPort: number | null;
  /** Without it, calls are signaling only. */
  startMedia?: StartMedia;
  /**
   * Sends a `call` frame to the chat server, with `fields` added (the codec
   * offer of `start`, the `client_id` of `keyframe`).
   */
  sendCall(
    action: "start" | "stop" | "mute" | "unmute" | "keyframe",
    fields?: Record<string, unknown>,
  ): void;
  /** The video codecs we can send and receive, in preference order (default `["mjpeg"]`). */
  videoOffer?: readonly VideoCodec[];
  emit: EmitEvent;
  /** Whether the chat session has ended (a media session that starts late is closed). */
  isClosed(): boolean;
}

/** One client's call: its state machine, members and media. */
export class CallFlow {
  #options: CallFlowOptions;
  #session = new CallSession();
  #members: CallPeer[] = [];
  #send: readonly VideoCodec[] = ["mjpeg"];
  #media: MediaSession | null = null;
  #mediaStarting: Promise<void> | null = null;

  constructor(options: CallFlowOptions) {
    this.#options = options;
  }

  /** Whether a call is joined or being joined. */
  get active(): boolean {
    return this.#session.active;
  }

  /** Runs `/call start`, `/call stop` or `/call stats`. */
  command(action: "start" | "stop" | "stats"): void {
    if (action === "start") this.#start();
    else if (action === "stop") this.#stop();
    else this.#stats();
  }

  /** Runs `/mute` or `/unmute`: the media mutes the microphone and tells the server. */
  mute(muted: boolean): void {
    const emit = this.#options.emit;
    if (!this.#session.active) emit({ type: "notice", key: "audio_not_in_call" });
    else if (this.#media === null) emit({ type: "notice", key: "callMediaStarting" });
    else this.#media.setMuted?.(muted);
  }

  /** Whether an error frame is noise to hide: `not_in_call` after our own stop crossed the server's. */
  hidesError(code: string): boolean {
    return code === "not_in_call" && this.#session.active;
  }

  /**
   * An error frame arrived: a refused `unmute` (`muted`: the teacher muted
   * us; `read_only`: a read-only room) closes our microphone again, so we
   * never send sound the room says we may not.
   */
  onError(code: string): void {
    if ((code === "muted" || code === "read_only") && this.#session.state === "in") {
      this.#media?.setMuted?.(true);
    }
  }

  #start(): void {
    if (!this.#session.apply("start")) {
      this.#options.emit({ type: "notice", key: "callAlready" });
      return;
    }
    this.#options.sendCall("start", { video: [...this.#offer()] });
  }

  #offer(): readonly VideoCodec[] {
    return this.#options.videoOffer ?? ["mjpeg"];
  }

  #stop(): void {
    if (!this.#session.can("leave")) {
      this.#options.emit({ type: "notice", key: "callNotIn" });
      return;
    }
    this.#leave("left");
  }

  #leave(reason: "left" | "media_failed"): void {
    this.#session.apply("leave");
    this.#members = [];
    void this.stopMedia();
    this.#options.sendCall("stop");
    this.#options.emit({ type: "call_left", reason });
  }

  #stats(): void {
    const emit = this.#options.emit;
    if (!this.#session.active) emit({ type: "notice", key: "callNotIn" });
    // Joined, but the video session (socket, ffmpeg) is still starting.
    else if (this.#media === null) emit({ type: "notice", key: "callMediaStarting" });
    else emit({ type: "call_stats", lines: this.#media.statsLines() });
  }

  /** Handles `call_joined`: the first one starts the media, a repeat updates the members. */
  onJoined(reply: CallJoinedReply): void {
    // Idle: we left (or never asked) while the answer was on its way.
    if (!this.#session.active) return;
    this.#members = reply.members;
    this.#send = reply.send;
    if (!this.#session.apply("joined")) {
      this.#media?.setMembers(reply.members);
      this.#media?.setSend?.(reply.send);
      return;
    }
    this.#options.emit({ type: "call_joined", members: reply.members });
    const start = this.#options.startMedia;
    if (start === undefined || reply.token === "" || reply.clientId === null) return;
    const mediaPort = this.#options.mediaPort ?? reply.mediaPort ??
      this.#options.welcomeMediaPort ?? DEFAULT_MEDIA_PORT;
    this.#mediaStarting = this.#startMedia(start, {
      host: this.#options.host,
      mediaPort,
      token: reply.token,
      clientId: reply.clientId,
      lang: this.#options.lang,
      log: (line) => this.#options.emit({ type: "call_log", line }),
      onLeave: () => {
        if (this.#session.active && this.#mediaStarting === null) this.#leave("left");
      },
      onMuteChange: (muted) => {
        if (this.#session.state === "in") this.#options.sendCall(muted ? "mute" : "unmute");
      },
      offer: this.#offer(),
      send: this.#send,
      requestKeyframe: (clientId) => {
        if (this.#session.state === "in") {
          this.#options.sendCall("keyframe", { client_id: clientId });
        }
      },
    });
  }

  async #startMedia(start: StartMedia, params: MediaParams): Promise<void> {
    let session: MediaSession;
    try {
      session = await start(params);
    } catch (e) {
      this.#mediaStarting = null;
      this.#options.emit({
        type: "notice",
        key: "callMediaFailed",
        params: { reason: e instanceof Error ? e.message : String(e) },
      });
      if (this.#session.state === "in") this.#leave("media_failed");
      return;
    }
    this.#mediaStarting = null;
    if (this.#session.state !== "in" || this.#options.isClosed()) {
      await session.close().catch(() => {});
      return;
    }
    this.#media = session;
    session.setMembers(this.#members);
    session.setSend?.(this.#send);
  }

  /** A member asked us for a keyframe: the media sends one (ignored outside a call). */
  onKeyframeRequest(): void {
    if (this.#session.state === "in") this.#media?.sendKeyframe?.();
  }

  /** Handles a `call` event: follows the members, leaves on our media timeout, reports others. */
  onNotice(notice: CallNotice): void {
    const { action, from } = notice;
    if (this.#session.state === "in") {
      if (action === "media") {
        const id = notice.clientId;
        this.#members = this.#members.map((p) =>
          p.name === from && id !== null ? { ...p, clientId: id } : p
        );
      } else if (notice.members !== null) {
        this.#members = notice.members;
      }
      this.#media?.setMembers(this.#members);
      if (notice.send !== null) {
        this.#send = notice.send;
        this.#media?.setSend?.(notice.send);
      }
      // A newcomer needs a keyframe to start decoding our H.264.
      if (action === "start" && from !== this.#options.name) this.#media?.sendKeyframe?.();
    }
    // Mute changes show in the call's tiles and stats, not as chat lines (push-to-talk).
    // The server muting us (the teacher) closes our microphone here too.
    if (action === "mute" && from === this.#options.name && notice.muted) {
      this.#media?.setMuted?.(true);
    }
    if (action === "mute") return;
    const mine = from === this.#options.name;
    if (
      mine && action === "stop" && notice.reason === "media_timeout" &&
      this.#session.apply("timed_out")
    ) {
      this.#members = [];
      void this.stopMedia();
      this.#options.emit({ type: "call_left", reason: "media_timeout" });
      return;
    }
    // Our own start/stop are reported by call_joined / call_left.
    if (mine) return;
    this.#options.emit({
      type: "call",
      action: action as "start" | "stop" | "media",
      from,
      first: notice.first,
      ended: notice.ended,
      reason: notice.reason,
      members: notice.members ?? [],
    });
  }

  /**
   * The chat session is ending: the call is over. With `sendStop`, a call in
   * progress is left politely first. The media is stopped by {@link stopMedia}.
   */
  end(options: { sendStop: boolean }): void {
    if (options.sendStop && this.#session.active) this.#options.sendCall("stop");
    this.#session.apply("closed");
  }

  /** Stops the media session (waiting for one still starting). Safe to call twice. */
  async stopMedia(): Promise<void> {
    const starting = this.#mediaStarting;
    if (starting !== null) await starting;
    const media = this.#media;
    this.#media = null;
    if (media !== null) await media.close().catch(() => {});
  }
}
