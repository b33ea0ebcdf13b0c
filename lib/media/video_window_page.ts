/**
 * The page of the call window (see video_window.ts): a grid of tiles fed by
 * a WebSocket, with the user-facing texts of the chosen language filled in.
 *
 * @module
 */
import type { Lang } from "../protocol/i18n.ts";
import { translator } from "../protocol/i18n.ts";
import { clientText } from "../client/text.ts";
import { H264_PAGE } from "./h264_page.ts";

/**
 * The HTML of the call window in `lang` (texts escaped for HTML and for the
 * script). `extra` is added at the end of the body: the scripts of other page
 * modules (the sound: lib/media/audio_page.ts), which plug into the page
 * through `window.pc3Page` (`binary`/`text` handler lists fed by the
 * WebSocket — a binary handler returning true consumes the message —,
 * `send(text)` to the process and `tile(id)`, a tile's elements). The H.264
 * decoder (lib/media/h264_page.ts) is always part of the page.
 */
export function windowPage(lang: Lang, extra = ""): string {
  const t = translator(clientText, lang);
  const texts = {
    noVideo: t("no_video"),
    left: t("window_left"),
    lost: t("window_lost"),
  };
  return PAGE
    .replace("__LANG__", lang)
    .replaceAll("__TITLE__", escapeHtml(t("window_title")))
    .replace("__HINT__", escapeHtml(t("window_hint")))
    .replace("__TEXTS__", JSON.stringify(texts).replaceAll("<", "\\u003c"))
    .replace("__EXTRA__", () => H264_PAGE + extra);
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
// Hooks for other page modules (see windowPage's docs).
window.pc3Page = {
  binary: [],
  text: [],
  send(text) { if (ws && ws.readyState === WebSocket.OPEN) ws.send(text); },
  tile(id) { return tiles.get(id); },
};

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
  t.el.classList.remove("novideo", "h264");
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
      for (const hook of window.pc3Page.text) hook(msg);
    } else if (!window.pc3Page.binary.some((hook) => hook(e.data))) showFrame(e.data);
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
__EXTRA__
</body>
</html>
`;
