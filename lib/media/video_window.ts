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
 * server listens on loopback, every URL carries a random key, and the Host
 * header must be the loopback address (no DNS rebinding).
 *
 * Wire between this process and the page (WebSocket at `/<key>/ws`):
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
import { VIDEO_TEXT } from "./video_text.ts";

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
}

/** Frames queued in a page socket beyond which new frames are skipped. */
const MAX_BUFFERED = 2 * 1024 * 1024;

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
  #t: ReturnType<typeof translator<typeof VIDEO_TEXT>>;
  #key = crypto.randomUUID().replaceAll("-", "");
  #server!: Deno.HttpServer<Deno.NetAddr>;
  #sockets = new Set<WebSocket>();
  #tiles: WindowTile[] = [];
  #last = new Map<number, Uint8Array>();
  #grace: ReturnType<typeof setTimeout> | undefined;
  #left = false;
  #closed = false;
  #url = "";

  private constructor(options: VideoWindowOptions) {
    this.#options = options;
    this.#t = translator(VIDEO_TEXT, options.lang);
  }

  /** Starts the page server and (by default) opens the browser. */
  static start(options: VideoWindowOptions): Promise<VideoWindow> {
    const w = new VideoWindow(options);
    w.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => w.#handle(req),
    );
    const port = w.#server.addr.port;
    w.#url = `http://127.0.0.1:${port}/${w.#key}/`;
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

  /** Address of the page. */
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

  #send(ws: WebSocket, data: string | Uint8Array): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    try {
      ws.send(data);
    } catch { /* closing */ }
  }

  #handle(req: Request): Response {
    const url = new URL(req.url);
    const host = req.headers.get("host");
    if (host !== `127.0.0.1:${this.#server.addr.port}` || this.#closed) {
      return new Response("Forbidden", { status: 403 });
    }
    if (url.pathname === `/${this.#key}/`) {
      return new Response(this.#page(), {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
          "content-security-policy":
            "default-src 'none'; img-src blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src ws://127.0.0.1:*",
        },
      });
    }
    if (url.pathname === `/${this.#key}/ws`) {
      if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return new Response("Expected a WebSocket", { status: 400 });
      }
      const { socket, response } = Deno.upgradeWebSocket(req);
      this.#adopt(socket);
      return response;
    }
    return new Response("Not found", { status: 404 });
  }

  #adopt(ws: WebSocket): void {
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      if (this.#closed) {
        ws.close();
        return;
      }
      this.#sockets.add(ws);
      clearTimeout(this.#grace);
      this.#grace = undefined;
      this.#send(ws, JSON.stringify({ type: "tiles", tiles: this.#tiles }));
      for (const msg of this.#last.values()) this.#send(ws, msg);
    };
    ws.onmessage = (e) => {
      if (e.data === "leave") this.#leave();
    };
    ws.onerror = () => {};
    ws.onclose = () => {
      this.#sockets.delete(ws);
      if (this.#sockets.size === 0 && !this.#closed && !this.#left) {
        clearTimeout(this.#grace);
        this.#grace = setTimeout(() => {
          this.#grace = undefined;
          if (this.#sockets.size === 0) this.#leave();
        }, this.#options.graceMs ?? 4000);
      }
    };
  }

  #leave(): void {
    if (this.#left || this.#closed) return;
    this.#left = true;
    clearTimeout(this.#grace);
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
    clearTimeout(this.#grace);
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
      const id = setTimeout(r, 2000);
      Promise.all(closing).then(() => clearTimeout(id), () => clearTimeout(id)).then(r);
    });
    await timeout;
    this.#sockets.clear();
    await this.#server.shutdown();
  }

  #page(): string {
    const t = this.#t;
    const texts = {
      noVideo: t("no_video"),
      left: t("window_left"),
      lost: t("window_lost"),
    };
    return PAGE
      .replace("__LANG__", this.#options.lang)
      .replaceAll("__TITLE__", escapeHtml(t("window_title")))
      .replace("__HINT__", escapeHtml(t("window_hint")))
      .replace("__TEXTS__", JSON.stringify(texts).replaceAll("<", "\\u003c"));
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PAGE = `<!doctype html>
<html lang="__LANG__">
<head>
<meta charset="utf-8">
<title>__TITLE__</title>
<style>
  html, body { margin: 0; height: 100%; background: #111; color: #eee;
    font-family: system-ui, sans-serif; }
  header { display: flex; justify-content: space-between; padding: 6px 12px;
    background: #1d1d1d; font-size: 14px; }
  #grid { display: grid; gap: 8px; padding: 8px; box-sizing: border-box;
    grid-template-columns: repeat(auto-fit, minmax(260px, 1fr));
    height: calc(100% - 32px); align-content: center; }
  .tile { position: relative; background: #000; border-radius: 8px; overflow: hidden;
    aspect-ratio: 4 / 3; }
  .tile img { width: 100%; height: 100%; object-fit: contain; display: block; }
  .tile .name { position: absolute; left: 8px; bottom: 8px; padding: 2px 8px;
    background: rgba(0,0,0,.6); border-radius: 4px; font-size: 15px; }
  .tile .note { position: absolute; inset: 0; display: none; align-items: center;
    justify-content: center; color: #999; font-size: 18px; }
  .tile.novideo img { visibility: hidden; }
  .tile.novideo .note { display: flex; }
  #status { text-align: center; color: #f99; padding: 4px; display: none; }
</style>
</head>
<body>
<header><span>__TITLE__</span><span>__HINT__</span></header>
<div id="status"></div>
<div id="grid"></div>
<script>
"use strict";
const TEXTS = __TEXTS__;
const grid = document.getElementById("grid");
const status = document.getElementById("status");
const tiles = new Map();
let ws = null;
let done = false;

function tileFor(id, name) {
  let t = tiles.get(id);
  if (!t) {
    const el = document.createElement("div");
    el.className = "tile novideo";
    el.dataset.id = String(id);
    const img = document.createElement("img");
    img.alt = "";
    const label = document.createElement("div");
    label.className = "name";
    const note = document.createElement("div");
    note.className = "note";
    note.textContent = TEXTS.noVideo;
    el.append(img, note, label);
    t = { el, img, label, url: null };
    tiles.set(id, t);
  }
  t.label.textContent = name;
  return t;
}

function setTiles(list) {
  const keep = new Set(list.map((x) => x.id));
  for (const [id, t] of tiles) {
    if (!keep.has(id)) {
      if (t.url) URL.revokeObjectURL(t.url);
      t.el.remove();
      tiles.delete(id);
    }
  }
  for (const x of list) {
    const t = tileFor(x.id, x.name);
    t.el.classList.toggle("novideo", !x.video);
    grid.append(t.el);
  }
}

function showFrame(buf) {
  const id = new DataView(buf).getUint32(0);
  const t = tiles.get(id);
  if (!t) return;
  const url = URL.createObjectURL(new Blob([buf.slice(4)], { type: "image/jpeg" }));
  const old = t.url;
  t.url = url;
  t.img.onload = () => { if (old) URL.revokeObjectURL(old); };
  t.img.onerror = () => { if (old) URL.revokeObjectURL(old); };
  t.img.src = url;
  t.el.classList.remove("novideo");
}

function showStatus(text) {
  status.textContent = text;
  status.style.display = text ? "block" : "none";
}

function connect() {
  ws = new WebSocket("ws://" + location.host + location.pathname + "ws");
  ws.binaryType = "arraybuffer";
  ws.onopen = () => showStatus("");
  ws.onmessage = (e) => {
    if (typeof e.data === "string") {
      const msg = JSON.parse(e.data);
      if (msg.type === "tiles") setTiles(msg.tiles);
      else if (msg.type === "left") { done = true; showStatus(TEXTS.left); }
    } else showFrame(e.data);
  };
  ws.onclose = () => {
    if (done) return;
    showStatus(TEXTS.lost);
    setTimeout(connect, 1000);
  };
}

document.addEventListener("keydown", (e) => {
  if ((e.key === "q" || e.key === "Q") && !e.ctrlKey && !e.metaKey && !e.altKey) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send("leave");
  }
});
connect();
</script>
</body>
</html>
`;
