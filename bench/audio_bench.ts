/**
 * Call audio benchmark (run by hand or by `deno task bench audio`; prints
 * figures, asserts nothing).
 *
 *   deno run -A bench/audio_bench.ts [--only latency|relay|fair] [--seconds 8] [--mib 1024]
 *
 * 1. Mouth-to-ear latency on loopback: the "mouth" writes 16-bit PCM in real
 *    time into the client's own capture (AudioCapture, ffmpeg with stdin as
 *    its input instead of a microphone): silence with a 60 ms 1 kHz burst every 400 ms, noting
 *    when each burst's first sample was written. The packets go through a
 *    real server.ts relay to a real client.ts (window view) whose call page
 *    runs in headless Chromium; the page reports, for each frame, when it
 *    reaches the output (its slot on the AudioContext clock turned into wall
 *    time, plus the output latency) and how loud it is. Ear time of a burst =
 *    its first loud frame. p50 and p99 (goal p99 <= 100 ms). Resolution: one
 *    20 ms frame. Reference in the same run: the same path's network part
 *    alone (send -> relay -> receiving socket).
 * 2. Audio packets per second through the relay against a raw Deno UDP
 *    forwarder (bench/relay_bench.ts's `--role relay|raw` subprocesses): calls
 *    of N members each sending 50 audio packets/s (~100 bytes), delivered
 *    fraction, forwarded packets/s and p99 latency, and the ratio.
 * 3. Fairness (issue 10 item 7): a 10-person call (50 packets/s each) through
 *    server.ts while a client uploads a file of `--mib` MiB and another
 *    downloads one as large: the share of audio packets delivered within
 *    60 ms (goal >= 99%), against the same call with no transfer (same run).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { AudioCapture } from "../lib/media/audio_capture.ts";
import {
  encodeMediaPacket,
  HEADER_SIZE,
  isV2Datagram,
  MediaKind,
  tokenToBytes,
} from "../lib/protocol/media_packet.ts";
import { findFfmpeg } from "../lib/media/ffmpeg_path.ts";
import {
  clientArgs,
  member,
  ms,
  percentile,
  Proc,
  sleep,
  startServer,
  wallNow,
} from "./audio_procs.ts";
// ------------------------------------------------------------- 1. latency

async function latency(seconds: number): Promise<void> {
  const storage = await Deno.makeTempDir({ prefix: "pc3-audio-bench-" });
  const server = await startServer(storage);
  const ear = new Proc(
    clientArgs(server, "Oreja", join(storage, "d"), [
      ...["--audio-source", "none", "--video-source", "none", "--video-view", "window"],
    ]),
    { PC3_NO_BROWSER: "1" },
  );
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: Deno.env.get("PC3_CHROMIUM") ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
  const net: number[] = [];
  try {
    await ear.wait(/Connected/);
    await ear.send("/call start");
    const url = (await ear.wait(/(http:\/\/127\.0\.0\.1:\d+\/open\/\w+)/))[1];
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as any).pc3Audio !== undefined);
    await page.mouse.click(10, 100);
    await page.evaluate(() => {
      const g = globalThis as any;
      g.earLog = [];
      g.pc3Audio.onPlay = (_id: number, wall: number, rms: number) => g.earLog.push([wall, rms]);
      // Arrival at the page of each packet (time, size), for the breakdown.
      g.arrivals = [];
      g.pc3Page.binary.unshift((buf: ArrayBuffer) => {
        g.arrivals.push([performance.timeOrigin + performance.now(), buf.byteLength - 16]);
        return false;
      });
    });
    const mouth = await member(server, "Boca", () => {});
    // A second member hears the network path alone (send -> relay -> socket).
    const sentAt = new Map<number, number>();
    await member(server, "Red", (seq) => {
      const t = sentAt.get(seq);
      if (t !== undefined) net.push(wallNow() - t);
    });
    const link = await mouth.link;
    await ear.wait(/Boca joined/i, 10_000).catch(() => {});
    let seq = 0;
    const encoded: [number, number][] = [];
    // The mouth: the client's own capture, fed PCM on its stdin instead of a microphone.
    const capture = AudioCapture.start({
      ffmpeg: (await findFfmpeg()).path,
      spec: { source: "pcm" },
      onPacket: (p) => {
        sentAt.set(seq++, wallNow());
        encoded.push([wallNow(), p.length]);
        link.sendAudio(p);
      },
      onError: (e) => console.error(`capture: ${e.message}`),
    });
    const writer = capture.stdin.getWriter();
    const mouths: number[] = [];
    const start = performance.now() + 500;
    const chunks = Math.round(seconds * 50);
    for (let i = 0; i < chunks; i++) {
      await sleep(start + i * 20 - performance.now());
      const pcm = new Int16Array(960);
      const inBurst = (i % 20) < 3; // 60 ms every 400 ms
      if (inBurst) {
        for (let n = 0; n < 960; n++) {
          pcm[n] = Math.round(16000 * Math.sin(2 * Math.PI * 1000 * (i * 960 + n) / 48000));
        }
      }
      if (i % 20 === 0) mouths.push(wallNow());
      await writer.write(new Uint8Array(pcm.buffer));
    }
    await sleep(500);
    await writer.close();
    await capture.stop();
    const log = await page.evaluate(() => (globalThis as any).earLog as [number, number][]);
    const onsets: number[] = [];
    for (let i = 1; i < log.length; i++) {
      if (log[i][1] > 0.02 && log[i - 1][1] <= 0.02) onsets.push(log[i][0]);
    }
    // Breakdown: when the encoder gave the burst's first packet (tone packets are larger).
    const enc: number[] = [];
    for (const m of mouths) {
      const k = encoded.findIndex(([t, n], k) => t >= m && n > 55 && encoded[k - 1]?.[1] <= 55);
      if (k >= 0) enc.push(encoded[k][0] - m);
    }
    console.log(
      `  of which the encoder (PCM in -> Opus packet out): p50 ${ms(percentile(enc, 0.5))}`,
    );
    const arrivals = await page.evaluate(() => (globalThis as any).arrivals as [number, number][]);
    const atPage: number[] = [];
    for (const m of mouths) {
      const k = arrivals.findIndex(([t, n], k) => t >= m && n > 55 && arrivals[k - 1]?.[1] <= 55);
      if (k >= 0) atPage.push(arrivals[k][0] - m);
    }
    console.log(`  mouth -> arrival in the page (WebSocket): p50 ${ms(percentile(atPage, 0.5))}`);
    const lat: number[] = [];
    for (const m of mouths) {
      const e = onsets.find((o) => o >= m && o < m + 400);
      if (e !== undefined) lat.push(e - m);
    }
    console.log(
      `mouth-to-ear (encoder -> relay -> client -> page jitter buffer -> output), ` +
        `${lat.length}/${mouths.length} bursts heard: p50 ${ms(percentile(lat, 0.5))}, ` +
        `p99 ${ms(percentile(lat, 0.99))}, max ${ms(Math.max(...lat))} (goal p99 <= 100 ms)`,
    );
    console.log(
      `reference, network part alone (send -> relay -> socket): p50 ${
        ms(percentile(net, 0.5))
      }, p99 ${ms(percentile(net, 0.99))}; ratio of p50s ${
        (percentile(lat, 0.5) / percentile(net, 0.5)).toFixed(0)
      }x`,
    );
    const out = await page.evaluate(() => {
      const ctx = (globalThis as any).pc3Audio.context();
      const o = ctx.getOutputTimestamp();
      return {
        baseLatency: ctx.baseLatency * 1000,
        outputLatency: ctx.outputLatency * 1000,
        scheduledAhead: (ctx.currentTime - o.contextTime) * 1000 + performance.now() -
          o.performanceTime,
      };
    });
    console.log(`  the page's audio output: ${JSON.stringify(out)} (ms)`);
    const s = await page.evaluate(() => (globalThis as any).pc3Audio.stats());
    console.log(`page jitter buffer at the end: ${JSON.stringify(s)}`);
    await mouth.chat.close();
  } finally {
    await browser.close();
    await ear.stop();
    await server.proc.stop();
    await Deno.remove(storage, { recursive: true });
  }
}

// ------------------------------------------------------------- 2. relay vs raw

const BASE_ID = 1_000_000;
const tokenOf = (i: number) => (i + 1).toString(16).padStart(32, "0");

async function forwarder(kind: "relay" | "raw", members: number) {
  const proc = new Proc([
    ...["run", "-A", "--unstable-net", "bench/relay_bench.ts", "--role", kind],
    ...["--members", String(members), "--max-fps", "60"],
  ]);
  const port = Number((await proc.wait(/^READY (\d+)/))[1]);
  return {
    port,
    async stats(): Promise<Record<string, number>> {
      const n = proc.lines.length;
      await proc.send("stats");
      while (proc.lines.length === n) await sleep(10);
      return JSON.parse(proc.lines[n]);
    },
    stop: () => proc.stop(),
  };
}

/** N members each sending 50 audio packets/s for `seconds`; latency from a stamp in the payload. */
async function audioCall(kind: "relay" | "raw", members: number, seconds: number) {
  const fwd = await forwarder(kind, members);
  const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: fwd.port };
  const socks = Array.from(
    { length: members },
    () => Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 }),
  );
  const lat: number[] = [];
  let closed = false;
  const loops = socks.map(async (s) => {
    const buf = new Uint8Array(2048);
    while (!closed) {
      let d: Uint8Array;
      try {
        [d] = await s.receive(buf);
      } catch {
        return;
      }
      if (isV2Datagram(d) && d[3] === MediaKind.Audio && d.length >= HEADER_SIZE + 8) {
        lat.push(wallNow() - new DataView(d.buffer, d.byteOffset + HEADER_SIZE).getFloat64(0));
      }
    }
  });
  for (let i = 0; i < members; i++) {
    const payload = tokenToBytes(tokenOf(i));
    const reg = encodeMediaPacket({
      kind: MediaKind.Register,
      clientId: BASE_ID + i,
      seq: 0,
      ts: 0,
      payload,
    });
    await socks[i].send(reg, to);
  }
  await sleep(300);
  const before = await fwd.stats();
  const t0 = performance.now();
  const frames = seconds * 50;
  for (let f = 0; f < frames; f++) {
    await sleep(t0 + f * 20 - performance.now());
    for (let i = 0; i < members; i++) {
      const payload = new Uint8Array(100);
      new DataView(payload.buffer).setFloat64(0, wallNow());
      const p = encodeMediaPacket({
        kind: MediaKind.Audio,
        clientId: BASE_ID + i,
        seq: f,
        ts: 0,
        payload,
      });
      socks[i].send(p, to).catch(() => {});
    }
  }
  await sleep(300);
  const after = await fwd.stats();
  const elapsed = (performance.now() - t0) / 1000;
  closed = true;
  socks.forEach((s) => s.close());
  await Promise.all(loops);
  await fwd.stop();
  const expected = frames * members * (members - 1);
  const sent = after.sent - before.sent;
  return {
    delivered: lat.length / expected,
    pps: sent / elapsed,
    p99: percentile(lat, 0.99),
    // Forwarder CPU per forwarded packet (µs): its capacity is about 1e6 / this per core.
    cpuUs: (1000 * (after.cpuMs - before.cpuMs)) / Math.max(1, sent),
  };
}

async function relayVsRaw(seconds: number): Promise<void> {
  for (const n of [10, 20, 30]) {
    const relay = await audioCall("relay", n, seconds);
    const raw = await audioCall("raw", n, seconds);
    const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
    const side = (r: typeof relay) =>
      `${r.pps.toFixed(0)} packets/s out, ${pct(r.delivered)} delivered, p99 ${ms(r.p99)}, ` +
      `${r.cpuUs.toFixed(1)} µs CPU/packet (~${
        (1e6 / r.cpuUs / 1000).toFixed(0)
      }k packets/s per core)`;
    console.log(`${n} members x 50 packets/s: relay ${side(relay)}`);
    console.log(`${" ".repeat(String(n).length)}                     raw   ${side(raw)}`);
    console.log(`  relay/raw: CPU per packet ${(relay.cpuUs / raw.cpuUs).toFixed(2)}x`);
  }
}

// ------------------------------------------------------------- 3. fairness

async function fairness(seconds: number, mib: number): Promise<void> {
  const storage = await Deno.makeTempDir({ prefix: "pc3-audio-fair-" });
  const server = await startServer(join(storage, "server"));
  const lat: number[] = [];
  // Late packets (arrival wall time, latency): when in the transfers the delays come.
  const late: [number, number][] = [];
  let recording = false;
  const members = [];
  for (let i = 0; i < 10; i++) {
    members.push(
      await member(server, `m${i}`, (_seq, _ts, payload) => {
        if (recording && payload.length >= 8) {
          const l = wallNow() - new DataView(payload.buffer, payload.byteOffset).getFloat64(0);
          lat.push(l);
          if (l > 60) late.push([wallNow(), l]);
        }
      }),
    );
  }
  const links = await Promise.all(members.map((m) => m.link));
  let sent = 0;
  const sending = setInterval(() => {
    if (recording) sent += links.length;
    for (const l of links) {
      const payload = new Uint8Array(100);
      new DataView(payload.buffer).setFloat64(0, wallNow());
      l.sendAudio(payload);
    }
  }, 20);
  const measure = async (what: () => Promise<void>) => {
    lat.length = 0;
    sent = 0;
    recording = true;
    await what();
    recording = false;
    await sleep(500); // the last packets on their way
    const expected = sent * (links.length - 1);
    const within = lat.filter((x) => x <= 60).length / Math.max(1, expected);
    const delivered = lat.length / Math.max(1, expected);
    return { n: expected, within, delivered, p99: percentile(lat, 0.99), max: Math.max(...lat) };
  };
  const fmt = (r: { n: number; within: number; delivered: number; p99: number; max: number }) =>
    `${(100 * r.within).toFixed(2)}% of ${r.n} packets within 60 ms (${
      (100 * r.delivered).toFixed(2)
    }% delivered at all), p99 ${ms(r.p99)}, max ${ms(r.max)}`;
  try {
    const quiet = await measure(async () => {
      await sleep(seconds * 1000);
    });
    console.log(`10-person call, no transfer: ${fmt(quiet)}`);
    // Two files of `mib` MiB: A is on the server first; then B goes up while A comes down.
    const make = async (path: string, seed: number) => {
      const f = await Deno.open(path, { write: true, create: true });
      const block = new Uint8Array(1 << 20).map((_, i) => (i * 31 + seed) & 0xff);
      for (let i = 0; i < mib; i++) await f.write(block);
      f.close();
    };
    await make(join(storage, "a.bin"), 1);
    await make(join(storage, "b.bin"), 2);
    const up = new Proc(clientArgs(server, "Sube", join(storage, "d1"), ["--video-view", "none"]));
    await up.wait(/Connected/);
    await up.send(`/upload ${join(storage, "a.bin")}`);
    const id = (await up.wait(/\/download (\S+)/, 600_000))[1];
    // This process's own event-loop lag meanwhile: a stall here is not the server's.
    let lag = 0;
    let last = performance.now();
    const lagTimer = setInterval(() => {
      const now = performance.now();
      lag = Math.max(lag, now - last - 5);
      last = now;
    }, 5);
    const during = await measure(async () => {
      const down = new Proc(
        clientArgs(server, "Baja", join(storage, "d2"), ["--video-view", "none"]),
      );
      await down.wait(/Connected/);
      const t0 = performance.now();
      await up.send(`/upload ${join(storage, "b.bin")}`);
      await down.send(`/download ${id}`);
      await Promise.all([up.end(), down.end()]); // end of input: each waits for its transfer
      const done = [...up.lines, ...down.lines].filter((l) =>
        /Uploaded|Downloaded|ERROR|rror/.test(l)
      );
      console.log(`  ${done.slice(-2).join(" | ")}`);
      console.log(
        `transfers (${mib} MiB up + ${mib} MiB down) took ${
          ((performance.now() - t0) / 1000).toFixed(1)
        } s`,
      );
    });
    clearInterval(lagTimer);
    console.log(`10-person call during the transfers: ${fmt(during)} (goal >= 99%)`);
    console.log(`  the bench process's own largest event-loop stall meanwhile: ${ms(lag)}`);
    if (Deno.env.get("PC3_BENCH_DETAIL")) {
      const t0 = late[0]?.[0] ?? 0;
      console.log(late.map(([t, l]) => `+${(t - t0).toFixed(0)}:${l.toFixed(0)}`).join(" "));
    }
    console.log(
      `ratio of packets within 60 ms, during / quiet: ${(during.within / quiet.within).toFixed(3)}`,
    );
  } finally {
    clearInterval(sending);
    await Promise.all(members.map((m) => m.chat.close().catch(() => {})));
    await server.proc.stop();
    await Deno.remove(storage, { recursive: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      only: { type: "string" },
      seconds: { type: "string", default: "8" },
      mib: { type: "string", default: "1024" },
    },
  });
  const seconds = Number(values.seconds);
  const only = values.only;
  console.log(`audio bench: ${seconds} s per measurement, ${values.mib} MiB transfers`);
  if (!only || only === "latency") await latency(seconds);
  if (!only || only === "relay") await relayVsRaw(Math.max(2, Math.round(seconds / 2)));
  if (!only || only === "fair") await fairness(seconds, Number(values.mib));
}

if (import.meta.main) await main();
