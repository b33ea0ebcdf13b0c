/**
 * Relay egress of a 10-person call at 320x240, 15 fps (issue 10): the same
 * call sent as MJPEG (the reference, what PC3 sent before) and as H.264, in
 * the same run, through the real relay and Room on loopback. Prints Mbit/s
 * out of the relay (UDP payload plus 28 bytes of IP/UDP header per
 * datagram), the share of frames a receiver could show, and the ratio.
 *
 * Each participant sends its own ffmpeg source (test patterns and textured,
 * moving scenes), encoded beforehand exactly as a client does: MJPEG at
 * quantiser 5, and H.264 through lib/media/h264_encoder.ts from those JPEGs.
 * Frames are sent in real time by plain UDP sockets (no ffmpeg during the
 * measurement). "Shown": a JPEG that arrives is shown; an H.264 frame is
 * shown when it arrives and every frame since the last keyframe did too.
 *
 * `deno run -A bench/video_egress.ts [seconds]` (default 6).
 *
 * @module
 */
import { findFfmpeg } from "../lib/media/ffmpeg_path.ts";
import { H264Encoder } from "../lib/media/h264_encoder.ts";
import { MjpegSplitter } from "../lib/media/mjpeg.ts";
import type { VideoCodec } from "../lib/protocol/call_codecs.ts";
import {
  decodeMediaPacket,
  encodeH264Payload,
  encodeMediaPacket,
  MAX_PAYLOAD,
  MediaKind,
  tokenToBytes,
} from "../lib/protocol/media_packet.ts";
import { decodeMessage, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import { serveMedia } from "../lib/server/relay/udp_server.ts";
import { Room } from "../lib/server/room/room.ts";

const PEOPLE = 10;
const WIDTH = 320;
const HEIGHT = 240;
const FPS = 15;
const SECONDS = Number(Deno.args[0] ?? 6);
const FRAMES = FPS * SECONDS;

const SIZE = `size=${WIDTH}x${HEIGHT}:rate=${FPS}`;
/** One lavfi graph per participant: patterns, moving textures, and camera-like sensor noise. */
const SOURCES = [
  `testsrc=${SIZE}`,
  `testsrc2=${SIZE}`,
  `smptebars=${SIZE}`,
  `mandelbrot=${SIZE}`,
  `life=${SIZE}:ratio=0.3:mold=10`,
  `cellauto=${SIZE}:rule=110`,
  `rgbtestsrc=${SIZE}`,
  `testsrc2=${SIZE},hue=h=90`,
  `testsrc2=${SIZE},noise=alls=12:allf=t`,
  `mandelbrot=${SIZE}:start_scale=2,noise=alls=8:allf=t`,
];

interface Clip {
  jpegs: Uint8Array[];
  h264: { bytes: Uint8Array; keyframe: boolean }[];
}

async function jpegsOf(ffmpeg: string, source: string): Promise<Uint8Array[]> {
  const args = [
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    source,
    "-frames:v",
    String(FRAMES),
    "-pix_fmt",
    "yuvj420p",
    "-q:v",
    "5",
    "-f",
    "mjpeg",
    "pipe:1",
  ];
  const out = await new Deno.Command(ffmpeg, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`ffmpeg ${source}: ${new TextDecoder().decode(out.stderr)}`);
  return new MjpegSplitter({ maxFrame: MAX_PAYLOAD }).push(out.stdout);
}

async function h264Of(ffmpeg: string, jpegs: Uint8Array[]): Promise<Clip["h264"]> {
  const units: Clip["h264"] = [];
  let done: () => void = () => {};
  const encoder = H264Encoder.start({
    ffmpeg,
    width: WIDTH,
    height: HEIGHT,
    fps: FPS,
    maxFrame: MAX_PAYLOAD - 1,
    onUnit: (u) => {
      units.push(u);
      if (units.length >= jpegs.length - 3) done();
    },
  });
  const finished = new Promise<void>((r) => (done = r));
  for (const jpeg of jpegs) {
    // Wait for the encoder to take each frame (it drops frames while busy).
    const before = encoder.stats.input;
    while (encoder.stats.input === before) {
      encoder.push(jpeg);
      if (encoder.stats.input === before) await new Promise((r) => setTimeout(r, 1));
    }
  }
  await Promise.race([finished, new Promise((r) => setTimeout(r, 5000))]);
  await encoder.stop();
  return units;
}

interface Result {
  codec: VideoCodec;
  mbps: number;
  shownPct: number;
  datagrams: number;
  seconds: number;
}

/** Runs the call with every member receiving `codec`, and measures what leaves the relay. */
async function runCall(clips: Clip[], codec: VideoCodec): Promise<Result> {
  const room = new Room({ lang: "en" });
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const relay = serveMedia(socket, { room, acceptV1: false, maxFps: 60 });
  const relayAddr = {
    transport: "udp" as const,
    hostname: "127.0.0.1",
    port: (socket.addr as Deno.NetAddr).port,
  };
  const people = [];
  for (let i = 0; i < PEOPLE; i++) {
    let joined: Message | null = null;
    const decoder = new FrameDecoder();
    const conn = room.connect({
      ip: "127.0.0.1",
      port: 30000 + i,
      send(bytes) {
        decoder.push(bytes);
        let p: Uint8Array | null;
        while ((p = decoder.next()) !== null) {
          const f = decodeMessage(p);
          if (f.type === "call_joined") joined = f;
        }
        return true;
      },
      close() {},
    });
    const text = new TextEncoder();
    const say = (m: Message) => conn.receive(text.encode(JSON.stringify(m)));
    say({ type: "hello", version: 2, name: `P${i}` });
    say({ type: "call", action: "start", video: [codec] });
    const j = joined as unknown as { token: string; client_id: number };
    const udp = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    people.push({ id: j.client_id, token: j.token, udp, bytes: 0, datagrams: 0, shown: 0 });
  }
  for (const p of people) {
    await p.udp.send(
      encodeMediaPacket({
        kind: MediaKind.Register,
        clientId: p.id,
        seq: 0,
        ts: 0,
        payload: tokenToBytes(p.token),
      }),
      relayAddr,
    );
    await p.udp.receive(); // registered
  }
  // Receivers: count bytes and decodable frames per sender.
  let measuring = true;
  const loops = people.map(async (p) => {
    const state = new Map<number, { lastSeq: number; broken: boolean }>();
    while (measuring) {
      let data: Uint8Array;
      try {
        [data] = await p.udp.receive();
      } catch {
        return;
      }
      p.bytes += data.length + 28;
      p.datagrams++;
      const d = decodeMediaPacket(data);
      if (!d.ok) continue;
      const { clientId, seq, kind, payload } = d.packet;
      const s = state.get(clientId) ?? { lastSeq: seq - 1, broken: false };
      const gap = ((seq - s.lastSeq) >>> 0) !== 1;
      s.lastSeq = seq;
      if (kind === MediaKind.H264) {
        const key = (payload[0] & 1) === 1;
        if (key) s.broken = false;
        else if (gap) s.broken = true;
        if (!s.broken) p.shown++;
      } else p.shown++;
      state.set(clientId, s);
    }
  });
  const started = performance.now();
  for (let f = 0; f < FRAMES; f++) {
    const due = started + (f * 1000) / FPS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await Promise.all(people.map((p, i) => {
      const clip = clips[i];
      const payload = codec === "mjpeg" ? clip.jpegs[f % clip.jpegs.length] : (() => {
        const u = clip.h264[f % clip.h264.length];
        return encodeH264Payload(u.bytes, u.keyframe);
      })();
      const kind = codec === "mjpeg" ? MediaKind.Video : MediaKind.H264;
      return p.udp.send(
        encodeMediaPacket({ kind, clientId: p.id, seq: f, ts: 0, payload }),
        relayAddr,
      );
    }));
  }
  // Let the last frames arrive (they are in flight on loopback for well under 200 ms).
  await new Promise((r) => setTimeout(r, 300));
  const seconds = (performance.now() - started) / 1000 - 0.3;
  measuring = false;
  for (const p of people) p.udp.close();
  await Promise.all(loops);
  await relay.close();
  const bytes = people.reduce((n, p) => n + p.bytes, 0);
  const datagrams = people.reduce((n, p) => n + p.datagrams, 0);
  const shown = people.reduce((n, p) => n + p.shown, 0);
  const expected = PEOPLE * (PEOPLE - 1) * FRAMES;
  return {
    codec,
    mbps: (bytes * 8) / (FRAMES / FPS) / 1e6,
    shownPct: (100 * shown) / expected,
    datagrams,
    seconds,
  };
}

async function main(): Promise<void> {
  const ffmpeg = (await findFfmpeg()).path;
  console.log(`Encoding ${PEOPLE} clips of ${FRAMES} frames (${WIDTH}x${HEIGHT}, ${FPS} fps)...`);
  const clips: Clip[] = [];
  for (let i = 0; i < PEOPLE; i++) {
    const jpegs = await jpegsOf(ffmpeg, SOURCES[i % SOURCES.length]);
    clips.push({ jpegs, h264: await h264Of(ffmpeg, jpegs) });
  }
  const perSender = (c: Clip, codec: VideoCodec) => {
    const list = codec === "mjpeg"
      ? c.jpegs.map((j) => j.length)
      : c.h264.map((u) => u.bytes.length);
    return (list.reduce((a, b) => a + b, 0) * 8 * FPS) / list.length / 1e6;
  };
  for (const [i, c] of clips.entries()) {
    console.log(
      `  P${i} ${SOURCES[i % SOURCES.length].replace(`=${SIZE}`, "").padEnd(32)} MJPEG ${
        perSender(c, "mjpeg").toFixed(2)
      } Mbit/s, H.264 ${perSender(c, "h264").toFixed(3)} Mbit/s`,
    );
  }
  const mjpeg = await runCall(clips, "mjpeg");
  const h264 = await runCall(clips, "h264");
  for (const r of [mjpeg, h264]) {
    console.log(
      `${r.codec.padEnd(6)} relay egress ${r.mbps.toFixed(1)} Mbit/s, ${r.datagrams} datagrams, ${
        r.shownPct.toFixed(2)
      }% of frames shown (${r.seconds.toFixed(1)} s)`,
    );
  }
  console.log(
    `H.264 / MJPEG egress: ${(h264.mbps / mjpeg.mbps).toFixed(3)} (${
      (mjpeg.mbps / h264.mbps).toFixed(1)
    }x less); goal H.264 < 30 Mbit/s with >= 99% shown: ${
      h264.mbps < 30 && h264.shownPct >= 99 ? "met" : "NOT met"
    }`,
  );
}

if (import.meta.main) await main();
