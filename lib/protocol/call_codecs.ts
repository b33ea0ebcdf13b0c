/**
 * Video codec negotiation of a call (PROTOCOL.md section 4): which codecs a
 * `call start` offers, which one each member receives, and which codecs the
 * senders must send so every receiver is served. Pure rules shared by the
 * server (it computes `send`) and the client (it reads `send`).
 *
 * @module
 */

/** The video codecs PC3 knows, by their wire names. */
export type VideoCodec = "h264" | "mjpeg";

/** Every known codec, in the order `send` lists them. */
export const VIDEO_CODECS: readonly VideoCodec[] = ["h264", "mjpeg"];

/** What a client without a `video` list (v1, older v2) receives and sends. */
export const LEGACY_CODECS: readonly VideoCodec[] = ["mjpeg"];

/** Longest `video` list accepted in a `call start`. */
export const MAX_CODEC_LIST = 8;

/**
 * What a client offers in `call start` for its video view: the window (a
 * browser page with WebCodecs) prefers H.264; the terminal view and `none`
 * take MJPEG (the terminal decodes JPEG itself).
 */
export function offerForView(view: "window" | "terminal" | "none"): VideoCodec[] {
  return view === "window" ? ["h264", "mjpeg"] : ["mjpeg"];
}

/** Whether `value` is a known codec name. */
export function isVideoCodec(value: unknown): value is VideoCodec {
  return value === "h264" || value === "mjpeg";
}

/**
 * Reads the `video` field of a `call start`: absent means
 * {@link LEGACY_CODECS}; an array of at most {@link MAX_CODEC_LIST} strings
 * keeps the known codecs in the client's order (unknown names are skipped, so
 * a newer client can offer codecs this one does not know); when none is
 * known, `mjpeg` (every PC3 client decodes it). Anything else is `null`
 * (a malformed request).
 *
 * @example
 * ```ts
 * import { parseCodecList } from "./call_codecs.ts";
 * parseCodecList(["vp9", "h264", "mjpeg"]); // ["h264", "mjpeg"]
 * parseCodecList(undefined); // ["mjpeg"]
 * parseCodecList("h264"); // null
 * ```
 */
export function parseCodecList(value: unknown): VideoCodec[] | null {
  if (value === undefined) return [...LEGACY_CODECS];
  if (!Array.isArray(value) || value.length > MAX_CODEC_LIST) return null;
  const out: VideoCodec[] = [];
  for (const item of value) {
    if (typeof item !== "string") return null;
    if (isVideoCodec(item) && !out.includes(item)) out.push(item);
  }
  return out.length > 0 ? out : [...LEGACY_CODECS];
}

/** The codec a member with this offer receives: its first choice. */
export function receiveCodec(offer: readonly VideoCodec[]): VideoCodec {
  return offer[0] ?? "mjpeg";
}

/**
 * The call's `send` list: every codec some member receives, in
 * {@link VIDEO_CODECS} order. An empty call sends nothing.
 */
export function sendSet(receivers: Iterable<VideoCodec>): VideoCodec[] {
  const needed = new Set(receivers);
  return VIDEO_CODECS.filter((c) => needed.has(c));
}

/**
 * The codecs one sender actually sends: those of the call's `send` it can
 * produce. A sender that cannot produce any of them sends MJPEG, which the
 * relay then also gives to H.264 receivers (they all decode MJPEG).
 */
export function codecsToSend(
  send: readonly VideoCodec[],
  offer: readonly VideoCodec[],
): VideoCodec[] {
  const out = send.filter((c) => offer.includes(c));
  return out.length > 0 ? out : send.length > 0 ? ["mjpeg"] : [];
}
