/**
 * Chat load generator for bench/chat_bench.ts (a child process, so the bench's
 * own work never delays a timestamp): joins `--members` members to a PC3 chat
 * port (`--proto pc3`) or to one channel of an IRC server (`--proto irc`),
 * prints `JOINED <ms>`, then for each rate read from stdin (one per line)
 * sends that many messages per second (senders of 5 msg/s each) for
 * `--seconds` and prints one JSON line: rate, sent, deliveries, expected,
 * latency percentiles and `ok` (fully delivered with p99 ≤ 100 ms). Latency runs from the send to the receipt by each
 * other member; the send time travels in the text.
 *
 * ```sh
 * deno run -A bench/chat_load.ts --proto irc --port 6667 --members 1000 <<< 50
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { encodeFrame, FrameDecoder } from "../lib/protocol/frame.ts";
import { writeAll } from "../lib/net/write_queue.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    proto: { type: "string", default: "pc3" },
    port: { type: "string" },
    members: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
  },
});
const IRC = values.proto === "irc";
const PORT = Number(values.port);
const MEMBERS = Number(values.members);
const SECONDS = Number(values.seconds);
const PER_SENDER = 5;
// Connects in flight at once (ngircd listens with a backlog of 10).
const BATCH = 5;
const RUN = Math.floor(Math.random() * 1e9).toString(36);
const latin1 = new TextDecoder("latin1");
const ascii = new TextEncoder();
// The marker in every text: `M<run> <send time> <sender index>;`. After the
// join, received bytes are only scanned for it (no decoding), so the generator
// stays cheaper per delivery than the servers it measures.
const MARK = ascii.encode(`M${RUN} `);

let step = 0;
let samples: number[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Member {
  conn!: Deno.TcpConn;
  joined!: Promise<void>;
  #joined!: () => void;
  #tail = "";
  #frames = new FrameDecoder({ maxFrame: 16 << 20 });
  #isJoined = false;
  #carry: Uint8Array | null = null;

  constructor(readonly index: number) {
    this.joined = new Promise((r) =>
      this.#joined = () => {
        this.#isJoined = true;
        r();
      }
    );
  }

  async open(): Promise<void> {
    this.conn = await Deno.connect({ hostname: "127.0.0.1", port: PORT });
    this.conn.setNoDelay(true);
    const name = `m${this.index}`;
    if (IRC) await this.raw(`NICK ${name}\r\nUSER ${name} 0 * :${name}\r\n`);
    else await writeAll(this.conn, encodeFrame({ type: "hello", version: 2, name }));
    this.#read();
  }

  raw(text: string): Promise<void> {
    return writeAll(this.conn, ascii.encode(text));
  }

  send(text: string): Promise<void> {
    if (IRC) return this.raw(`PRIVMSG #bench :${text}\r\n`);
    return writeAll(this.conn, encodeFrame({ type: "message", text }));
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        const now = performance.now();
        if (this.#isJoined) this.#scan(buf.subarray(0, n), now);
        else if (IRC) this.#ircChunk(latin1.decode(buf.subarray(0, n)));
        else this.#pc3Chunk(buf.subarray(0, n));
      }
    } catch { /* closed */ }
  }

  /** Before the join: frames until the welcome. */
  #pc3Chunk(chunk: Uint8Array): void {
    this.#frames.push(chunk);
    let p: Uint8Array | null;
    while (!this.#isJoined && (p = this.#frames.next()) !== null) {
      if (latin1.decode(p).startsWith('{"type":"welcome"')) this.#joined();
    }
  }

  /** Before the join: lines until the end of NAMES (366). */
  #ircChunk(text: string): void {
    const all = this.#tail + text;
    const end = all.lastIndexOf("\n") + 1;
    this.#tail = all.slice(end);
    for (const line of all.slice(0, end).split("\r\n")) {
      if (line.startsWith("PING")) this.raw(`PONG${line.slice(4)}\r\n`).catch(() => {});
      else if (/^:\S+ 001 /.test(line)) this.raw("JOIN #bench\r\n").catch(() => {});
      else if (/^:\S+ 366 /.test(line)) this.#joined();
    }
  }

  /** After the join: finds markers in raw bytes; a marker cut by the chunk end waits in `#carry`. */
  #scan(chunk: Uint8Array, now: number): void {
    let bytes = chunk;
    if (this.#carry !== null) {
      bytes = new Uint8Array(this.#carry.length + chunk.length);
      bytes.set(this.#carry);
      bytes.set(chunk, this.#carry.length);
      this.#carry = null;
    }
    for (let i = bytes.indexOf(0x4d); i >= 0; i = bytes.indexOf(0x4d, i + 1)) {
      let k = 0;
      while (k < MARK.length && i + k < bytes.length && bytes[i + k] === MARK[k]) k++;
      if (k < MARK.length && i + k < bytes.length) continue;
      // Send time (digits and one dot), a space, the sender index, a semicolon.
      let at = i + k;
      let sent = 0;
      let scale = 0;
      for (; at < bytes.length && bytes[at] !== 0x20; at++) {
        if (bytes[at] === 0x2e) scale = 1;
        else {
          sent = sent * 10 + bytes[at] - 0x30;
          if (scale > 0) scale *= 10;
        }
      }
      let sender = 0;
      for (at++; at < bytes.length && bytes[at] !== 0x3b; at++) {
        sender = sender * 10 + bytes[at] - 0x30;
      }
      if (at >= bytes.length) {
        this.#carry = bytes.slice(i);
        return;
      }
      if (scale > 0) sent /= scale;
      if (sender !== this.index && sent >= step) samples.push(now - sent);
    }
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function join(): Promise<Member[]> {
  const members: Member[] = [];
  const start = performance.now();
  // A few connects in flight at once: fast, without a SYN flood.
  for (let i = 0; i < MEMBERS; i += BATCH) {
    const batch = [];
    for (let k = i; k < Math.min(MEMBERS, i + BATCH); k++) {
      const m = new Member(k);
      members.push(m);
      batch.push(m.open());
    }
    await Promise.all(batch);
  }
  await withDeadline(Promise.all(members.map((m) => m.joined)), 120_000, "members joining");
  console.log(`JOINED ${(performance.now() - start).toFixed(0)}`);
  return members;
}

/** One step at `rate` msg/s, printed as a JSON line. */
async function runRate(members: Member[], rate: number): Promise<void> {
  const senders = members.slice(0, Math.max(1, Math.round(rate / PER_SENDER)));
  const perSender = rate / senders.length;
  samples = [];
  step = performance.now();
  const until = step + SECONDS * 1000;
  let sent = 0;
  await Promise.all(senders.map(async (m, i) => {
    let next = step + (i * 1000) / rate;
    while (next < until) {
      await sleep(Math.max(0, next - performance.now()));
      await m.send(`M${RUN} ${performance.now().toFixed(3)} ${m.index};`);
      sent++;
      next += 1000 / perSender;
    }
  }));
  // Late deliveries: wait until all arrived, 1 s without progress, or 10 s.
  const expected = sent * (members.length - 1);
  let last = samples.length;
  let quietSince = performance.now();
  const deadline = performance.now() + 10_000;
  while (samples.length < expected && performance.now() < deadline) {
    await sleep(100);
    if (samples.length !== last) {
      last = samples.length;
      quietSince = performance.now();
    } else if (performance.now() - quietSince > 1000) break;
  }
  const got = samples.slice().sort((a, b) => a - b);
  const ok = got.length === expected && percentile(got, 99) <= 100;
  console.log(JSON.stringify({
    ok,
    rate,
    sent,
    deliveries: got.length,
    expected,
    p50: percentile(got, 50),
    p99: percentile(got, 99),
    max: got.at(-1) ?? NaN,
  }));
}

const members = await join();
// Each line on stdin is a rate to run; EOF ends (the bench reads the server's
// memory after JOINED and interleaves steps with the reference server's).
const input = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
let pending = "";
outer: for (;;) {
  let nl: number;
  while ((nl = pending.indexOf("\n")) < 0) {
    const { value, done } = await input.read();
    if (done) break outer;
    pending += value;
  }
  const rate = Number(pending.slice(0, nl));
  pending = pending.slice(nl + 1);
  if (rate > 0) await runRate(members, rate);
}
for (const m of members) {
  try {
    m.conn.close();
  } catch { /* closed */ }
}
Deno.exit(0);
