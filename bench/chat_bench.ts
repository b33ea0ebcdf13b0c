/**
 * Chat server benchmark (run by hand; asserts nothing):
 *
 * (a) memory: server RSS growth per idle chat connection (1000 members after
 *     their hello), against a minimal raw Deno TCP accept loop holding the
 *     same number of connections (each with a pending read), measured in
 *     the same run;
 * (b) latency: 100 members, 10 of them sending 5 messages/s for ~10 s; the
 *     delivery latency to every member (send time is in the text), p50/p99;
 *     then the same while two 1 GiB v1 uploads run on the file port (when
 *     the file service is present).
 *
 * ```sh
 * deno run -A bench/chat_bench.ts [--connections 1000] [--seconds 10]
 * ```
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { decodeMessage, encodeFrame, FrameDecoder } from "../lib/protocol/frame.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    connections: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    "upload-mib": { type: "string", default: "1024" },
  },
});
const CONNECTIONS = Number(values.connections);
const SECONDS = Number(values.seconds);
const UPLOAD_BYTES = Number(values["upload-mib"]) * 1024 * 1024;
const SERVER = fileURLToPath(new URL("../server.ts", import.meta.url));

function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  child: Deno.ChildProcess;
  ports: number[];
}

/** Spawns a process and waits for a line matching `ready` on stdout. */
async function spawn(args: string[], ready: RegExp): Promise<Proc> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`Process ended before ready: ${text}`);
    text += value;
    const m = ready.exec(text);
    if (m) {
      // Keep draining stdout so the child never blocks on it.
      (async () => {
        while (!(await reader.read()).done) { /* discard */ }
      })();
      return { child, ports: m.slice(1).map(Number) };
    }
  }
}

/** Starts server.ts with free ports on `storage`, plus `extra` flags; waits for its ready line. */
function spawnServer(storage: string, extra: string[]): Promise<Proc> {
  return spawn(
    [
      "run",
      "-A",
      SERVER,
      "--chat-port",
      "0",
      "--file-port",
      "0",
      "--media-port",
      "0",
      "--storage",
      storage,
      ...extra,
    ],
    /PC3 ready chat=(\d+) files=(\d+) media=(\d+)/,
  );
}

async function stopProc(p: Proc): Promise<void> {
  try {
    p.child.kill("SIGINT");
  } catch { /* ended */ }
  await p.child.status;
}

/** Reads and discards everything, calling `onFrame` for decoded frames when given. */
async function drain(conn: Deno.Conn, onFrame?: (m: Record<string, unknown>) => void) {
  const buf = new Uint8Array(16 * 1024);
  const dec = new FrameDecoder({ maxFrame: 1 << 20 });
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) return;
      if (!onFrame) continue;
      dec.push(buf.subarray(0, n));
      let p: Uint8Array | null;
      while ((p = dec.next()) !== null) onFrame(decodeMessage(p));
    }
  } catch {
    // closed
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array) {
  let n = 0;
  while (n < bytes.length) n += await conn.write(bytes.subarray(n));
}

// ---------------------------------------------------------------- (a) memory

const RAW_SERVER = `
const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log("RAW ready " + l.addr.port);
for await (const c of l) {
  (async () => {
    const b = new Uint8Array(4096);
    try { while ((await c.read(b)) !== null) { /* discard */ } } catch { /* closed */ }
    try { c.close(); } catch { /* closed */ }
  })();
}
`;

// The same join traffic without any room logic: on each connection's first
// bytes, a 100-byte frame goes to every connection (one write chain each).
const RAW_BROADCAST = `
const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log("RAW ready " + l.addr.port);
const all = new Set();
const frame = new Uint8Array(100);
for await (const c of l) {
  const peer = { c, chain: Promise.resolve() };
  (async () => {
    const b = new Uint8Array(4096);
    try {
      let first = true;
      while ((await c.read(b)) !== null) {
        if (!first) continue;
        first = false;
        all.add(peer);
        for (const p of all) p.chain = p.chain.then(() => p.c.write(frame)).catch(() => {});
      }
    } catch { /* closed */ }
    all.delete(peer);
    try { c.close(); } catch { /* closed */ }
  })();
}
`;

async function memoryRun(
  label: string,
  proc: Proc,
  port: number,
  hello: boolean,
): Promise<number> {
  // Warm up: a few connections so lazy runtime allocations are done.
  const warm: Deno.Conn[] = [];
  for (let i = 0; i < 20; i++) {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    if (hello) await writeAll(c, encodeFrame({ type: "hello", version: 2, name: `warm${i}` }));
    drain(c);
    warm.push(c);
  }
  await sleep(1000);
  const before = rssKiB(proc.child.pid);
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    if (hello) await writeAll(c, encodeFrame({ type: "hello", version: 2, name: `u${i}` }));
    drain(c);
    conns.push(c);
  }
  await sleep(3000);
  const after = rssKiB(proc.child.pid);
  const per = ((after - before) * 1024) / CONNECTIONS;
  console.log(
    `${label}: RSS ${(before / 1024).toFixed(1)} MiB -> ${(after / 1024).toFixed(1)} MiB ` +
      `with ${CONNECTIONS} connections: ${(per / 1024).toFixed(1)} KiB per connection`,
  );
  for (const c of [...conns, ...warm]) {
    try {
      c.close();
    } catch { /* closed */ }
  }
  return per;
}

async function benchMemory(storage: string) {
  console.log(`\n(a) ${CONNECTIONS} idle connections`);
  const rawFile = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(rawFile, RAW_SERVER);
  const raw = await spawn(["run", "-A", rawFile], /RAW ready (\d+)/);
  const rawPer = await memoryRun("raw Deno accept loop", raw, raw.ports[0], false);
  await stopProc(raw);
  await Deno.writeTextFile(rawFile, RAW_BROADCAST);
  const rawB = await spawn(["run", "-A", rawFile], /RAW ready (\d+)/);
  const rawBPer = await memoryRun("raw Deno loop + join-like broadcast", rawB, rawB.ports[0], true);
  await stopProc(rawB);
  await Deno.remove(rawFile);

  const server = await spawnServer(storage, [
    "--max-per-ip",
    String(CONNECTIONS + 100),
    "--hello-timeout",
    "600",
  ]);
  // Connections without a hello: the socket layer's own cost (FramedConnection,
  // read buffer, room connection), no room traffic.
  const idlePer = await memoryRun("PC3 chat (connected, no hello)", server, server.ports[0], false);
  await stopProc(server);
  const server2 = await spawnServer(storage, ["--max-per-ip", String(CONNECTIONS + 100)]);
  // Members: includes the join storm (every join goes to every member, every
  // welcome lists every member), whose garbage V8 and malloc keep as RSS.
  const pcPer = await memoryRun("PC3 chat (members after hello)", server2, server2.ports[0], true);
  await stopProc(server2);
  console.log(
    `    ratio PC3 / raw: ${(idlePer / rawPer).toFixed(2)}x connected; ` +
      `members / raw with the same broadcast: ${(pcPer / rawBPer).toFixed(2)}x`,
  );
}

// --------------------------------------------------------------- (b) latency

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function latencyRun(label: string, chatPort: number): Promise<void> {
  const clients: Deno.Conn[] = [];
  const samples: number[] = [];
  const readers: Promise<void>[] = [];
  for (let i = 0; i < 100; i++) {
    const c = await Deno.connect({ hostname: "127.0.0.1", port: chatPort });
    await writeAll(c, encodeFrame({ type: "hello", version: 2, name: `lat${i}` }));
    readers.push(drain(c, (m) => {
      if (m.type === "message" && !m.history && typeof m.text === "string") {
        const sent = Number(m.text.split(" ")[0]);
        if (Number.isFinite(sent)) samples.push(performance.now() - sent);
      }
    }));
    clients.push(c);
  }
  await sleep(500);
  const senders = clients.slice(0, 10);
  const deadline = performance.now() + SECONDS * 1000;
  let sent = 0;
  await Promise.all(senders.map(async (c, i) => {
    await sleep(i * 20);
    while (performance.now() < deadline) {
      await writeAll(c, encodeFrame({ type: "message", text: `${performance.now()} hola` }));
      sent++;
      await sleep(200);
    }
  }));
  await sleep(500);
  for (const c of clients) c.close();
  await Promise.all(readers);
  samples.sort((a, b) => a - b);
  console.log(
    `${label}: ${sent} messages sent, ${samples.length} deliveries ` +
      `(expected ${sent * 100}); latency p50 ${percentile(samples, 50).toFixed(2)} ms, ` +
      `p99 ${percentile(samples, 99).toFixed(2)} ms, max ${samples.at(-1)!.toFixed(2)} ms`,
  );
}

// Uploads run in their own process, so the bench's own event loop (which
// timestamps chat deliveries) is not busy pushing bytes.
const UPLOADER = `
const [port, id, size] = Deno.args.map((a, i) => i === 1 ? a : Number(a));
const enc = new TextEncoder();
const head = enc.encode(JSON.stringify({ type: "upload", file_id: id, filename: id + ".bin", size }));
const frame = new Uint8Array(4 + head.length);
new DataView(frame.buffer).setUint32(0, head.length);
frame.set(head, 4);
const c = await Deno.connect({ hostname: "127.0.0.1", port });
const start = performance.now();
const writeAll = async (b) => { let n = 0; while (n < b.length) n += await c.write(b.subarray(n)); };
await writeAll(frame);
const chunk = new Uint8Array(1024 * 1024);
let left = size;
while (left > 0) { const n = Math.min(left, chunk.length); await writeAll(chunk.subarray(0, n)); left -= n; }
const buf = new Uint8Array(65536);
let got = 0;
while (true) { const n = await c.read(buf); if (n === null) break; got += n; }
c.close();
console.log(JSON.stringify({ mbps: size / 1e6 / ((performance.now() - start) / 1000), reply: got }));
`;

/** One raw v1 upload of `size` bytes (zeros) in a child process; returns MB/s. */
async function v1Upload(port: number, id: string, size: number): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", UPLOADER, String(port), id, String(size)],
    stderr: "inherit",
  }).output();
  const line = new TextDecoder().decode(out.stdout).trim();
  try {
    return JSON.parse(line).mbps;
  } catch {
    console.log(`    upload ${id} failed: ${line}`);
    return 0;
  }
}

async function benchLatency(storage: string) {
  console.log(`\n(b) 100 members, 10 sending 5 msg/s for ${SECONDS} s`);
  const server = await spawnServer(storage, ["--max-per-ip", "500", "--quota", "8G"]);
  const [chatPort, filePort] = server.ports;
  await latencyRun("chat only", chatPort);
  const fileService = await Deno.stat(new URL("../lib/server/file_server.ts", import.meta.url))
    .then(() => true, () => false);
  if (fileService) {
    const uploads = Promise.all([
      v1Upload(filePort, `bench_a_${Date.now()}`, UPLOAD_BYTES),
      v1Upload(filePort, `bench_b_${Date.now()}`, UPLOAD_BYTES),
    ]);
    await latencyRun(`during two ${UPLOAD_BYTES / 2 ** 20} MiB uploads`, chatPort);
    const speeds = await uploads;
    console.log(`    uploads: ${speeds.map((s) => s.toFixed(0) + " MB/s").join(", ")}`);
  } else {
    console.log("    (no lib/server/file_server.ts: the run with uploads is skipped)");
  }
  await stopProc(server);
}

const storage = await Deno.makeTempDir({ prefix: "pc3_chat_bench_" });
try {
  if (!Deno.env.get("SKIP_MEMORY")) await benchMemory(`${storage}/a`);
  if (!Deno.env.get("SKIP_LATENCY")) await benchLatency(`${storage}/b`);
} finally {
  await Deno.remove(storage, { recursive: true });
}
