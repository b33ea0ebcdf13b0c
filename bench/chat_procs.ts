/**
 * Child-process plumbing of the chat bench (bench/chat_bench.ts): deadlines,
 * line reading, RSS, stopping, and the two one-off children it measures
 * besides the servers (a bare Deno accept loop, a raw v1 upload).
 *
 * @module
 */

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `p`, or a rejection naming `what` after `ms`. */
export async function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resident memory of process `pid`, in KiB. */
export function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
}

/** Reads a child's stdout line by line. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let text = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    let nl: number;
    while ((nl = text.indexOf("\n")) >= 0) {
      yield text.slice(0, nl);
      text = text.slice(nl + 1);
    }
  }
}

/** SIGINT (or SIGTERM), then SIGKILL after 5 s; resolves when the process is gone. */
export async function stop(
  child: Deno.ChildProcess,
  signal: Deno.Signal = "SIGINT",
): Promise<void> {
  try {
    child.kill(signal);
  } catch { /* ended */ }
  try {
    await deadline(child.status, 5000, "process exit");
  } catch {
    try {
      child.kill("SIGKILL");
    } catch { /* ended */ }
    await child.status;
  }
}

// A bare Deno accept loop: the floor of what one connection costs in Deno.
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

/** RSS per idle connection of a bare Deno accept loop holding `count` of them, in KiB. */
export async function rawDenoPerConnection(count: number): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", RAW_SERVER],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const out = lines(child.stdout);
  const first = await deadline(out.next(), 30_000, "raw server ready");
  const port = Number(/RAW ready (\d+)/.exec(String(first.value))![1]);
  await sleep(500);
  const before = rssKiB(child.pid);
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < count; i++) conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
  await sleep(2000);
  const per = (rssKiB(child.pid) - before) / count;
  for (const c of conns) c.close();
  await stop(child, "SIGTERM");
  return per;
}

/** One raw v1 upload of `size` zero bytes in a child process; returns MB/s. */
export async function v1Upload(port: number, id: string, size: number): Promise<number> {
  const script = `
const [port, id, size] = Deno.args.map((a, i) => i === 1 ? a : Number(a));
const head = new TextEncoder().encode(JSON.stringify({ type: "upload", file_id: id, filename: id + ".bin", size }));
const frame = new Uint8Array(4 + head.length);
new DataView(frame.buffer).setUint32(0, head.length);
frame.set(head, 4);
const c = await Deno.connect({ hostname: "127.0.0.1", port });
const start = performance.now();
const writeAll = async (b) => { let n = 0; while (n < b.length) n += await c.write(b.subarray(n)); };
await writeAll(frame);
const chunk = new Uint8Array(1024 * 1024);
for (let left = size; left > 0; left -= chunk.length) await writeAll(chunk.subarray(0, Math.min(left, chunk.length)));
const buf = new Uint8Array(65536);
while ((await c.read(buf)) !== null) { /* reply */ }
console.log(JSON.stringify({ mbps: size / 1e6 / ((performance.now() - start) / 1000) }));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script, String(port), id, String(size)],
    stderr: "inherit",
  }).output();
  try {
    return JSON.parse(new TextDecoder().decode(out.stdout)).mbps;
  } catch {
    return 0;
  }
}
