/**
 * Window view of a call: a tiny HTTP server on 127.0.0.1 (port 0) serving one
 * page, opened in the default browser, that shows a grid of tiles (one per
 * participant, labelled with the name) updated live over a WebSocket.
 *
 * Why a browser page and not a native window: it works the same on Windows,
 * Linux and macOS with nothing to install (every desktop has a browser, and
 * the compiled client stays a single file), the browser decodes JPEG in
 * native code and scales the grid for free, and the same code is tested for
 * real with headless Chromium. The page only talks to this process: the
 * server listens on loopback and the Host header must be the loopback
 * address (no DNS rebinding). The browser is opened on a one-time address
 * (`/open/<ticket>`): its first request gets an HttpOnly cookie holding the
 * page's secret key and a redirect to `/`, and the ticket dies, so the
 * address other local users can read in the launcher's argv is worthless
 * (where the browser was quicker than them). The page and the WebSocket need
 * the cookie; the WebSocket also needs the page's own Origin (no other site
 * in the same browser can open it).
 *
 * Wire between this process and the page (WebSocket at `/ws`):
 * - text, process -> page: `{"type":"tiles","tiles":[{"id":1,"name":"Ana","video":true}]}`
 *   (the whole list, in order) or `{"type":"left"}`;
 * - binary, process -> page: 4-byte tile id (u32 BE) then one JPEG;
 * - text, page -> process: `leave` (the user pressed q).
 *
 * Leaving: `leave` from the page, or every page socket closed and none back
 * within `graceMs` (the tab was closed), calls `onLeave()` once.
 *
 * @module
 */
import type { Lang } from "../protocol/i18n.ts";
import { translator } from "../protocol/i18n.ts";
import { type Clock, systemClock, type TimerId } from "../protocol/clock.ts";
import { clientText } from "../client/text.ts";
import { windowPage } from "./video_window_page.ts";
import { h264Message, parseKeyframeRequest } from "./h264_page.ts";

/** One tile of the grid. */
export interface WindowTile {
  id: number;
  name: string;
  /** False shows "sin vídeo" instead of the last picture. */
  video: boolean;
}

/** Options of {@link VideoWindow.start}. */
export interface VideoWindowOptions {
  lang: Lang;
  /** The user pressed q in the page or closed it. */
  onLeave(): void;
  /**
   * Opens the page: true (default browser), false (do not), or a function
   * returning whether it worked.
   */
  open?: boolean | ((url: string) => Promise<boolean>);
  /** Time a closed page has to come back before it counts as leaving (default 4,000 ms). */
  graceMs?: number;
  /** Receives user-facing lines (the URL, failures to open the browser). */
  log?(line: string): void;
  /** Timers of the leave grace (default the real ones; tests drive a fake clock). */
  clock?: Clock;
  /** Page modules (see video_window_page.ts `extra`): their HTML, a page text, a page opened. */
  page?: PageHooks;
  /** A page needs a keyframe of tile `id` (H.264 loss or a fresh page). */
  onKeyframe?(id: number): void;
}

/** What another page module (the sound, lib/media/audio_call.ts) plugs into the window. */
export interface PageHooks {
  /** HTML added at the end of the page's body (style and script). */
  html: string;
  /** A text message from a page other than `leave`. */
  onText(text: string): void;
  /** A page (re)connected: send it the module's state with {@link VideoWindow.broadcast}. */
  onOpen(): void;
}

/** Frames queued in a page socket beyond which new frames are skipped. */
const MAX_BUFFERED = 2 * 1024 * 1024;
/** Default time a closed page has to come back (ms). */
const GRACE_MS = 4000;
/** How long close() waits for the pages to acknowledge (ms). */
const CLOSE_WAIT_MS = 2000;

function forbidden(): Response {
  return new Response("Forbidden", { status: 403 });
}

/** Opens `url` in the default browser; resolves false when the opener failed. */
export async function openInBrowser(url: string, os: string = Deno.build.os): Promise<boolean> {
  const [cmd, args] = os === "windows"
    ? ["cmd", ["/c", "start", "", url]]
    : os === "darwin"
    ? ["open", [url]]
    : ["xdg-open", [url]];
  try {
    const child = new Deno.Command(cmd, {
      args: args as string[],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    // The opener must not keep the client alive (some wait for the browser to exit).
    child.unref();
    return (await child.status).success;
  } catch {
    return false;
  }
}

/** The browser view; see the module docs. */
export class VideoWindow {
  #options: VideoWindowOptions;
  #t: ReturnType<typeof translator<typeof clientText>>;
  #key = crypto.randomUUID().replaceAll("-", "");
  #ticket: string | null = crypto.randomUUID().replaceAll("-", "");
  #server!: Deno.HttpServer<Deno.NetAddr>;
  #sockets = new Set<WebSocket>();
  #tiles: WindowTile[] = [];
  #last = new Map<number, Uint8Array>();
  #clock: Clock;
  #grace: TimerId;
  #left = false;
  #closed = false;
  #url = "";

  private constructor(options: VideoWindowOptions) {
    this.#options = options;
    this.#t = translator(clientText, options.lang);
    this.#clock = options.clock ?? systemClock;
  }

  /** Starts the page server and (by default) opens the browser. */
  static start(options: VideoWindowOptions): Promise<VideoWindow> {
    const w = new VideoWindow(options);
    w.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => w.#handle(req),
    );
    const port = w.#server.addr.port;
    w.#url = `http://127.0.0.1:${port}/open/${w.#ticket}`;
    options.log?.(w.#t("window_url", { url: w.#url }));
    const open = options.open ?? true;
    if (open !== false) {
      // Not awaited: some openers only return when the browser they started exits.
      const opener = open === true ? openInBrowser : open;
      opener(w.#url).catch(() => false).then((ok) => {
        if (!ok && !w.#closed) options.log?.(w.#t("window_open_failed", { url: w.#url }));
      });
    }
    return Promise.resolve(w);
  }

  /** The one-time address that opens the page (valid for one request). */
  get url(): string {
    return this.#url;
  }

  /** Pages connected right now. */
  get pages(): number {
    return this.#sockets.size;
  }

  /** Replaces the tile list (order kept); tiles not listed disappear at once. */
  setTiles(tiles: WindowTile[]): void {
    if (this.#closed) return;
    this.#tiles = tiles.map((t) => ({ id: t.id, name: t.name, video: t.video }));
    const ids = new Set(tiles.map((t) => t.id));
    for (const id of this.#last.keys()) if (!ids.has(id)) this.#last.delete(id);
    const text = JSON.stringify({ type: "tiles", tiles: this.#tiles });
    for (const ws of this.#sockets) this.#send(ws, text);
  }

  /**
   * Sends one `h264` payload (flags byte, access unit) of tile `id` to the
   * pages, which decode it (lib/media/h264_page.ts). Never kept for a page
   * that connects later: it asks for a keyframe instead. A page that lags
   * skips it, sees the `seq` gap and asks for a keyframe.
   */
  h264(id: number, seq: number, payload: Uint8Array): void {
    if (this.#closed || !this.#tiles.some((t) => t.id === id)) return;
    const msg = h264Message(id, seq, payload);
    for (const ws of this.#sockets) {
      if ((ws.bufferedAmount ?? 0) > MAX_BUFFERED) continue;
      this.#send(ws, msg);
    }
    this.#last.delete(id); // a JPEG of before is not shown again over the video
  }

  /** Shows a new JPEG in tile `id` (ignored for unknown tiles). */
  frame(id: number, jpeg: Uint8Array): void {
    if (this.#closed || !this.#tiles.some((t) => t.id === id)) return;
    const msg = new Uint8Array(4 + jpeg.length);
    new DataView(msg.buffer).setUint32(0, id >>> 0);
    msg.set(jpeg, 4);
    this.#last.set(id, msg);
    for (const ws of this.#sockets) {
      if ((ws.bufferedAmount ?? 0) > MAX_BUFFERED) continue;
      this.#send(ws, msg);
    }
  }

  /** Sends a page module's message to every page (binary ones skipped for a page that lags). */
  broadcast(data: string | Uint8Array): void {
    if (this.#closed) return;
    for (const ws of this.#sockets) {
      if (typeof data !== "string" && (ws.bufferedAmount ?? 0) > MAX_BUFFERED) continue;
      this.#send(ws, data);
    }
  }

  #send(ws: WebSocket, data: string | Uint8Array): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    try {
      ws.send(data);
    } catch { /* closing */ }
  }

  #handle(req: Request): Response {
    const url = new URL(req.url);
    const origin = `127.0.0.1:${this.#server.addr.port}`;
    if (req.headers.get("host") !== origin || this.#closed) return forbidden();
    if (url.pathname.startsWith("/open/")) return this.#exchange(url.pathname.slice(6));
    if (!this.#hasKey(req)) return forbidden();
    if (url.pathname === "/") {
      return new Response(windowPage(this.#options.lang, this.#options.page?.html), {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
          "content-security-policy":
            "default-src 'none'; img-src blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src ws://127.0.0.1:*",
        },
      });
    }
    if (url.pathname === "/ws") {
      // Browsers always send Origin with a WebSocket: only the page itself may connect.
      if (req.headers.get("origin") !== `http://${origin}`) return forbidden();
      if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return new Response("Expected a WebSocket", { status: 400 });
      }
      const { socket, response } = Deno.upgradeWebSocket(req);
      this.#adopt(socket);
      return response;
    }
    return new Response("Not found", { status: 404 });
  }

  /** The cookie's name: one per page server, since cookies ignore ports. */
  get #cookie(): string {
    return `pc3_${this.#server.addr.port}`;
  }

  /** The one-time ticket, used once, becomes the HttpOnly cookie and a redirect to the page. */
  #exchange(ticket: string): Response {
    if (this.#ticket === null || ticket !== this.#ticket) return forbidden();
    this.#ticket = null;
    return new Response(null, {
      status: 303,
      headers: {
        location: "/",
        "cache-control": "no-store",
        "set-cookie": `${this.#cookie}=${this.#key}; HttpOnly; SameSite=Strict; Path=/`,
      },
    });
  }

  #hasKey(req: Request): boolean {
    const cookies = req.headers.get("cookie") ?? "";
    return cookies.split(";").some((c) => c.trim() === `${this.#cookie}=${this.#key}`);
  }

  #adopt(ws: WebSocket): void {
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      if (this.#closed) {
        ws.close();
        return;
      }
      this.#sockets.add(ws);
      this.#clock.clearTimeout(this.#grace);
      this.#grace = undefined;
      this.#send(ws, JSON.stringify({ type: "tiles", tiles: this.#tiles }));
      for (const msg of this.#last.values()) this.#send(ws, msg);
      this.#options.page?.onOpen();
    };
    ws.onmessage = (e) => {
      if (e.data === "leave") this.#leave();
      else if (typeof e.data === "string") {
        const keyframeOf = parseKeyframeRequest(e.data);
        if (keyframeOf !== null) this.#options.onKeyframe?.(keyframeOf);
        else this.#options.page?.onText(e.data);
      }
    };
    ws.onerror = () => {};
    ws.onclose = () => {
      this.#sockets.delete(ws);
      if (this.#sockets.size === 0 && !this.#closed && !this.#left) {
        this.#clock.clearTimeout(this.#grace);
        this.#grace = this.#clock.setTimeout(() => {
          this.#grace = undefined;
          if (this.#sockets.size === 0) this.#leave();
        }, this.#options.graceMs ?? GRACE_MS);
      }
    };
  }

  #leave(): void {
    if (this.#left || this.#closed) return;
    this.#left = true;
    this.#clock.clearTimeout(this.#grace);
    this.#grace = undefined;
    for (const ws of this.#sockets) this.#send(ws, JSON.stringify({ type: "left" }));
    try {
      this.#options.onLeave();
    } catch { /* the caller's problem */ }
  }

  /** Tells pages the call is over, closes them and stops the server; safe twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearTimeout(this.#grace);
    this.#grace = undefined;
    const closing = [...this.#sockets].map((ws) =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.addEventListener("close", () => resolve());
        this.#send(ws, JSON.stringify({ type: "left" }));
        try {
          ws.close(1000);
        } catch {
          resolve();
        }
      })
    );
    const timeout = new Promise<void>((r) => {
      const id = setTimeout(r, CLOSE_WAIT_MS);
      Promise.all(closing).then(() => clearTimeout(id), () => clearTimeout(id)).then(r);
    });
    await timeout;
    this.#sockets.clear();
    await this.#server.shutdown();
  }
}
