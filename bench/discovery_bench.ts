/**
 * How long a student waits when the client finds the server by itself:
 * from starting client.ts without `--host` on a terminal (a pty, through
 * util-linux `script`) to the welcome, pressing Enter at the offer as soon as
 * it appears; against the same start with `--host` given (the reference),
 * measured alternately in the same run. Also the bare discovery time in
 * process (the query, the answer and the settle wait).
 *
 * ```sh
 * deno run -A bench/discovery_bench.ts [--runs 5]
 * ```
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { discoverServers } from "../lib/client/discovery.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(Deno.args[Deno.args.indexOf("--runs") + 1]) || 5;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Strips terminal escape sequences so the output can be matched as text. */
function plain(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r/g, "");
}

function freePort(transport: "tcp" | "udp"): number {
  if (transport === "tcp") {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    return port;
  }
  const s = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (s.addr as Deno.NetAddr).port;
  s.close();
  return port;
}

interface Server {
  chat: number;
  media: number;
  stop(): Promise<void>;
}

async function startServer(storage: string): Promise<Server> {
  const chat = freePort("tcp");
  const media = freePort("udp");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "-A", "server.ts", "--storage", storage, "--lang", "en", "--room", "Bench"],
      ...["--chat-port", String(chat), "--file-port", String(freePort("tcp"))],
      ...["--media-port", String(media)],
    ],
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let text = "";
  const reader = child.stdout.getReader();
  while (!text.includes("PC3 ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`The server did not start:\n${text}`);
    text += decoder.decode(value);
  }
  const drained = (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  return {
    chat,
    media,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await drained;
    },
  };
}

/**
 * Starts client.ts in a pty, answers its prompts as soon as they appear, and
 * returns the milliseconds from spawning it to its own join in the room.
 */
async function timeToWelcome(args: string[], env: Record<string, string>): Promise<number> {
  const command = ["deno", "run", "-A", "client.ts", ...args].map((a) => `'${a}'`).join(" ");
  const started = performance.now();
  const child = new Deno.Command("script", {
    args: ["-qfec", command, "/dev/null"],
    cwd: root,
    env: { ...env, TERM: "xterm", COLUMNS: "100", LINES: "30" },
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.getReader();
  let text = "";
  let answered = false;
  const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`The client ended before its welcome:\n${plain(text)}`);
      text += plain(decoder.decode(value, { stream: true }));
      if (!answered && text.includes("Press Enter to join")) {
        answered = true;
        await writer.write(encoder.encode("\r"));
      }
      if (/Connected to \S+ as Ana/.test(text)) return performance.now() - started;
    }
  } finally {
    clearTimeout(deadline);
    await writer.write(encoder.encode("/quit\r")).catch(() => {});
    await writer.close().catch(() => {});
    const stop = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await child.status;
    clearTimeout(stop);
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const storage = await Deno.makeTempDir({ prefix: "pc3-discovery-bench-" });
  const config = await Deno.makeTempDir({ prefix: "pc3-discovery-bench-config-" });
  const server = await startServer(storage);
  const env = { XDG_CONFIG_HOME: config };
  const lang = ["--lang", "en", "--name", "Ana", "--video-view", "none"];
  const withHost = [...lang, "--host", "127.0.0.1", "--chat-port", String(server.chat)];
  const withoutHost = [...lang, "--media-port", String(server.media)];
  const reference: number[] = [];
  const discovered: number[] = [];
  const bare: number[] = [];
  try {
    // One warm-up of each so module loading is cached for both.
    await timeToWelcome(withHost, env);
    await timeToWelcome(withoutHost, env);
    for (let i = 0; i < runs; i++) {
      reference.push(await timeToWelcome(withHost, env));
      discovered.push(await timeToWelcome(withoutHost, env));
      const t0 = performance.now();
      const found = await discoverServers({ port: server.media, hearAnnouncements: false });
      bare.push(performance.now() - t0);
      if (found.length !== 1) throw new Error(`Discovery found ${found.length} servers`);
    }
  } finally {
    await server.stop();
    await Deno.remove(storage, { recursive: true });
    await Deno.remove(config, { recursive: true });
  }
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  console.log(`discovery bench: ${runs} runs each, medians (a pty through util-linux script)`);
  console.log(`  start with --host to the welcome (reference): ${ms(median(reference))}`);
  console.log(
    `  start without --host to the welcome (discovery, Enter at the offer): ${
      ms(median(discovered))
    }`,
  );
  console.log(`  discovery alone, in process (query, answer, settle wait): ${ms(median(bare))}`);
  console.log(
    `  ratio without/with --host: ${(median(discovered) / median(reference)).toFixed(2)}`,
  );
  console.log(`  extra time for discovery: ${ms(median(discovered) - median(reference))}`);
}

if (import.meta.main) await main();
