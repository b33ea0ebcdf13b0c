/**
 * H.264 in the call window page (issue 10): the page decodes each sender's
 * access units with WebCodecs `VideoDecoder` (baseline, `avc1.42E01E`, Annex
 * B with SPS/PPS in every keyframe) and draws them on a canvas in the
 * sender's tile. After a `seq` gap, a decode error, or when it has no
 * decoder state yet (a newcomer, a reloaded page) it waits for a keyframe and
 * asks the process for one, at most once a second per sender; the process
 * passes the request to the chat server (PROTOCOL.md section 4).
 *
 * Wire with the process (the call window's WebSocket, lib/media/video_window.ts):
 * - binary, process -> page: u32 BE {@link H264_MAGIC}, u32 tile id, u32
 *   seq, then the `h264` datagram's payload (flags byte, access unit);
 * - text, page -> process: `{"type":"keyframe","id":N}`.
 *
 * @module
 */

/** First u32 of an H.264 message to the page; tile ids never reach it. */
export const H264_MAGIC = 0xffff_fffd;

/** Bytes before the `h264` payload in a message to the page. */
export const H264_HEADER = 12;

/** The binary message carrying one `h264` payload (flags + access unit) of tile `id`. */
export function h264Message(id: number, seq: number, payload: Uint8Array): Uint8Array {
  const msg = new Uint8Array(H264_HEADER + payload.length);
  const v = new DataView(msg.buffer);
  v.setUint32(0, H264_MAGIC);
  v.setUint32(4, id >>> 0);
  v.setUint32(8, seq >>> 0);
  msg.set(payload, H264_HEADER);
  return msg;
}

/**
 * Reads a page's keyframe request (`{"type":"keyframe","id":N}`); null for
 * anything else, so other page modules get their texts.
 */
export function parseKeyframeRequest(text: string): number | null {
  if (!text.startsWith('{"type":"keyframe"')) return null;
  try {
    const msg = JSON.parse(text);
    const id = msg?.id;
    return Number.isInteger(id) && id >= 0 && id <= 0xffff_ffff ? id : null;
  } catch {
    return null;
  }
}

/** The `<style>` and `<script>` of the page's H.264 decoding (no texts to translate). */
export const H264_PAGE = `<style>
  .tile canvas { width: 100%; height: 100%; object-fit: contain; display: none; }
  .tile.h264 canvas { display: block; }
  .tile.h264 img { display: none; }
  .tile.novideo canvas { visibility: hidden; }
</style>
<script>
"use strict";
(() => {
  const MAGIC = ${H264_MAGIC};
  const ASK_EVERY_MS = 1000;
  const streams = new Map();
  const page = window.pc3Page;

  function ask(s) {
    const now = performance.now();
    if (now - s.askedAt < ASK_EVERY_MS) return;
    s.askedAt = now;
    page.send(JSON.stringify({ type: "keyframe", id: s.id }));
    page.h264.asked++;
  }

  function fail(s) {
    s.waitingKey = true;
    try { s.decoder.close(); } catch (_) { /* already closed */ }
    s.decoder = null;
    page.h264.errors++;
    ask(s);
  }

  function draw(s, frame) {
    const t = page.tile(s.id);
    if (!t) { frame.close(); return; }
    let c = t.el.querySelector("canvas");
    if (!c) {
      c = document.createElement("canvas");
      t.el.insertBefore(c, t.el.firstChild);
    }
    if (c.width !== frame.displayWidth) c.width = frame.displayWidth;
    if (c.height !== frame.displayHeight) c.height = frame.displayHeight;
    c.getContext("2d").drawImage(frame, 0, 0);
    frame.close();
    t.el.classList.add("h264");
    t.el.classList.remove("novideo");
    page.h264.shown++;
  }

  function decoderOf(s) {
    if (s.decoder && s.decoder.state !== "closed") return s.decoder;
    s.decoder = new VideoDecoder({ output: (f) => draw(s, f), error: () => fail(s) });
    s.decoder.configure({ codec: "avc1.42E01E", optimizeForLatency: true });
    return s.decoder;
  }

  function onH264(buf) {
    if (buf.byteLength < 14) return false;
    const v = new DataView(buf);
    if (v.getUint32(0) !== MAGIC) return false;
    const id = v.getUint32(4);
    const seq = v.getUint32(8);
    const key = (v.getUint8(12) & 1) === 1;
    let s = streams.get(id);
    if (!s) {
      s = { id, decoder: null, waitingKey: true, askedAt: -1e9, lastSeq: null, ts: 0 };
      streams.set(id, s);
    }
    if (s.lastSeq !== null && ((seq - s.lastSeq) >>> 0) !== 1) s.waitingKey = true;
    s.lastSeq = seq;
    if (s.waitingKey && !key) { ask(s); return true; }
    if (!window.VideoDecoder) return true;
    try {
      decoderOf(s).decode(new EncodedVideoChunk({
        type: key ? "key" : "delta",
        timestamp: (s.ts++) * 1000,
        data: new Uint8Array(buf, 13),
      }));
      s.waitingKey = false;
    } catch (_) {
      fail(s);
    }
    return true;
  }

  page.h264 = { shown: 0, asked: 0, errors: 0 };
  page.binary.push(onH264);
  page.text.push((msg) => {
    if (msg.type !== "tiles") return;
    const keep = new Set(msg.tiles.map((x) => x.id));
    for (const [id, s] of streams) {
      if (keep.has(id)) continue;
      try { if (s.decoder) s.decoder.close(); } catch (_) { /* closed */ }
      streams.delete(id);
    }
  });
})();
</script>
`;
