/**
 * The call window's sound (issue 10): a script added to the call page
 * (lib/media/video_window_page.ts) that plays every speaker's Opus packets
 * with Web Audio, and the microphone controls.
 *
 * In the page, per speaker:
 * - Opus is decoded by WebCodecs `AudioDecoder` (Chromium, Edge, Chrome;
 *   the page says plainly when the browser has none).
 * - A jitter buffer places each packet in the slot its sequence number
 *   gives (`base + (seq - baseSeq) * 20 ms`) on the AudioContext clock, so
 *   reordering is undone; one or two missing packets are concealed with
 *   the last frame fading out, a longer gap is silence. The delay starts at 40 ms and adapts between 20 and
 *   200 ms: the newest packet arriving after its slot is an underrun (the
 *   output ran dry): playout restarts that much later and the delay grows by
 *   half a frame; after 1 s without underruns it shrinks towards 2.5x the
 *   measured interarrival jitter, dropping one frame at a time when the
 *   buffer holds more than it needs. A new talk spurt (the sender was
 *   muted) restarts playout without counting an underrun.
 * - Speakers are mixed by the AudioContext: each has a gain (its tile's
 *   volume slider and mute button) and an analyser (the tile's speaking
 *   indicator; tests read the tone's frequency from it).
 *
 * The microphone: `m` toggles mute, holding the space bar talks while held
 * (push-to-talk); the page only asks (`mute` / `unmute` to the process),
 * the process decides and answers with the state, so the page, `/mute` and
 * everyone else's view agree.
 *
 * Wire with the process (same WebSocket as the video, see video_window.ts):
 * - binary, process -> page: u32 BE {@link AUDIO_MAGIC}, u32 client id, u32
 *   seq, u32 ts, one Opus packet;
 * - text, process -> page: `{"type":"audio_state","self":{"id":N,"muted":b},
 *   "muted":[ids of members whose microphone is off]}`;
 * - text, page -> process: `mute`, `unmute`, and every second
 *   `{"type":"audio_stats","speakers":[{"id","depth","underruns","late","played"}]}`.
 *
 * @module
 */
import type { Lang } from "../protocol/i18n.ts";
import { translator } from "../protocol/i18n.ts";
import { clientText } from "../client/text.ts";
import { SPEAKER_SCRIPT } from "./audio_page_player.ts";

/** First u32 of an audio message to the page; tile ids never reach it. */
export const AUDIO_MAGIC = 0xffff_fffe;

/** Bytes before the Opus packet in an audio message to the page. */
export const AUDIO_HEADER = 16;

/** The binary message carrying one Opus packet of `id` to the page. */
export function audioMessage(id: number, seq: number, ts: number, opus: Uint8Array): Uint8Array {
  const msg = new Uint8Array(AUDIO_HEADER + opus.length);
  const v = new DataView(msg.buffer);
  v.setUint32(0, AUDIO_MAGIC);
  v.setUint32(4, id >>> 0);
  v.setUint32(8, seq >>> 0);
  v.setUint32(12, ts >>> 0);
  msg.set(opus, AUDIO_HEADER);
  return msg;
}

/** The `<style>` and `<script>` of the page's sound in `lang` (texts escaped for the script). */
export function audioPageScript(lang: Lang): string {
  const t = translator(clientText, lang);
  const texts = {
    muted: t("audio_page_mic_muted"),
    live: t("audio_page_mic_live"),
    hint: t("audio_page_hint"),
    enable: t("audio_page_enable"),
    noDecoder: t("audio_page_no_decoder"),
    volume: t("audio_page_volume"),
    muteTile: t("audio_page_mute_tile"),
    micOff: t("audio_page_muted_badge"),
  };
  return STYLE + "<script>\n" +
    SCRIPT.replace("__AUDIO_TEXTS__", JSON.stringify(texts).replaceAll("<", "\\u003c"))
      .replace("__SPEAKER__", () => SPEAKER_SCRIPT) +
    "</script>\n";
}

const STYLE = `<style>
  #audiobar { display: flex; gap: 12px; align-items: center; padding: 4px 12px;
    background: #1d1d1d; font-size: 14px; }
  #audiobar button { font: inherit; padding: 2px 10px; border-radius: 4px; border: 0;
    background: #633; color: #fff; cursor: pointer; white-space: nowrap; }
  #audiobar button.live { background: #363; }
  #audiobar .hint { color: #999; flex: 1; }
  #audioenable { display: none; color: #fc6; }
  .tile.speaking { outline: 3px solid #5c5; }
  .tile .audio { position: absolute; right: 8px; bottom: 8px; display: flex; gap: 6px;
    align-items: center; background: rgba(0,0,0,.6); border-radius: 4px; padding: 2px 6px; }
  .tile .audio input { width: 80px; }
  .tile .audio button { font: inherit; background: none; border: 0; color: #eee;
    cursor: pointer; padding: 0; }
  .tile .audio .badge { display: none; color: #f99; font-size: 13px; }
  .tile.micoff .audio .badge { display: inline; }
</style>
`;

// Plain browser JavaScript (runs in the page, not in Deno).
const SCRIPT = `
(() => {
"use strict";
const PAGE = window.pc3Page;
const T = __AUDIO_TEXTS__;
const MAGIC = 0xfffffffe;
const FRAME = 0.02;
const MIN_DELAY = 0.02, MAX_DELAY = 0.2, START_DELAY = 0.04;
const MARGIN = 0.004;
const CALM_PACKETS = 50;
const speakers = new Map();
const prefs = new Map();
let micOff = new Set();
let self = { id: -1, muted: true };
let ctx = null;
let master = null;
let ptt = false;
const hasDecoder = typeof AudioDecoder === "function";

const bar = document.createElement("div");
bar.id = "audiobar";
const micButton = document.createElement("button");
const hint = document.createElement("span");
hint.className = "hint";
hint.textContent = hasDecoder ? T.hint : T.noDecoder;
const enable = document.createElement("span");
enable.id = "audioenable";
enable.textContent = T.enable;
bar.append(micButton, hint, enable);
document.body.insertBefore(bar, document.getElementById("grid"));
micButton.onclick = () => askMute(!self.muted);

function showMic() {
  micButton.textContent = self.muted ? T.muted : T.live;
  micButton.classList.toggle("live", !self.muted);
}

function audioCtx() {
  if (ctx) return ctx;
  // The smallest output buffer the device allows: "interactive" kept ~42 ms queued in
  // Chromium's output, 0 about 13 ms (mouth-to-ear p50 85 -> 56 ms, BENCHMARKS.md).
  ctx = new AudioContext({ sampleRate: 48000, latencyHint: 0 });
  master = ctx.createGain();
  master.connect(ctx.destination);
  ctx.onstatechange = showEnable;
  showEnable();
  return ctx;
}

function showEnable() {
  enable.style.display = ctx && ctx.state !== "running" ? "inline" : "none";
}

function wake() {
  if (ctx && ctx.state !== "running") ctx.resume().catch(() => {});
}
document.addEventListener("pointerdown", wake);

__SPEAKER__
function onAudio(buf) {
  if (buf.byteLength < 17) return false;
  const v = new DataView(buf);
  if (v.getUint32(0) !== MAGIC) return false;
  if (!hasDecoder) return true;
  const id = v.getUint32(4);
  let s = speakers.get(id);
  if (!s) {
    s = new Speaker(id);
    speakers.set(id, s);
  }
  s.push(v.getUint32(8), v.getUint32(12), new Uint8Array(buf, 16));
  return true;
}

function tileControls() {
  for (const el of document.querySelectorAll(".tile")) {
    const id = Number(el.dataset.id);
    el.classList.toggle("micoff", id === self.id ? self.muted : micOff.has(id));
    if (el.querySelector(".audio")) continue;
    const box = document.createElement("div");
    box.className = "audio";
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = T.micOff;
    box.append(badge);
    if (id !== self.id) {
      const p = prefs.get(id) || { volume: 1, muted: false };
      prefs.set(id, p);
      const mute = document.createElement("button");
      mute.title = T.muteTile;
      const vol = document.createElement("input");
      vol.type = "range";
      vol.min = "0";
      vol.max = "2";
      vol.step = "0.05";
      vol.value = String(p.volume);
      vol.title = T.volume;
      const show = () => { mute.textContent = p.muted ? "🔇" : "🔊"; };
      mute.onclick = () => { p.muted = !p.muted; show(); speakers.get(id)?.applyPrefs(); };
      vol.oninput = () => { p.volume = Number(vol.value); speakers.get(id)?.applyPrefs(); };
      show();
      box.append(mute, vol);
    }
    el.append(box);
  }
}

function onText(msg) {
  if (msg.type === "tiles") {
    const keep = new Set(msg.tiles.map((x) => x.id));
    for (const [id, s] of speakers) {
      if (!keep.has(id)) { s.close(); speakers.delete(id); }
    }
    tileControls();
  } else if (msg.type === "audio_state") {
    self = msg.self;
    micOff = new Set(msg.muted);
    showMic();
    for (const el of document.querySelectorAll(".tile .audio")) el.remove();
    tileControls();
  }
}

function askMute(muted) {
  wake();
  PAGE.send(muted ? "mute" : "unmute");
}

document.addEventListener("keydown", (e) => {
  wake();
  if (e.ctrlKey || e.metaKey || e.altKey || e.target instanceof HTMLInputElement) return;
  if (e.key === "m" || e.key === "M") askMute(!self.muted);
  else if (e.code === "Space") {
    e.preventDefault();
    if (!e.repeat && self.muted) { ptt = true; askMute(false); }
  }
});
document.addEventListener("keyup", (e) => {
  if (e.code === "Space" && ptt) { ptt = false; askMute(true); }
});
window.addEventListener("blur", () => {
  if (ptt) { ptt = false; askMute(true); }
});

setInterval(() => {
  for (const el of document.querySelectorAll(".tile")) {
    const s = speakers.get(Number(el.dataset.id));
    el.classList.toggle("speaking", !!s && s.level() > 0.01);
  }
}, 150);

setInterval(() => {
  if (speakers.size === 0) return;
  const list = [...speakers.values()].map((s) => ({
    id: s.id, depth: Math.round(s.depthMs()), underruns: s.underruns, late: s.late,
    played: s.played,
  }));
  PAGE.send(JSON.stringify({ type: "audio_stats", speakers: list }));
}, 1000);

PAGE.binary.push(onAudio);
PAGE.text.push(onText);
showMic();
// Created at once, so the page can ask for the click browsers want before sound.
if (hasDecoder) audioCtx();

// For tests and the bench: what the page hears.
window.pc3Audio = {
  onPlay: null,
  context: () => ctx,
  peakFrequency: (id) => speakers.get(id)?.peakFrequency() ?? 0,
  level: (id) => speakers.get(id)?.level() ?? 0,
  stats: () => [...speakers.values()].map((s) => ({
    id: s.id, played: s.played, underruns: s.underruns, late: s.late, skipped: s.skipped,
    concealed: s.concealed,
    delay: Math.round(s.delay * 1000), jitter: s.jitter, depth: s.depthMs(),
    decodeErrors: s.decodeErrors,
  })),
  self: () => ({ ...self, context: ctx ? ctx.state : "none", decoder: hasDecoder }),
};
})();
`;
