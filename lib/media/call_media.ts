/**
 * Call media in the client: captures video with ffmpeg, sends each JPEG to
 * the relay as one UDP datagram (PROTOCOL.md section 5), receives the other
 * participants' frames and shows them in the browser window or the terminal
 * pane, with per-participant statistics for `/call stats`.
 *
 * Registration: a register datagram (kind 1, the media token) every second
 * until the relay acknowledges (kind 2); then a keepalive (kind 5) whenever
 * nothing else was sent for 2 s. Capture problems (no ffmpeg, no camera,
 * camera busy) are told to the user and the call goes on watching only.
 *
 * Views never keep a frozen picture: a member that leaves (setMembers) loses
 * its tile at once, and one silent for {@link STALE_MS} shows "sin vídeo".
 *
 * @module
 */
import type { Lang } from "../protocol/i18n.ts";
import { translator } from "../protocol/i18n.ts";
import {
  decodeMediaPacket,
  encodeMediaPacket,
  MAX_DATAGRAM,
  MAX_PAYLOAD,
  MediaKind,
  tokenToBytes,
} from "../protocol/media_packet.ts";
import { FfmpegNotFoundError, findFfmpeg } from "./ffmpeg_path.ts";
import { CaptureError, defaultCamera, listCameraDevices, VideoCapture } from "./video_capture.ts";
import { VIDEO_TEXT } from "./video_text.ts";
import { VideoWindow, type WindowTile } from "./video_window.ts";
import { TerminalView, type ViewTile } from "./video_terminal.ts";

/** One participant of the call as the chat port reports it. */
export interface CallMember {
  name: string;
  clientId: number | null;
}

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
  paint?(lines: string[] | null): void;
  paneSize?(): { columns: number; rows: number };
}

/** A participant without a frame for this long shows "sin vídeo" (ms). */
export const STALE_MS = 3000;

/** Window over which frames per second are measured (ms). */
export const FPS_WINDOW_MS = 3000;

const REGISTER_EVERY_MS = 1000;
const KEEPALIVE_EVERY_MS = 2000;
const TICK_MS = 250;
const WAITING_WARN_MS = 5000;
/** Sequence jumps larger than this are a restarted sender, not losses. */
const SEQ_RESET = 1000;

/** Receive statistics of one sender. */
interface Peer {
  frames: number;
  lost: number;
  late: number;
  lastSeq: number;
  times: number[];
  lastAt: number;
  jpeg: Uint8Array | null;
}

function newPeer(): Peer {
  return { frames: 0, lost: 0, late: 0, lastSeq: -1, times: [], lastAt: 0, jpeg: null };
}

/**
 * Counts a received sequence number into `peer` (pure apart from `peer`):
 * gaps are losses, a number behind the newest is late (and fills one loss).
 */
export function trackSeq(peer: { lost: number; late: number; lastSeq: number }, seq: number): void {
  if (peer.lastSeq < 0) {
    peer.lastSeq = seq;
    return;
  }
  const diff = (seq - peer.lastSeq) | 0; // signed distance modulo 2^32
  if (diff === 0) {
    peer.late++;
  } else if (diff > 0 && diff <= SEQ_RESET) {
    peer.lost += diff - 1;
    peer.lastSeq = seq >>> 0;
  } else if (diff < 0 && diff >= -SEQ_RESET) {
    peer.late++;
    if (peer.lost > 0) peer.lost--;
  } else {
    peer.lastSeq = seq >>> 0; // the sender restarted
  }
}

/** Frames per second over the last {@link FPS_WINDOW_MS}, from arrival times (pure). */
export function fpsOf(times: number[], now: number): number {
  const from = now - FPS_WINDOW_MS;
  let n = 0;
  for (const t of times) if (t > from) n++;
  return n / (FPS_WINDOW_MS / 1000);
}

function prune(times: number[], now: number): void {
  const from = now - FPS_WINDOW_MS;
  let i = 0;
  while (i < times.length && times[i] <= from) i++;
  if (i > 0) times.splice(0, i);
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host.startsWith("127.") || host === "::1" || host === "[::1]";
}

/** A running call media session; see the module docs. */
export class CallMedia {
  #o: CallMediaOptions;
  #t: ReturnType<typeof translator<typeof VIDEO_TEXT>>;
  #socket!: Deno.DatagramConn;
  #relay: Deno.NetAddr;
  #token: Uint8Array;
  #registered = false;
  #startedAt = Date.now();
  #lastRegister = 0;
  #lastSent = 0;
  #warnedWaiting = false;
  #seq = 0;
  #sent = 0;
  #sendDropped = 0;
  #sentTimes: number[] = [];
  #sending = false;
  #inFlight = new Set<Promise<void>>();
  #capture: VideoCapture | null = null;
  #captureSource: "camera" | "test" | "none" = "none";
  #selfJpeg: Uint8Array | null = null;
  #members: CallMember[] = [];
  #peers = new Map<number, Peer>();
  #window: VideoWindow | null = null;
  #terminal: TerminalView | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #receiving: Promise<void> = Promise.resolve();
  #closing: Promise<void> | null = null;
  #closed = false;
  #badDatagrams = 0;

  private constructor(options: CallMediaOptions) {
    this.#o = options;
    this.#t = translator(VIDEO_TEXT, options.lang);
    this.#relay = { transport: "udp", hostname: options.host, port: options.mediaPort };
    this.#token = tokenToBytes(options.token);
  }

  /**
   * Opens the UDP socket, registers with the relay, starts capture and the
   * view. Throws only when the socket cannot be opened; capture problems are
   * logged and the call goes on watching only.
   */
  static async start(options: CallMediaOptions): Promise<CallMedia> {
    const media = new CallMedia(options);
    const t = media.#t;
    const host = options.host.replace(/^\[|\]$/g, "");
    const bind = isLoopback(host)
      ? (host.includes(":") ? "::1" : "127.0.0.1")
      : host.includes(":")
      ? "::"
      : "0.0.0.0";
    try {
      media.#socket = Deno.listenDatagram({ transport: "udp", hostname: bind, port: 0 });
    } catch (e) {
      throw new Error(t("socket_failed", { detail: e instanceof Error ? e.message : String(e) }));
    }
    media.#relay.hostname = host;
    media.#receiving = media.#receiveLoop();
    media.#sendRegister();
    media.#timer = setInterval(() => media.#tick(), TICK_MS);
    try {
      if (options.view === "window") {
        media.#window = await VideoWindow.start({
          lang: options.lang,
          // PC3_NO_BROWSER=1: only print the page's address (headless machines, tests).
          open: Deno.env.get("PC3_NO_BROWSER") ? false : true,
          onLeave: () => media.#leaveFromView(),
          log: (line) => options.log(line),
        });
      } else if (options.view === "terminal" && options.paint && options.paneSize) {
        media.#terminal = new TerminalView({ paint: options.paint, paneSize: options.paneSize });
      }
      await media.#startCapture();
    } catch (e) {
      await media.close();
      throw e;
    }
    media.#refreshViews();
    return media;
  }

  #leaveFromView(): void {
    if (this.#closed) return;
    try {
      this.#o.onLeave();
    } catch { /* the caller's problem */ }
  }

  async #startCapture(): Promise<void> {
    const o = this.#o;
    const t = this.#t;
    if (o.source === "none") {
      o.log(t("watching_only"));
      return;
    }
    let ffmpeg: string;
    try {
      ffmpeg = (await findFfmpeg()).path;
    } catch (e) {
      const detail = e instanceof FfmpegNotFoundError ? e.tried.join(", ") : String(e);
      o.log(t("no_ffmpeg", { detail }));
      return;
    }
    if (this.#closed) return;
    let camera = o.camera;
    if (o.source === "camera" && !camera && Deno.build.os === "windows") {
      camera = (await listCameraDevices(ffmpeg).catch(() => []))[0];
      if (!camera) {
        o.log(t("no_camera", { camera: "-" }));
        return;
      }
    }
    try {
      this.#capture = VideoCapture.start({
        ffmpeg,
        source: o.source,
        camera,
        width: o.width,
        height: o.height,
        fps: o.fps,
        maxFrame: MAX_PAYLOAD,
        onFrame: (jpeg) => this.#onCaptured(jpeg),
        onOversized: (q) => o.log(t("oversized", { q })),
        onError: (e) => this.#onCaptureError(e, camera),
      });
      this.#captureSource = o.source;
    } catch (e) {
      this.#onCaptureError(
        e instanceof CaptureError ? e : new CaptureError("failed", String(e)),
        camera,
      );
    }
  }

  #onCaptureError(e: CaptureError, camera: string | undefined): void {
    if (this.#closed) return;
    this.#captureSource = "none";
    this.#selfJpeg = null;
    const cam = camera || this.#o.camera || defaultCamera(Deno.build.os) || "-";
    const t = this.#t;
    const line = e.kind === "no_camera"
      ? t("no_camera", { camera: cam })
      : e.kind === "camera_busy"
      ? t("camera_busy", { camera: cam })
      : t("capture_failed", { detail: e.detail });
    this.#o.log(line);
    this.#refreshViews();
  }

  #onCaptured(jpeg: Uint8Array): void {
    if (this.#closed) return;
    const hadSelf = this.#selfJpeg !== null;
    this.#selfJpeg = jpeg;
    this.#window?.frame(this.#o.clientId, jpeg);
    if (!hadSelf) this.#refreshViews();
    else this.#updateTerminal();
    if (!this.#registered) return;
    if (this.#sending) {
      this.#sendDropped++;
      return;
    }
    const packet = encodeMediaPacket({
      kind: MediaKind.Video,
      clientId: this.#o.clientId,
      seq: this.#seq++,
      ts: Date.now(),
      payload: jpeg,
    });
    this.#sent++;
    const now = Date.now();
    this.#sentTimes.push(now);
    prune(this.#sentTimes, now);
    this.#send(packet);
  }

  #send(packet: Uint8Array): void {
    if (this.#closed) return;
    this.#sending = true;
    this.#lastSent = Date.now();
    const sending: Promise<void> = this.#socket.send(packet, this.#relay).then(
      () => {},
      () => {
        this.#sendDropped++;
      },
    ).finally(() => {
      this.#sending = false;
      this.#inFlight.delete(sending);
    });
    this.#inFlight.add(sending);
  }

  #control(kind: MediaKind, payload?: Uint8Array): Uint8Array {
    return encodeMediaPacket({ kind, clientId: this.#o.clientId, seq: 0, ts: Date.now(), payload });
  }

  #sendRegister(): void {
    this.#lastRegister = Date.now();
    this.#send(this.#control(MediaKind.Register, this.#token));
  }

  #tick(): void {
    if (this.#closed) return;
    const now = Date.now();
    if (!this.#registered) {
      if (now - this.#lastRegister >= REGISTER_EVERY_MS) this.#sendRegister();
      if (!this.#warnedWaiting && now - this.#startedAt >= WAITING_WARN_MS) {
        this.#warnedWaiting = true;
        this.#o.log(this.#t("relay_waiting", { host: this.#o.host, port: this.#o.mediaPort }));
      }
    } else if (now - this.#lastSent >= KEEPALIVE_EVERY_MS && !this.#sending) {
      this.#send(this.#control(MediaKind.Keepalive));
    }
    let changed = false;
    for (const peer of this.#peers.values()) {
      prune(peer.times, now);
      if (peer.jpeg !== null && now - peer.lastAt >= STALE_MS) {
        peer.jpeg = null;
        changed = true;
      }
    }
    prune(this.#sentTimes, now);
    if (changed) this.#refreshViews();
  }

  async #receiveLoop(): Promise<void> {
    while (!this.#closed) {
      let data: Uint8Array;
      let addr: Deno.Addr;
      try {
        [data, addr] = await this.#socket.receive(new Uint8Array(MAX_DATAGRAM + 1));
      } catch {
        if (this.#closed) return;
        // E.g. Windows reports an ICMP port unreachable on the next receive; a short pause
        // keeps a socket that keeps failing from spinning.
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if ((addr as Deno.NetAddr).port !== this.#o.mediaPort) {
        this.#badDatagrams++;
        continue;
      }
      const decoded = decodeMediaPacket(data);
      if (!decoded.ok) {
        this.#badDatagrams++;
        continue;
      }
      const p = decoded.packet;
      if (p.kind === MediaKind.Registered) {
        if (!this.#registered) {
          this.#registered = true;
          this.#o.log(this.#t("relay_ok", { host: this.#o.host, port: this.#o.mediaPort }));
        }
      } else if (p.kind === MediaKind.Video) {
        this.#onRemoteFrame(p.clientId, p.seq, p.payload.slice());
      }
    }
  }

  #onRemoteFrame(id: number, seq: number, jpeg: Uint8Array): void {
    if (id === this.#o.clientId) return;
    // Only members get state: a misbehaving relay cannot make us keep frames of made-up ids.
    if (!this.#members.some((m) => m.clientId === id)) {
      this.#badDatagrams++;
      return;
    }
    let peer = this.#peers.get(id);
    if (!peer) {
      peer = newPeer();
      this.#peers.set(id, peer);
    }
    trackSeq(peer, seq);
    const now = Date.now();
    peer.frames++;
    peer.times.push(now);
    peer.lastAt = now;
    const wasStale = peer.jpeg === null;
    peer.jpeg = jpeg;
    this.#window?.frame(id, jpeg);
    if (wasStale) this.#refreshViews();
    else this.#updateTerminal();
  }

  /** Replaces the member list; absent members vanish from the views at once. */
  setMembers(members: CallMember[]): void {
    if (this.#closed) return;
    this.#members = members.map((m) => ({ name: m.name, clientId: m.clientId }));
    const ids = new Set(this.#members.map((m) => m.clientId));
    for (const id of this.#peers.keys()) if (!ids.has(id)) this.#peers.delete(id);
    this.#refreshViews();
  }

  /** Members other than us, in order, with the tile id each gets. */
  #others(): { member: CallMember; id: number }[] {
    const out: { member: CallMember; id: number }[] = [];
    let anonymous = 0;
    for (const m of this.#members) {
      if (m.clientId === this.#o.clientId) continue;
      out.push({ member: m, id: m.clientId ?? (0xffff_0000 + anonymous++) });
    }
    return out;
  }

  #selfName(): string {
    const me = this.#members.find((m) => m.clientId === this.#o.clientId);
    return this.#t("you", { name: me?.name ?? "" }).trim();
  }

  #refreshViews(): void {
    if (this.#closed) return;
    if (this.#window) {
      const tiles: WindowTile[] = this.#others().map(({ member, id }) => ({
        id,
        name: member.name,
        video: (this.#peers.get(id)?.jpeg ?? null) !== null,
      }));
      if (this.#captureSource !== "none") {
        tiles.push({
          id: this.#o.clientId,
          name: this.#selfName(),
          video: this.#selfJpeg !== null,
        });
      }
      this.#window.setTiles(tiles);
    }
    this.#updateTerminal();
  }

  #updateTerminal(): void {
    if (!this.#terminal) return;
    const note = this.#t("no_video");
    const tiles: ViewTile[] = this.#others().map(({ member, id }) => ({
      id,
      name: member.name,
      jpeg: this.#peers.get(id)?.jpeg ?? null,
      note,
    }));
    if (this.#captureSource !== "none") {
      tiles.push({ id: this.#o.clientId, name: this.#selfName(), jpeg: this.#selfJpeg, note });
    }
    this.#terminal.update(tiles);
  }

  /** Translated lines for /call stats. */
  statsLines(): string[] {
    const t = this.#t;
    const now = Date.now();
    const lines: string[] = [];
    lines.push(t("stats_header", {
      fps: fpsOf(this.#sentTimes, now).toFixed(1),
      sent: this.#sent,
      oversized: this.#capture?.stats.oversized ?? 0,
      busy: this.#sendDropped,
      source: t(`source_${this.#captureSource}`),
    }));
    lines.push(t("stats_relay", {
      host: this.#o.host,
      port: this.#o.mediaPort,
      state: t(this.#registered ? "relay_state_ok" : "relay_state_wait"),
    }));
    const others = this.#others();
    if (others.length === 0) lines.push(t("stats_nobody"));
    for (const { member, id } of others) {
      const peer = this.#peers.get(id);
      if (!peer || peer.frames === 0) {
        lines.push(t("stats_member_none", { name: member.name }));
        continue;
      }
      lines.push(t("stats_member", {
        name: member.name,
        fps: fpsOf(peer.times, now).toFixed(1),
        frames: peer.frames,
        lost: peer.lost,
        late: peer.late,
      }));
    }
    return lines;
  }

  /** Whether the relay acknowledged our register. */
  get registered(): boolean {
    return this.#registered;
  }

  /** Counters for tests and diagnostics. */
  get counters(): { sent: number; received: number; badDatagrams: number } {
    let received = 0;
    for (const p of this.#peers.values()) received += p.frames;
    return { sent: this.#sent, received, badDatagrams: this.#badDatagrams };
  }

  /** Stops ffmpeg, the socket and the views; safe twice. */
  close(): Promise<void> {
    if (!this.#closing) this.#closing = this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const capture = this.#capture;
    this.#capture = null;
    if (this.#socket && this.#registered) {
      try {
        await this.#socket.send(this.#control(MediaKind.Bye), this.#relay);
      } catch { /* the relay forgets us after its silence limit anyway */ }
    }
    this.#closed = true;
    await capture?.stop();
    this.#terminal?.close();
    this.#terminal = null;
    const win = this.#window;
    this.#window = null;
    await win?.close();
    await Promise.all([...this.#inFlight]);
    try {
      this.#socket?.close();
    } catch { /* already closed */ }
    await this.#receiving;
  }
}

/** Names of the cameras ffmpeg can open on this machine (for --list-cameras). */
export async function listCameras(_lang: Lang): Promise<string[]> {
  let ffmpeg: string | undefined;
  try {
    ffmpeg = (await findFfmpeg()).path;
  } catch {
    ffmpeg = undefined;
  }
  return await listCameraDevices(ffmpeg);
}
