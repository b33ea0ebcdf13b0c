/**
 * Attack benchmark (run by hand or by `deno task bench attack`; prints
 * figures, asserts nothing): the two ways one machine could shut the room
 * (issue 7.1-7.2 and 7.7), rerun against a real chat and file server, and
 * the time a legitimate client needs to join (hello -> welcome) and to start
 * a download (request -> `download_meta`) meanwhile.
 *
 *   deno run -A bench/attack.ts [--probes 30] [--reset-rate 200] [--flooders 60]
 *
 * The servers run in a subprocess (this file with `--role server`, listening
 * on 0.0.0.0 with the per-address limits applied to loopback too), so they
 * have a core of their own; the legitimate client probes from 127.0.0.1 in
 * this process. Scenarios, each measured in the same run:
 *
 * - reference: no attack;
 * - resets: a Python child makes `--reset-rate` connect-then-reset per second
 *   on EACH port, from 127.0.0.3 (tests/reset_storm.ts);
 * - flood: `--flooders` chat connections from 127.0.0.2 (another address, a
 *   Python child) sending together 40 messages of 2,000 bytes per second, a
 *   little over the per-address budget of 32, so the address sends the room
 *   all the limit allows and every member (the prober's joins too) receives it;
 * - both at once.
 *
 * Printed per scenario: join and download-start times (median, p95, max) and
 * the ratio of the medians to the reference. The goal of the issue: under
 * 100 ms during the attacks.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { decodeMessage, encodeFrame, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import { writeAll } from "../lib/net/write_queue.ts";
import { serveChat } from "../lib/server/chat_server.ts";
import { serveFiles } from "../lib/server/file_server.ts";
import { FileStore } from "../lib/server/file_store.ts";
import { Room } from "../lib/server/room/room.ts";
import { startFlooder } from "../tests/flooder.ts";
import { canStorm, startResetStorm } from "../tests/reset_storm.ts";

const TOKEN_NAME = "Bench";
/** Messages per second the flooder's address tries to send: a little over its budget (32). */
const FLOOD_RATE = 40;
/** Pause between two probes: under the 5 joins per second of the prober's address. */
const PROBE_EVERY_MS = 220;

/** Reads frames from a connection (a minimal client). */
class Frames {
  #decoder = new FrameDecoder({ maxFrame: 1 << 20 });
  #buf = new Uint8Array(64 * 1024);
  constructor(readonly conn: Deno.Conn) {}
  async next(): Promise<Message | null> {
    while (true) {
      const p = this.#decoder.next();
      if (p !== null) return decodeMessage(p);
      const n = await this.conn.read(this.#buf).catch(() => null);
      if (n === null) return null;
      this.#decoder.push(this.#buf.subarray(0, n));
    }
  }
  send(m: Message | Uint8Array): Promise<void> {
    return writeAll(this.conn, m instanceof Uint8Array ? m : encodeFrame(m));
  }
  close(): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}

// ------------------------------------------------------------------ server

/** `--role server`: chat and files on 0.0.0.0 with one shared file; prints its ports. */
async function runServer(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pc3_attack_" });
  const store = await FileStore.open(dir);
  const room = new Room({ addressLimits: { exemptLoopback: false } });
  room.setFiles(store);
  const chatL = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  const fileL = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  const chat = serveChat(chatL, { room, log: () => {} });
  const files = serveFiles(fileL, {
    store,
    sessionName: (t) => room.nameByToken(t),
    onPublished: (info) => room.announceFile(info),
  });
  const chatPort = (chatL.addr as Deno.NetAddr).port;
  const filePort = (fileL.addr as Deno.NetAddr).port;
  const fileId = await shareOne(chatPort, filePort);
  console.log(JSON.stringify({ chatPort, filePort, fileId }));
  // Runs until stdin closes (the parent ends it).
  for await (const _ of Deno.stdin.readable) { /* wait */ }
  await chat.close();
  await files.close();
  await store.close();
  await Deno.remove(dir, { recursive: true });
}

/** Joins, uploads one 64 KiB file and returns its id. */
async function shareOne(chatPort: number, filePort: number): Promise<string> {
  const c = new Frames(await Deno.connect({ hostname: "127.0.0.1", port: chatPort }));
  await c.send({ type: "hello", version: 2, name: TOKEN_NAME });
  const welcome = await c.next();
  const data = new Uint8Array(64 * 1024).fill(7);
  const sha = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", data)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  const f = new Frames(await Deno.connect({ hostname: "127.0.0.1", port: filePort }));
  await f.send({ type: "upload", token: welcome!.token, filename: "tema.pdf", size: data.length });
  await f.next();
  await f.send(data);
  await f.send({ type: "upload_end", sha256: sha });
  const ok = await f.next();
  f.close();
  c.close();
  return String(ok?.file_id);
}

// ------------------------------------------------------------------ flooder

// ------------------------------------------------------------------ probes

/** Time from connect to the welcome, in ms. */
async function probeJoin(port: number, name: string): Promise<number> {
  const started = performance.now();
  const c = new Frames(await Deno.connect({ hostname: "127.0.0.1", port }));
  await c.send({ type: "hello", version: 2, name });
  const m = await c.next();
  const ms = performance.now() - started;
  await c.send({ type: "quit" }).catch(() => {});
  c.close();
  if (m?.type !== "welcome") throw new Error(`No welcome: ${JSON.stringify(m)}`);
  return ms;
}

/** Time from connect to `download_meta`, in ms. */
async function probeDownload(port: number, fileId: string): Promise<number> {
  const started = performance.now();
  const c = new Frames(await Deno.connect({ hostname: "127.0.0.1", port }));
  await c.send({ type: "download", file_id: fileId });
  const m = await c.next();
  const ms = performance.now() - started;
  c.close();
  if (m?.type !== "download_meta") throw new Error(`No download_meta: ${JSON.stringify(m)}`);
  return ms;
}

interface Figures {
  join: number[];
  download: number[];
}

async function probe(server: ServerInfo, n: number, tag: string): Promise<Figures> {
  const out: Figures = { join: [], download: [] };
  for (let i = 0; i < n; i++) {
    out.join.push(await probeJoin(server.chatPort, `${tag}${i}`));
    out.download.push(await probeDownload(server.filePort, server.fileId));
    // The prober's own address has a join budget too (5 a second after a burst).
    await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
  }
  return out;
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

// ------------------------------------------------------------------ main

interface ServerInfo {
  chatPort: number;
  filePort: number;
  fileId: string;
}

/** Starts this file with `args` as a child; resolves with it and its first output line. */
async function child(args: string[]): Promise<{ proc: Deno.ChildProcess; line: string }> {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  return { proc, line: await firstLine(proc) };
}

/** The first line a child prints (its ready line); the rest of its output is discarded. */
async function firstLine(proc: Deno.ChildProcess): Promise<string> {
  const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("A child ended before its first line");
    text += value;
  }
  // Keep reading so the child never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })().catch(() => {});
  return text.split("\n")[0];
}

async function stop(proc: Deno.ChildProcess): Promise<void> {
  await proc.stdin.close().catch(() => {});
  await proc.status;
}

async function main(): Promise<void> {
  const args = parseArgs({
    args: Deno.args,
    options: {
      role: { type: "string" },
      probes: { type: "string", default: "30" },
      "reset-rate": { type: "string", default: "200" },
      flooders: { type: "string", default: "60" },
    },
  }).values;
  if (args.role === "server") return await runServer();
  const probes = Number(args.probes);
  const rate = Number(args["reset-rate"]);
  const storms = await canStorm();
  const server = await child(["--role", "server"]);
  const info = JSON.parse(server.line) as ServerInfo;
  console.log(
    `attack bench: ${probes} joins and ${probes} download starts per scenario; ` +
      `resets ${rate}/s per port${storms ? "" : " (skipped: no python3)"}; ` +
      `${args.flooders} flooders on 127.0.0.2`,
  );
  const results: Array<[string, Figures]> = [];
  try {
    results.push(["reference (no attack)", await probe(info, probes, "ref")]);
    const seconds = probes * (PROBE_EVERY_MS / 1000 + 0.05) + 2;
    const storm = async () =>
      storms
        ? await startResetStorm("127.0.0.1", [info.chatPort, info.filePort], {
          perSecond: rate,
          seconds,
          source: "127.0.0.3",
        })
        : null;
    const s1 = await storm();
    results.push([`resets ${rate}/s per port`, await probe(info, probes, "rst")]);
    await s1?.done;
    const flooder = await startFlooder({
      port: info.chatPort,
      connections: Number(args.flooders),
      perSecond: FLOOD_RATE,
      textBytes: 2000,
      source: "127.0.0.2",
    });
    results.push(["flood from another address", await probe(info, probes, "fld")]);
    const s2 = await storm();
    results.push(["resets + flood", await probe(info, probes, "all")]);
    await s2?.done;
    await flooder.stop();
  } finally {
    await stop(server.proc);
  }
  report(results);
}

function report(results: Array<[string, Figures]>): void {
  const ref = results[0][1];
  const f = (ms: number) => ms.toFixed(1).padStart(6);
  console.log(
    "scenario                      join ms: p50    p95    max  ratio | download ms: p50    p95    max  ratio",
  );
  for (const [name, r] of results) {
    const jr = quantile(r.join, 0.5) / quantile(ref.join, 0.5);
    const dr = quantile(r.download, 0.5) / quantile(ref.download, 0.5);
    console.log(
      `${name.padEnd(28)}  ${f(quantile(r.join, 0.5))} ${f(quantile(r.join, 0.95))} ` +
        `${f(Math.max(...r.join))} ${jr.toFixed(2).padStart(5)} |          ` +
        `${f(quantile(r.download, 0.5))} ${f(quantile(r.download, 0.95))} ` +
        `${f(Math.max(...r.download))} ${dr.toFixed(2).padStart(5)}`,
    );
  }
  const worst = Math.max(...results.flatMap(([, r]) => [...r.join, ...r.download]));
  console.log(`worst probe under attack: ${worst.toFixed(1)} ms (goal: under 100 ms)`);
}

if (import.meta.main) await main();
