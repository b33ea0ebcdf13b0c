/**
 * Capture devices as ffmpeg lists them on Windows (dshow) and macOS
 * (avfoundation), for cameras and microphones alike: one parser per
 * listing format, told which kind to keep, and the one ffmpeg call that
 * prints the listing. Linux devices come from /dev and /proc instead
 * (lib/media/video_capture.ts, lib/media/audio_capture.ts).
 *
 * @module
 */

/** Which devices to keep from a listing. */
export type DeviceKind = "video" | "audio";

const withoutPrefix = (raw: string) => raw.replace(/^\[[^\]]*\]\s*/, "");

/**
 * Device names of one kind from `ffmpeg -list_devices true -f dshow -i dummy`,
 * in both layouts: the old one with "DirectShow video/audio devices" section
 * headers, and the newer one that tags each `"name" (video)` (pure).
 *
 * @example
 * ```ts
 * import { parseDshowList } from "./devices.ts";
 * parseDshowList('[dshow @ 0] "Headset Mic" (audio)', "audio"); // ["Headset Mic"]
 * ```
 */
export function parseDshowList(stderr: string, kind: DeviceKind): string[] {
  const names: string[] = [];
  let section: DeviceKind | "none" = "none";
  for (const raw of stderr.split(/\r?\n/)) {
    const line = withoutPrefix(raw);
    if (/DirectShow video devices/i.test(line)) section = "video";
    else if (/DirectShow audio devices/i.test(line)) section = "audio";
    if (/^\s*Alternative name/i.test(line)) continue;
    const tagged = line.match(/^\s*"(.+)"\s*\(([a-z, ]+)\)\s*$/);
    if (tagged) {
      if (tagged[2].includes(kind)) names.push(tagged[1]);
      continue;
    }
    const plain = line.match(/^\s*"(.+)"\s*$/);
    if (plain && section === kind) names.push(plain[1]);
  }
  return [...new Set(names)];
}

/**
 * Device names of one kind from `ffmpeg -f avfoundation -list_devices true -i ""`;
 * screens ("Capture screen N") are not cameras (pure).
 */
export function parseAvfoundationList(stderr: string, kind: DeviceKind): string[] {
  const names: string[] = [];
  let section: DeviceKind | "none" = "none";
  for (const raw of stderr.split(/\r?\n/)) {
    const line = withoutPrefix(raw);
    if (/AVFoundation video devices/i.test(line)) section = "video";
    else if (/AVFoundation audio devices/i.test(line)) section = "audio";
    else if (section === kind) {
      const m = line.match(/^\s*\[(\d+)\]\s+(.+?)\s*$/);
      if (m && !(kind === "video" && /^Capture screen/i.test(m[2]))) names.push(m[2]);
    }
  }
  return names;
}

/** Lists the `kind` devices ffmpeg sees on Windows (dshow) or macOS (avfoundation). */
export async function listFfmpegDevices(
  ffmpeg: string,
  os: string,
  kind: DeviceKind,
): Promise<string[]> {
  const args = os === "windows"
    ? ["-hide_banner", "-list_devices", "true", "-f", "dshow", "-i", "dummy"]
    : ["-hide_banner", "-f", "avfoundation", "-list_devices", "true", "-i", ""];
  const out = await new Deno.Command(ffmpeg, {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stderr);
  return os === "windows" ? parseDshowList(text, kind) : parseAvfoundationList(text, kind);
}
