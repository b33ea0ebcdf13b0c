/**
 * Media relay benchmark (run by hand; prints figures, asserts nothing).
 *
 *   deno run -A bench/relay_bench.ts [--seconds 5] [--frame-bytes 10000] [--fps 30]
 *   deno run -A bench/relay_bench.ts --only 10 --repeat 3   (one call size, relay vs raw)
 *
 * The relay runs in a subprocess (this file with `--role relay`), the call
 * members in this process, so the relay has a core of its own on a 2-core
 * machine. Measured:
 *
 * 1. A call of N members at 30 fps with ~10 KB frames (the size of a 320x240
 *    JPEG), each member sending and receiving on its own UDP socket: the
 *    fraction of frames delivered and the latency sender -> relay -> receiver
 *    (send time carried in the payload), p50 and p99. The same call through
 *    a minimal raw Deno UDP forwarder (`--role raw`: forwards every datagram to
 *    every other address it has seen, no checks) gives the reference. N grows
 *    until delivery falls under 99%.
 * 2. Saturation: one member sends as fast as it can into a 10-member call
 *    (fan-out 9) and into a 2-member call (fan-out 1); the forwarder's own count of
 *    datagrams sent per second, for the relay and the raw forwarder, and the ratio.
 *
 * @module
 */

import { parseArgs } from "node:util";
import process from "node:process";
import {
  encodeMediaPacket,
  HEADER_SIZE,
  isV2Datagram,
  MediaKind,
  tokenToBytes,
} from "../lib/protocol/media_packet.ts";
import { serveMedia } from "../lib/server/relay/udp_server.ts";
import type { CallMemberRef, CallRoom } from "../lib/server/relay/types.ts";

type Udp = Deno.DatagramConn;

const BASE_ID = 1_000_000;
const tokenOf = (i: number) => (i + 1).toString(16).padStart(32, "0");
const wallNow = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------- forwarders

/** A room whose call has `members` v2 members with predictable tokens. */
function benchRoom(members: number): CallRoom {
  const byToken = new Map<string, { name: string; clientId: number }>();
  for (let i = 0; i < members; i++) {
    byToken.set(tokenOf(i), { name: `m${i}`, clientId: BASE_ID + i });
  }
  const list: CallMemberRef[] = [...byToken.values()];
  return {
    callByToken: (token) => byToken.get(token),
    callV1At: () => undefined,
    setV1ClientId: () => {},
    leaveCall: (name) => console.error(`bench relay: ${name} timed out`),
    callMembers: () => list,
  };
}

/** Reads commands on stdin: `stats` prints a JSON line, end of input exits. */
async function commandLoop(stats: () => Record<string, unknown>, stop: () => Promise<void>) {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of Deno.stdin.readable) {
    pending += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line === "stats") {
        const cpu = process.cpuUsage();
        console.log(JSON.stringify({ ...stats(), cpuMs: (cpu.user + cpu.system) / 1000 }));
      }
    }
  }
  await stop();
}

async function runRelay(members: number, maxFps: number) {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const server = serveMedia(socket, { room: benchRoom(members), acceptV1: false, maxFps });
  console.log(`READY ${(socket.addr as Deno.NetAddr).port}`);
  await commandLoop(() => {
    const s = server.stats();
    return {
      received: s.received,
      sent: s.sent,
      dropped: s.droppedTotal,
      sendErrors: s.sendErrors,
    };
  }, () => server.close());
}

/** The reference: forwards every datagram to every other address it has seen. No checks. */
async function runRaw() {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const peers = new Map<string, Deno.NetAddr>();
  let received = 0;
  let sent = 0;
  let closed = false;
  // Same buffer handling as the relay (one reused receive buffer, one copy per
  // forwarded datagram), so the ratio measures the relay's checks, not allocation.
  const buffer = new Uint8Array(65_536);
  const loop = (async () => {
    while (!closed) {
      let data: Uint8Array, from: Deno.Addr;
      try {
        [data, from] = await socket.receive(buffer);
      } catch {
        if (closed) break;
        continue;
      }
      received++;
      const addr = from as Deno.NetAddr;
      const key = `${addr.hostname}|${addr.port}`;
      if (!peers.has(key)) peers.set(key, addr);
      if (peers.size < 2) continue;
      const copy = data.slice();
      for (const [k, to] of peers) {
        if (k === key) continue;
        sent++;
        socket.send(copy, to).catch(() => {});
      }
    }
  })();
  console.log(`READY ${(socket.addr as Deno.NetAddr).port}`);
  await commandLoop(() => ({ received, sent }), async () => {
    closed = true;
    socket.close();
    await loop;
  });
}

// ---------------------------------------------------------------- driver side

interface Forwarder {
  port: number;
  stats(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

async function startForwarder(
  kind: "relay" | "raw",
  members: number,
  maxFps = 60,
): Promise<Forwarder> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-net",
      import.meta.filename!,
      "--role",
      kind,
      "--members",
      String(members),
      "--max-fps",
      String(maxFps),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const nextLine = async (): Promise<string> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error("Forwarder exited");
      buffered += value;
    }
    const nl = buffered.indexOf("\n");
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    return line;
  };
  const ready = await nextLine();
  const port = Number(ready.split(" ")[1]);
  return {
    port,
    async stats() {
      await writer.write(new TextEncoder().encode("stats\n"));
      return JSON.parse(await nextLine());
    },
    async stop() {
      await writer.close();
      while (await lines.read().then((r) => !r.done));
      await child.status;
    },
  };
}

/** A fake JPEG of `bytes` bytes carrying the send time and the sender index. */
function framePayload(bytes: number, sender: number, sentAt: number): Uint8Array {
  const p = new Uint8Array(bytes);
  p[0] = 0xff;
  p[1] = 0xd8;
  const view = new DataView(p.buffer);
  view.setFloat64(2, sentAt);
  view.setUint32(10, sender);
  p[bytes - 2] = 0xff;
  p[bytes - 1] = 0xd9;
  return p;
}

interface CallResult {
  members: number;
  expected: number;
  delivered: number;
  fraction: number;
  p50: number;
  p99: number;
  forwarderCpu: number;
  forwarderReceived: number;
  forwarderSent: number;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function runCall(
  kind: "relay" | "raw",
  members: number,
  options: { seconds: number; fps: number; frameBytes: number },
): Promise<CallResult> {
  const fwd = await startForwarder(kind, members);
  const relayAddr: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: fwd.port };
  const sockets: Udp[] = [];
  for (let i = 0; i < members; i++) {
    sockets.push(Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 }));
  }
  // Register everyone (the raw forwarder learns addresses from the same datagrams).
  const acked = new Array(members).fill(false);
  let measuring = false;
  let delivered = 0;
  const latencies: number[] = [];
  let closed = false;
  const loops = sockets.map(async (socket, i) => {
    const buf = new Uint8Array(65_536);
    while (!closed) {
      let data: Uint8Array;
      try {
        [data] = await socket.receive(buf);
      } catch {
        break;
      }
      if (!isV2Datagram(data) || data.length < HEADER_SIZE + 12) {
        if (data.length === HEADER_SIZE && data[3] === MediaKind.Registered) acked[i] = true;
        continue;
      }
      if (data[3] !== MediaKind.Video || !measuring) continue;
      const view = new DataView(data.buffer, data.byteOffset + HEADER_SIZE);
      latencies.push(wallNow() - view.getFloat64(2));
      delivered++;
    }
  });
  for (let attempt = 0; attempt < 50 && acked.some((a) => !a); attempt++) {
    for (let i = 0; i < members; i++) {
      if (acked[i]) continue;
      const reg = encodeMediaPacket({
        kind: MediaKind.Register,
        clientId: BASE_ID + i,
        seq: 0,
        ts: 0,
        payload: tokenToBytes(tokenOf(i)),
      });
      await sockets[i].send(reg, relayAddr);
    }
    await new Promise((r) => setTimeout(r, kind === "raw" ? 20 : 50));
    if (kind === "raw" && attempt >= 2) break; // the raw forwarder never acknowledges
  }
  const before = await fwd.stats();

  // Senders are spread evenly over the frame interval, as real cameras are.
  const interval = 1000 / options.fps;
  const totalFrames = Math.round(options.seconds * options.fps);
  const seq = new Array(members).fill(0);
  let sent = 0;
  measuring = true;
  const start = performance.now() + 5;
  const sendTasks: Promise<number>[] = [];
  while (true) {
    const now = performance.now();
    let pendingMembers = false;
    for (let i = 0; i < members; i++) {
      if (seq[i] >= totalFrames) continue;
      pendingMembers = true;
      const due = start + (i * interval) / members + seq[i] * interval;
      if (due > now) continue;
      const payload = framePayload(options.frameBytes, i, wallNow());
      const bytes = encodeMediaPacket({
        kind: MediaKind.Video,
        clientId: BASE_ID + i,
        seq: seq[i]++,
        ts: Date.now(),
        payload,
      });
      sendTasks.push(sockets[i].send(bytes, relayAddr));
      sent++;
    }
    if (!pendingMembers) break;
    if (sendTasks.length > 256) await Promise.all(sendTasks.splice(0));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(sendTasks);
  // Let the last frames arrive.
  await new Promise((r) => setTimeout(r, 300));
  measuring = false;
  const after = await fwd.stats();
  closed = true;
  for (const s of sockets) s.close();
  await Promise.all(loops);
  await fwd.stop();

  const expected = sent * (members - 1);
  const sorted = Float64Array.from(latencies).sort();
  const seconds = options.seconds + 0.3;
  return {
    members,
    expected,
    delivered,
    fraction: delivered / expected,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    forwarderCpu: (after.cpuMs - before.cpuMs) / 1000 / seconds,
    forwarderReceived: after.received - before.received,
    forwarderSent: after.sent - before.sent,
  };
}

/** One member sends as fast as it can; the forwarder's own sent datagrams per second. */
async function runSaturation(
  kind: "relay" | "raw",
  members: number,
  options: { seconds: number; frameBytes: number },
): Promise<{ sentPerSecond: number; receivedPerSecond: number; cpu: number }> {
  const fwd = await startForwarder(kind, members, 1e9);
  const relayAddr: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: fwd.port };
  const sockets: Udp[] = [];
  for (let i = 0; i < members; i++) {
    sockets.push(Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 }));
  }
  // Register; acks are not read (receivers are left unread: the kernel drops what overflows).
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < members; i++) {
      await sockets[i].send(
        encodeMediaPacket({
          kind: MediaKind.Register,
          clientId: BASE_ID + i,
          seq: 0,
          ts: 0,
          payload: tokenToBytes(tokenOf(i)),
        }),
        relayAddr,
      );
    }
    await new Promise((r) => setTimeout(r, 30));
  }
  const frame = encodeMediaPacket({
    kind: MediaKind.Video,
    clientId: BASE_ID,
    seq: 0,
    ts: 0,
    payload: framePayload(options.frameBytes, 0, 0),
  });
  const before = await fwd.stats();
  const t0 = performance.now();
  const end = t0 + options.seconds * 1000;
  while (performance.now() < end) {
    const batch: Promise<number>[] = [];
    for (let k = 0; k < 32; k++) batch.push(sockets[0].send(frame, relayAddr));
    await Promise.all(batch);
  }
  const after = await fwd.stats();
  const elapsed = (performance.now() - t0) / 1000;
  for (const s of sockets) s.close();
  await fwd.stop();
  return {
    sentPerSecond: (after.sent - before.sent) / elapsed,
    receivedPerSecond: (after.received - before.received) / elapsed,
    cpu: (after.cpuMs - before.cpuMs) / 1000 / elapsed,
  };
}

// ---------------------------------------------------------------- main

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function printCall(label: string, r: CallResult) {
  console.log(
    `${label.padEnd(6)} N=${String(r.members).padStart(3)}  delivered ${
      (100 * r.fraction).toFixed(2).padStart(6)
    }% (${fmt(r.delivered)}/${fmt(r.expected)})  latency p50 ${r.p50.toFixed(2)} ms  p99 ${
      r.p99.toFixed(2)
    } ms  forwarder: in ${fmt(r.forwarderReceived)} out ${fmt(r.forwarderSent)} cpu ${
      (100 * r.forwarderCpu).toFixed(0)
    }%`,
  );
}

async function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      role: { type: "string" },
      members: { type: "string", default: "10" },
      "max-fps": { type: "string", default: "60" },
      seconds: { type: "string", default: "5" },
      fps: { type: "string", default: "30" },
      "frame-bytes": { type: "string", default: "10000" },
      "max-members": { type: "string", default: "100" },
      only: { type: "string" },
      repeat: { type: "string", default: "3" },
    },
  });
  if (values.role === "relay") {
    return await runRelay(Number(values.members), Number(values["max-fps"]));
  }
  if (values.role === "raw") return await runRaw();

  const seconds = Number(values.seconds);
  const fps = Number(values.fps);
  const frameBytes = Number(values["frame-bytes"]);
  console.log(
    `Relay bench: ${fps} fps, ${
      fmt(frameBytes)
    }-byte frames, ${seconds} s per run, ${navigator.hardwareConcurrency} cores`,
  );
  if (values.only !== undefined) {
    // Just the call at one size, relay and raw alternately, a few times (noise check).
    const n = Number(values.only);
    for (let i = 0; i < Number(values.repeat); i++) {
      printCall("relay", await runCall("relay", n, { seconds, fps, frameBytes }));
      printCall("raw", await runCall("raw", n, { seconds, fps, frameBytes }));
    }
    return;
  }
  console.log("\n1. A call at 320x240-sized frames (relay vs raw forwarder reference)");
  const ten = await runCall("relay", 10, { seconds, fps, frameBytes });
  printCall("relay", ten);
  const tenRaw = await runCall("raw", 10, { seconds, fps, frameBytes });
  printCall("raw", tenRaw);

  console.log("\n   Growing the call until relay delivery falls under 99%:");
  let best = ten.fraction >= 0.99 ? 10 : 0;
  const maxMembers = Number(values["max-members"]);
  for (let n = 15; n <= maxMembers; n += n < 30 ? 5 : 10) {
    const r = await runCall("relay", n, { seconds, fps, frameBytes });
    printCall("relay", r);
    if (r.fraction < 0.99) {
      const raw = await runCall("raw", n, { seconds, fps, frameBytes });
      printCall("raw", raw);
      break;
    }
    best = n;
  }
  console.log(`   Largest call with >= 99% delivery (steps of 5, then 10): ${best} members`);

  console.log(
    "\n2. Saturation: one sender as fast as it can, forwarder's datagrams sent per second",
  );
  for (const members of [10, 2]) {
    const relay = await runSaturation("relay", members, {
      seconds: Math.min(seconds, 4),
      frameBytes,
    });
    const raw = await runSaturation("raw", members, { seconds: Math.min(seconds, 4), frameBytes });
    console.log(
      `   fan-out ${members - 1}: relay ${fmt(relay.sentPerSecond)} dg/s out (${
        fmt(relay.receivedPerSecond)
      } in, cpu ${(100 * relay.cpu).toFixed(0)}%)  raw ${fmt(raw.sentPerSecond)} dg/s out (${
        fmt(raw.receivedPerSecond)
      } in, cpu ${(100 * raw.cpu).toFixed(0)}%)  ratio relay/raw ${
        (relay.sentPerSecond / raw.sentPerSecond).toFixed(2)
      }`,
    );
  }
}

if (import.meta.main) await main();
