/**
 * server.ts as a subprocess: ready line, banner, flags, port in use, SIGINT,
 * history across a restart.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { RawClient } from "./chat_test_client.ts";
import { VERSION } from "../lib/protocol/version.ts";
import { parseServerArgs } from "../lib/server/args.ts";
import { withDeadline } from "./wait.ts";

const SERVER = fileURLToPath(new URL("../server.ts", import.meta.url));
const READY = /^PC3 ready chat=(\d+) files=(\d+) media=(\d+)$/;

interface Running {
  child: Deno.ChildProcess;
  lines: string[];
  ports: { chat: number; files: number; media: number };
  /** Resolves with all stdout once the process ends. */
  rest: Promise<string>;
  stderr: Promise<string>;
}

// Hang guards for a subprocess on a loaded machine (never expected to expire).
const START_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 30_000;

async function start(args: string[]): Promise<Running> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SERVER, ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    return await withDeadline(
      readReady(child, reader, stderr),
      START_DEADLINE_MS,
      "the ready line",
    );
  } catch (e) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already ended.
    }
    await Promise.allSettled([child.status, stderr, reader.cancel()]);
    throw e;
  }
}

/** Reads stdout up to the ready line; the rest of stdout keeps being collected. */
async function readReady(
  child: Deno.ChildProcess,
  reader: ReadableStreamDefaultReader<string>,
  stderr: Promise<string>,
): Promise<Running> {
  const lines: string[] = [];
  let pending = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`Server ended before ready: ${lines.join("\n")}\n${await stderr}`);
    pending += value;
    const parts = pending.split("\n");
    pending = parts.pop()!;
    lines.push(...parts);
    const ready = lines.map((l) => READY.exec(l)).find((m) => m !== null);
    if (ready) {
      const rest = (async () => {
        let text = pending;
        while (true) {
          const r = await reader.read();
          if (r.done) return text;
          text += r.value;
        }
      })();
      return {
        child,
        lines,
        ports: { chat: Number(ready[1]), files: Number(ready[2]), media: Number(ready[3]) },
        rest,
        stderr,
      };
    }
  }
}

/**
 * Whether a test can ask the server to stop cleanly: on Windows a child gets no SIGINT or
 * SIGTERM from Deno (kill() terminates it at once, exit code 1), and Ctrl+C reaches a server
 * only through its own console, so the clean-stop checks run where signals exist.
 */
const CLEAN_STOP = Deno.build.os !== "windows";

async function stop(
  server: Running,
  signal: Deno.Signal = "SIGINT",
): Promise<{ code: number; out: string }> {
  server.child.kill(signal);
  const [status, out] = await withDeadline(
    Promise.all([server.child.status, server.rest]),
    STOP_DEADLINE_MS,
    `the server to exit on ${signal}`,
  );
  await server.stderr;
  return { code: status.code, out };
}

async function runToEnd(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SERVER, ...args],
    stdin: "null",
    // A hang guard: the child is killed if it outlives the deadline.
    signal: AbortSignal.timeout(STOP_DEADLINE_MS),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const PORTS0 = ["--chat-port", "0", "--file-port", "0", "--media-port", "0"];

Deno.test("server.ts prints the banner and the ready line with the actual ports", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const server = await start([...PORTS0, "--storage", `${dir}/s`]);
    const { chat, files, media } = server.ports;
    assert.ok(chat > 0 && files > 0 && media > 0);
    const banner = server.lines.join("\n");
    assert.match(banner, new RegExp(`chat TCP ${chat}`));
    // From source, the one form that works: the task (no program that exists only once compiled).
    assert.match(
      banner,
      new RegExp(`^  deno task client --name TU_NOMBRE --host \\S+ --chat-port ${chat}$`, "m"),
    );
    assert.doesNotMatch(banner, /pc3-client --name|client -- --name/);
    assert.equal(server.lines.at(-1), `PC3 ready chat=${chat} files=${files} media=${media}`);
    const { code } = await stop(server);
    if (CLEAN_STOP) assert.equal(code, 0);
    assert.ok((await Deno.stat(`${dir}/s`)).isDirectory);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("server.ts ready line is the same in English", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const server = await start([...PORTS0, "--storage", dir, "--lang", "en"]);
    assert.match(server.lines.at(-1)!, READY);
    assert.match(server.lines.join("\n"), /PC3 server/);
    const { code } = await stop(server);
    if (CLEAN_STOP) assert.equal(code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "server.ts: SIGINT tells clients, exits 0, and the history survives a restart",
  ignore: !CLEAN_STOP,
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await start([...PORTS0, "--storage", dir]);
    const { client } = await RawClient.hello(first.ports.chat, "Ana");
    let lastSeq = 0;
    try {
      await client.send({ type: "message", text: "¿me recuerdas?" });
      const m = await client.until((f) => f.type === "message");
      lastSeq = m!.seq as number;
      const stopped = stop(first);
      const shutdown = await client.until((f) => f.event === "shutdown");
      assert.ok(shutdown !== null);
      const { code, out } = await stopped;
      assert.equal(code, 0);
      assert.match(out, /Servidor detenido/);
    } finally {
      client.close();
    }
    const second = await start([...PORTS0, "--storage", dir]);
    const { client: again, welcome } = await RawClient.hello(second.ports.chat, "Beto");
    try {
      assert.equal(welcome.name, "Beto");
      const old = await again.next();
      assert.equal(old?.text, "¿me recuerdas?");
      assert.equal(old?.history, true);
      const join = await again.next();
      assert.ok((join!.seq as number) > lastSeq);
    } finally {
      again.close();
      assert.equal((await stop(second)).code, 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("server.ts: a bad flag or value exits 2 with a message in the chosen language", async () => {
  const bogus = await runToEnd(["--bogus"]);
  assert.equal(bogus.code, 2);
  assert.match(bogus.stderr, /Opción no válida.*--bogus/);
  const port = await runToEnd(["--chat-port", "70000", "--lang", "en"]);
  assert.equal(port.code, 2);
  assert.match(port.stderr, /Invalid value for --chat-port: 70000 \(a port from 0 to 65535\)/);
  const media = await runToEnd(["--v1-media", "maybe"]);
  assert.equal(media.code, 2);
  assert.match(media.stderr, /--v1-media: maybe/);
  const timeout = await runToEnd(["--hello-timeout", "-1"]);
  assert.equal(timeout.code, 2);
  const lang = await runToEnd(["--lang", "fr"]);
  assert.equal(lang.code, 2);
  assert.match(lang.stderr, /--lang: fr/);
});

Deno.test("server.ts --version prints pc3-server and the version, also after deno task's --", async () => {
  for (const args of [["--version"], ["--", "--version"]]) {
    const r = await runToEnd(args);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `pc3-server ${VERSION}\n`);
  }
});

Deno.test("server.ts --help exits 0 and lists the flags", async () => {
  const help = await runToEnd(["--help", "--lang", "en"]);
  assert.equal(help.code, 0);
  for (const flag of ["--chat-port", "--storage", "--v1-media", "--no-v1", "--max-per-ip"]) {
    assert.ok(help.stdout.includes(flag), flag);
  }
});

Deno.test("server.ts: a chat port in use names the port and what to do, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  const busy = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  try {
    const port = (busy.addr as Deno.NetAddr).port;
    const result = await runToEnd([
      "--chat-port",
      String(port),
      "--file-port",
      "0",
      "--media-port",
      "0",
      "--storage",
      dir,
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`${port}.*--chat-port`));
    assert.match(result.stderr, /otro servidor PC3/);
  } finally {
    busy.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "server.ts: SIGTERM also stops cleanly with exit 0",
  ignore: !CLEAN_STOP,
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const server = await start([...PORTS0, "--storage", dir, "--host", "127.0.0.1"]);
    assert.match(server.lines.join("\n"), /--host 127\.0\.0\.1 --chat-port \d+/);
    const { code, out } = await stop(server, "SIGTERM");
    assert.equal(code, 0);
    assert.match(out, /Servidor detenido/);
    assert.ok((await Deno.stat(`${dir}/history.json`)).isFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseServerArgs(): a bad size names the accepted suffixes; deno task's -- is not an option", () => {
  const bad = parseServerArgs(["--max-upload", "10X", "--lang", "en"]);
  assert.equal(bad.kind, "error");
  assert.match(
    (bad as { message: string }).message,
    /--max-upload: 10X \(a size in bytes or with a K, M, G or T suffix, for example 500M or 16G\)/,
  );
  const ok = parseServerArgs(["--", "--chat-port", "12009", "--max-upload", "10G"]);
  assert.equal(ok.kind, "run");
  if (ok.kind === "run") {
    assert.equal(ok.config.chatPort, 12009);
    assert.equal(ok.config.maxUpload, 10 * 1024 ** 3);
  }
});
