/**
 * The sound of a call in the client: captures the microphone (or the test
 * tone) with {@link AudioCapture}, sends each Opus packet as an audio
 * datagram while the microphone is on, and hands received packets to the
 * player of the view: the call page (lib/media/audio_page.ts) in the window
 * view, ffmpeg's audio output (lib/media/audio_terminal.ts) in the terminal
 * and none views. It keeps the audio statistics of `/call stats`.
 *
 * Echo: PCs side by side in a lab hear each other's speakers, and there is
 * no echo cancellation here, so a microphone starts muted and the user is
 * told to use headphones; `/unmute`, `m` in the page or holding the space
 * bar (push-to-talk) opens it. The test tone starts unmuted: it exists to be
 * heard. Every change goes through {@link CallAudio.setMuted}, which tells
 * the server (`onMuteChange`), so everyone sees who is muted.
 *
 * @module
 */
import type { Lang } from "../protocol/i18n.ts";
import { translator } from "../protocol/i18n.ts";
import type { Clock } from "../protocol/clock.ts";
import { clientText } from "../client/text.ts";
import { safe } from "../protocol/safe_text.ts";
import {
  AudioCapture,
  AudioCaptureError,
  type AudioInput,
  audioInput,
  type AudioSource,
  ffmpegHasPulse,
  listMicDevices,
  testFrequency,
} from "./audio_capture.ts";
import { audioMessage, audioPageScript } from "./audio_page.ts";
import { AudioPlayer } from "./audio_terminal.ts";
import { AudioStats } from "./call_stats.ts";
import { FfmpegNotFoundError, findFfmpeg } from "./ffmpeg_path.ts";
import type { PageHooks } from "./video_window.ts";

/** A call member as the chat port lists it (the wire's `muted` when the server sends it). */
export interface AudioMember {
  name: string;
  clientId: number | null;
  muted?: boolean;
}

/** Options of {@link CallAudio}. */
export interface CallAudioOptions {
  source: AudioSource;
  /** The microphone the user named (`--mic`), if any. */
  mic?: string;
  clientId: number;
  view: "window" | "terminal" | "none";
  lang: Lang;
  clock: Clock;
  /** One user-facing line (already translated). */
  log(line: string): void;
  /** Sends one Opus packet to the relay; false when it could not (not registered yet). */
  send(opus: Uint8Array): boolean;
  /** Our microphone was muted or unmuted: tell the server. */
  onMuteChange?(muted: boolean): void;
  /** Starts the terminal player (default {@link AudioPlayer.start}; tests pass a fake). */
  startPlayer?: (lang: Lang, log: (line: string) => void) => Promise<AudioSink | null>;
}

/** Where received packets go outside the window view. */
export interface AudioSink {
  push(id: number, seq: number, opus: Uint8Array): void;
  retain(ids: Set<number>): void;
  close(): Promise<void>;
}

/** Longest page message read (the stats of a whole class fit easily). */
const MAX_PAGE_TEXT = 64 * 1024;

/** The sound of one call; see the module docs. */
export class CallAudio {
  #o: CallAudioOptions;
  #t: ReturnType<typeof translator<typeof clientText>>;
  #capture: AudioCapture | null = null;
  #source: AudioSource = "none";
  #muted: boolean;
  #sent = 0;
  #stats = new AudioStats();
  #members: AudioMember[] = [];
  #toPage: ((data: string | Uint8Array) => void) | null = null;
  #player: AudioSink | null = null;
  #playerStarting: Promise<void> | null = null;
  #closed = false;
  /** The microphone opened (for messages). */
  #micName = "default";

  constructor(options: CallAudioOptions) {
    this.#o = options;
    this.#t = translator(clientText, options.lang);
    this.#muted = options.source !== "test";
  }

  /** Whether our microphone is muted. */
  get muted(): boolean {
    return this.#muted;
  }

  /** Audio packets handed to the socket. */
  get sent(): number {
    return this.#sent;
  }

  /** The statistics of received audio. */
  get stats(): AudioStats {
    return this.#stats;
  }

  /** The hooks the window view's page needs (the script, page messages, page opened). */
  pageHooks(): PageHooks {
    return {
      html: audioPageScript(this.#o.lang),
      onText: (text) => this.#pageText(text),
      onOpen: () => this.#sendState(),
    };
  }

  /** Where messages for the page go (the window view), once it is open. */
  attachPage(toPage: (data: string | Uint8Array) => void): void {
    this.#toPage = toPage;
    this.#sendState();
  }

  /**
   * Starts the capture and, outside the window view, the player. Failures
   * are told to the user; the call goes on without sending (or playing) sound.
   */
  async start(): Promise<void> {
    const o = this.#o;
    if (o.view !== "window") this.#playerStarting = this.#startPlayer();
    if (o.source === "none") {
      o.log(this.#t("audio_none"));
      return;
    }
    let ffmpeg: string;
    try {
      ffmpeg = (await findFfmpeg()).path;
    } catch (e) {
      const detail = e instanceof FfmpegNotFoundError ? e.tried.join(", ") : String(e);
      o.log(this.#t("no_ffmpeg", { detail }));
      return;
    }
    if (this.#closed) return;
    const frequency = testFrequency(o.clientId);
    const input = o.source === "mic" ? await this.#micInput(ffmpeg) : undefined;
    if (this.#closed || input === null) return;
    try {
      this.#capture = AudioCapture.start({
        ffmpeg,
        spec: { source: o.source, input, frequency },
        onPacket: (opus) => this.#captured(opus),
        onError: (e) => this.#captureFailed(e),
      });
      this.#source = o.source;
    } catch (e) {
      this.#captureFailed(
        e instanceof AudioCaptureError ? e : new AudioCaptureError("failed", String(e)),
      );
      return;
    }
    o.log(
      o.source === "test"
        ? this.#t("audio_test_source", { freq: frequency })
        : this.#t("audio_headphones"),
    );
    // Members join the call muted: a test tone tells everyone it is on.
    if (!this.#muted) o.onMuteChange?.(false);
  }

  /**
   * The input of the microphone; on Windows without `--mic`, the first
   * DirectShow audio device (dshow has no "default"). Null (the user told)
   * when there is none.
   */
  async #micInput(ffmpeg: string): Promise<AudioInput | null> {
    const os = Deno.build.os;
    let mic = this.#o.mic;
    if (os === "windows" && !mic) {
      mic = (await listMicDevices(ffmpeg, os).catch(() => []))[0];
      if (!mic) {
        this.#o.log(this.#t("audio_no_mic", { mic: "-" }));
        return null;
      }
    }
    this.#micName = mic || "default";
    return audioInput(mic, os, os === "linux" && await ffmpegHasPulse(ffmpeg));
  }

  async #startPlayer(): Promise<void> {
    const view = this.#o.view === "none" ? "none" : "terminal";
    const start = this.#o.startPlayer ?? ((lang, log) => AudioPlayer.start({ lang, log, view }));
    try {
      const player = await start(this.#o.lang, this.#o.log);
      if (this.#closed) await player?.close();
      else this.#player = player;
    } catch { /* the player tells the user itself */ }
  }

  #captured(opus: Uint8Array): void {
    if (this.#closed || this.#muted) return;
    if (this.#o.send(opus)) this.#sent++;
  }

  #captureFailed(e: AudioCaptureError): void {
    if (this.#closed) return;
    this.#capture = null;
    this.#source = "none";
    const mic = this.#micName;
    if (e.kind === "no_mic") this.#o.log(this.#t("audio_no_mic", { mic }));
    else if (e.kind === "mic_busy") this.#o.log(this.#t("audio_mic_busy", { mic }));
    else this.#o.log(this.#t("audio_capture_failed", { detail: e.detail }));
  }

  /** An audio packet from the relay (members only; the caller checked the sender). */
  receive(id: number, seq: number, ts: number, opus: Uint8Array): void {
    if (this.#closed || id === this.#o.clientId) return;
    this.#stats.record(id, seq, ts, this.#o.clock.now());
    if (this.#toPage) this.#toPage(audioMessage(id, seq, ts, opus));
    else this.#player?.push(id, seq, opus);
  }

  /** Replaces the member list (with their `muted` flags when the server sends them). */
  setMembers(members: AudioMember[]): void {
    this.#members = members.map((m) => ({ ...m }));
    const ids = new Set<number>();
    for (const m of members) if (m.clientId !== null) ids.add(m.clientId);
    this.#stats.retain(ids);
    this.#player?.retain(ids);
    this.#sendState();
  }

  /**
   * Mutes or unmutes our microphone (from `/mute`, `/unmute` or the page),
   * tells the user and the server. Returns false when nothing changed.
   */
  setMuted(muted: boolean): boolean {
    if (this.#closed || muted === this.#muted) {
      this.#sendState();
      return false;
    }
    this.#muted = muted;
    this.#o.log(this.#t(muted ? "audio_muted" : "audio_unmuted"));
    this.#sendState();
    try {
      this.#o.onMuteChange?.(muted);
    } catch { /* the caller's problem */ }
    return true;
  }

  #pageText(text: string): void {
    if (text === "mute" || text === "unmute") {
      this.setMuted(text === "mute");
      return;
    }
    if (text.length > MAX_PAGE_TEXT) return;
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    const speakers = (msg as { type?: unknown; speakers?: unknown })?.speakers;
    if ((msg as { type?: unknown })?.type !== "audio_stats" || !Array.isArray(speakers)) return;
    for (const s of speakers.slice(0, 256)) {
      const { id, depth, underruns } = (s ?? {}) as Record<string, unknown>;
      if (typeof id === "number" && typeof depth === "number" && typeof underruns === "number") {
        this.#stats.playout(id, depth, underruns);
      }
    }
  }

  #sendState(): void {
    if (!this.#toPage || this.#closed) return;
    const muted = this.#members.filter((m) => m.muted === true && m.clientId !== null)
      .map((m) => m.clientId);
    this.#toPage(JSON.stringify({
      type: "audio_state",
      self: { id: this.#o.clientId, muted: this.#muted },
      muted,
    }));
  }

  /** The audio lines of `/call stats`: our state, then one line per other member. */
  statsLines(): string[] {
    const t = this.#t;
    const lines = [t("audio_stats_header", {
      state: t(this.#muted ? "audio_state_muted" : "audio_state_live"),
      sent: this.#sent,
      source: t(`audio_source_${this.#source}`),
    })];
    for (const m of this.#members) {
      if (m.clientId === this.#o.clientId) continue;
      const peer = m.clientId === null ? undefined : this.#stats.get(m.clientId);
      if (!peer) {
        lines.push(t("audio_stats_member_none", { name: safe(m.name) }));
        continue;
      }
      lines.push(t("audio_stats_member", {
        name: safe(m.name),
        packets: peer.packets,
        lost: peer.lost,
        jitter: peer.jitter.toFixed(1),
        depth: peer.depthMs ?? "-",
        underruns: peer.underruns ?? "-",
      }));
    }
    return lines;
  }

  /** Stops the capture and the player; safe twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const capture = this.#capture;
    this.#capture = null;
    await capture?.stop();
    await this.#playerStarting;
    const player = this.#player;
    this.#player = null;
    await player?.close();
  }
}
