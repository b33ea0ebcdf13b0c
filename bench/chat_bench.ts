/**
 * Chat server benchmark (run by hand or by `deno task bench chat`; asserts
 * nothing). PC3 is measured against ngircd, a C IRC server (Debian package
 * `ngircd`), in the same run, both driven by the same generator
 * (bench/chat_load.ts, one child process) speaking their own protocol:
 *
 * (a) memory: server RSS growth per joined member (`--members`, default 1000)
 *     and, as the floor Deno sets, a bare Deno accept loop holding as many
 *     idle connections;
 * (b) latency: all members joined, 5 msg/s per sender, 50 msg/s in all;
 *     delivery latency from the send to each other member, p50/p99;
 * (c) capacity: the highest rate (msg/s, stepping up by 1.2×) fully delivered
 *     with p99 ≤ 100 ms;
 * (d) PC3 only: 100 members at 50 msg/s while two 1 GiB v1 uploads run on the
 *     file port.
 * Ratios PC3 / ngircd close the run. Every process is started and stopped here,
 * each wait with a deadline. SKIP_NGIRCD=1 and SKIP_UPLOADS=1 leave parts out.
 * The PC3 server runs with the V8 flags of the `serve` task in deno.json;
 * `PC3_V8_FLAGS=<flags>` replaces them (`PC3_V8_FLAGS=` for none), to compare.
 *
 * ```sh
 * deno run -A bench/chat_bench.ts [--members 1000] [--seconds 6] [--upload-mib 1024]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import {
  deadline,
  lines,
  rawDenoPerConnection,
  rssKiB,
  sleep,
  stop,
  v1Upload,
} from "./chat_procs.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    members: { type: "string", default: "1000" },
    seconds: { type: "string", default: "6" },
    "upload-mib": { type: "string", default: "1024" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "deno run -A bench/chat_bench.ts [--members 1000] [--seconds 6] [--upload-mib 1024]\n" +
      "env: SKIP_NGIRCD=1, SKIP_UPLOADS=1, PC3_V8_FLAGS=<v8 flags> (default: the serve task's)",
  );
  Deno.exit(0);
}
const MEMBERS = Number(values.members);
const SECONDS = Number(values.seconds);
const UPLOAD_BYTES = Number(values["upload-mib"]) * 1024 * 1024;
const SERVER = fileURLToPath(new URL("../server.ts", import.meta.url));
const LOAD = fileURLToPath(new URL("./chat_load.ts", import.meta.url));
const NGIRCD = "/usr/sbin/ngircd";
/** The `--v8-flags=…` argument the server runs with (see the module doc). */
const V8_FLAGS = serverV8Flags();
// Capacity steps: 25 msg/s up by 1.2× to ~1700 (stops at the first failure).
const CAPACITY_RATES = Array.from({ length: 24 }, (_, i) => Math.round(25 * 1.2 ** i));

/** The `serve` task's `--v8-flags=…` (or `PC3_V8_FLAGS`), as a list of zero or one argument. */
function serverV8Flags(): string[] {
  const override = Deno.env.get("PC3_V8_FLAGS");
  if (override !== undefined) return override === "" ? [] : [`--v8-flags=${override}`];
  const config = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)));
  const flag = /--v8-flags=\S+/.exec(String(config.tasks?.serve ?? ""));
  return flag === null ? [] : [flag[0]];
}

interface Server {
  label: string;
  child: Deno.ChildProcess;
  port: number;
  filePort?: number;
  proto: "pc3" | "irc";
}

async function startPc3(storage: string, maxPerIp: number): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...V8_FLAGS,
      SERVER,
      "--chat-port",
      "0",
      "--file-port",
      "0",
      "--media-port",
      "0",
    ]
      .concat(["--storage", storage, "--max-per-ip", String(maxPerIp), "--quota", "8G"])
      .concat(["--idle-timeout", "3600"]),
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const out = lines(child.stdout);
  const ready = await deadline(
    (async () => {
      for await (const line of out) {
        const m = /PC3 ready chat=(\d+) files=(\d+)/.exec(line);
        if (m) return m;
      }
      throw new Error("PC3 server ended before its ready line");
    })(),
    30_000,
    "PC3 ready line",
  );
  (async () => {
    for await (const _ of out) { /* keep draining */ }
  })();
  return { label: "PC3", child, port: Number(ready[1]), filePort: Number(ready[2]), proto: "pc3" };
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

/** ngircd with its own config: no PAM/ident/DNS, no connection or flood limits. */
async function startNgircd(dir: string): Promise<Server> {
  const port = freePort();
  await Deno.mkdir(`${dir}/include`, { recursive: true });
  const conf = `${dir}/ngircd.conf`;
  await Deno.writeTextFile(
    conf,
    `[Global]\nName = bench.pc3.local\nInfo = PC3 chat bench reference\n` +
      `Listen = 127.0.0.1\nPorts = ${port}\nMotdPhrase = bench\n` +
      `[Limits]\nMaxConnections = 0\nMaxConnectionsIP = 0\nMaxJoins = 0\n` +
      // MaxPenaltyTime = 0 turns the flood penalty off altogether.
      `MaxPenaltyTime = 0\nPingTimeout = 3600\n` +
      `[Options]\nPAM = no\nIdent = no\nDNS = no\nIncludeDir = ${dir}/include\n`,
  );
  const child = new Deno.Command(NGIRCD, {
    args: ["--nodaemon", "--config", conf],
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).spawn();
  await deadline(
    (async () => {
      for (;;) {
        try {
          (await Deno.connect({ hostname: "127.0.0.1", port })).close();
          return;
        } catch {
          await sleep(50);
        }
      }
    })(),
    10_000,
    "ngircd listening",
  );
  return { label: "ngircd", child, port, proto: "irc" };
}

interface Step {
  ok: boolean;
  rate: number;
  sent: number;
  deliveries: number;
  expected: number;
  p50: number;
  p99: number;
  max: number;
}

/** One generator process joined to one server; steps are run on demand. */
class Load {
  readonly steps: Step[] = [];
  joinMs = NaN;
  perMemberKiB = NaN;
  failed = false;
  #child!: Deno.ChildProcess;
  #out!: AsyncGenerator<string>;
  #in!: WritableStreamDefaultWriter<Uint8Array>;

  constructor(readonly server: Server, readonly members: number) {}

  /** Joins every member and measures the server's RSS growth. */
  async start(): Promise<void> {
    await sleep(1000);
    const before = rssKiB(this.server.child.pid);
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", LOAD, "--proto", this.server.proto, "--port", String(this.server.port)]
        .concat(["--members", String(this.members), "--seconds", String(SECONDS)]),
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#out = lines(this.#child.stdout);
    this.#in = this.#child.stdin.getWriter();
    const line = await deadline(this.#out.next(), 240_000, `${this.server.label} join`);
    this.joinMs = Number(/JOINED (\d+)/.exec(String(line.value))?.[1]);
    await sleep(2000);
    this.perMemberKiB = (rssKiB(this.server.child.pid) - before) / this.members;
  }

  /** Runs one step at `rate` msg/s and prints it. */
  async step(rate: number): Promise<Step> {
    await this.#in.write(new TextEncoder().encode(`${rate}\n`));
    const line = await deadline(this.#out.next(), (SECONDS + 20) * 1000, `${rate} msg/s`);
    const step = JSON.parse(String(line.value)) as Step;
    this.steps.push(step);
    console.log(
      `  ${this.server.label} ${step.rate} msg/s: ${step.deliveries}/${step.expected} ` +
        `delivered, p50 ${step.p50.toFixed(1)} ms, p99 ${step.p99.toFixed(1)} ms, ` +
        `max ${step.max.toFixed(1)} ms${step.ok ? "" : "  (fails)"}`,
    );
    return step;
  }

  /** The highest capacity step passed before the first failure. */
  capacity(): number {
    let best = 0;
    for (const s of this.steps.slice(1)) {
      if (!s.ok) break;
      best = s.rate;
    }
    return best;
  }

  async end(): Promise<void> {
    await this.#in?.close().catch(() => {});
    if (this.#child) await stop(this.#child, "SIGTERM");
  }
}

function loadavg(): string {
  return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
}

/**
 * Joins both servers, then runs the steps alternately on each (the order
 * flips every step), so load from other processes hits both alike.
 */
async function compare(loads: Load[]): Promise<void> {
  for (const l of loads) await l.start();
  const rates = [50, ...CAPACITY_RATES];
  for (let i = 0; i < rates.length; i++) {
    const order = i % 2 === 0 ? loads : [...loads].reverse();
    for (const l of order) {
      // The first step (the latency figure) always runs; capacity stops at a failure.
      if (i > 0 && l.failed) continue;
      const step = await l.step(rates[i]);
      if (i > 0 && !step.ok) l.failed = true;
    }
    if (loads.every((l) => l.failed)) break;
  }
}

function report(loads: Load[]): void {
  for (const l of loads) {
    const probe = l.steps[0];
    console.log(
      `${l.server.label}: join ${(l.joinMs / 1000).toFixed(1)} s; (a) ${
        l.perMemberKiB.toFixed(1)
      } ` +
        `KiB RSS per member; (b) 50 msg/s p50 ${probe?.p50.toFixed(1)} ms, p99 ` +
        `${probe?.p99.toFixed(1)} ms (${probe?.deliveries}/${probe?.expected}); ` +
        `(c) capacity ${l.capacity()} msg/s`,
    );
  }
  if (loads.length !== 2) return;
  const [p, n] = loads;
  console.log(
    `ratios PC3/ngircd: p99 at 50 msg/s ${(p.steps[0].p99 / n.steps[0].p99).toFixed(2)}x, ` +
      `capacity ${(p.capacity() / n.capacity()).toFixed(2)}x, ` +
      `RSS per member ${(p.perMemberKiB / n.perMemberKiB).toFixed(2)}x`,
  );
}

async function main(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pc3_chat_bench_" });
  const servers: Server[] = [];
  const loads: Load[] = [];
  try {
    console.log(
      `${MEMBERS} members; load average ${loadavg()} on ${navigator.hardwareConcurrency} cores; ` +
        `PC3 server flags: ${V8_FLAGS.join(" ") || "none"}`,
    );
    const rawPer = await rawDenoPerConnection(MEMBERS);
    console.log(`(a) bare Deno accept loop: ${rawPer.toFixed(1)} KiB RSS per idle connection`);
    servers.push(await startPc3(`${dir}/pc3`, MEMBERS + 100));
    if (!Deno.env.get("SKIP_NGIRCD")) servers.push(await startNgircd(`${dir}/ngircd`));
    loads.push(...servers.map((s) => new Load(s, MEMBERS)));
    await compare(loads);
    report(loads);
  } finally {
    for (const l of loads) await l.end();
    for (const s of servers) await stop(s.child, s.proto === "irc" ? "SIGTERM" : "SIGINT");
  }
  try {
    if (!Deno.env.get("SKIP_UPLOADS")) await duringUploads(`${dir}/up`);
    console.log(`load average at the end: ${loadavg()}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function duringUploads(storage: string): Promise<void> {
  console.log(`(d) 100 members at 50 msg/s during two ${UPLOAD_BYTES / 2 ** 20} MiB uploads`);
  const pc3 = await startPc3(storage, 500);
  const load = new Load(pc3, 100);
  try {
    await load.start();
    const uploads = Promise.all([
      v1Upload(pc3.filePort!, `bench_a_${Date.now()}`, UPLOAD_BYTES),
      v1Upload(pc3.filePort!, `bench_b_${Date.now()}`, UPLOAD_BYTES),
    ]);
    await load.step(50);
    const speeds = await deadline(uploads, 300_000, "uploads");
    console.log(`  uploads: ${speeds.map((s) => s.toFixed(0) + " MB/s").join(", ")}`);
  } finally {
    await load.end();
    await stop(pc3.child);
  }
}

if (import.meta.main) await main();
