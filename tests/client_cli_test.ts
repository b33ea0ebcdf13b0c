import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";
import { FramedConnection } from "../lib/net/framed_conn.ts";
import { decodeMessage, encodeFrame, type Message } from "../lib/protocol/frame.ts";
import { VERSION } from "../lib/protocol/version.ts";
import { withDeadline } from "./wait.ts";

const root = fromFileUrl(new URL("..", import.meta.url));
const clientPath = fromFileUrl(new URL("../client.ts", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Longest a client run may take before the test kills it and fails. */
const RUN_DEADLINE_MS = 30_000;

/**
 * Runs client.ts with `args` and `input` on its standard input. The input is
 * closed after writing unless `keepInputOpen` (then only the server can end
 * the session). The run has a deadline: past it, the client is killed.
 */
async function runClient(
  args: string[],
  input = "",
  options: {
    keepInputOpen?: boolean;
    env?: Record<string, string>;
    /** Closes the input once standard output matches this (the session then ends). */
    closeInputWhen?: RegExp;
  } = {},
): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", clientPath, ...args],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: options.env ?? { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  let seen = "";
  const stdoutText = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      seen += chunk;
      if (options.closeInputWhen?.test(seen)) await writer.close().catch(() => {});
    }
    return seen;
  })();
  const outputs = Promise.all([child.status, stdoutText, new Response(child.stderr).text()]);
  try {
    await writer.write(new TextEncoder().encode(input));
    if (!options.keepInputOpen && options.closeInputWhen === undefined) await writer.close();
    const [status, stdout, stderr] = await withDeadline(
      outputs,
      RUN_DEADLINE_MS,
      `client.ts ${args.join(" ")} to exit`,
    );
    return { code: status.code, stdout, stderr };
  } catch (e) {
    try {
      child.kill();
    } catch {
      // Already gone.
    }
    await outputs.catch(() => {});
    throw e;
  } finally {
    await writer.close().catch(() => {});
  }
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

Deno.test("client.ts exits with 2 and a message for a bad flag, in Spanish and English", async () => {
  const es = await runClient(["--name", "Ana", "--colour", "rojo"]);
  assert.equal(es.code, 2);
  assert.match(es.stderr, /\[ERROR\] La opción --colour no existe/);
  // One hint: "see --help" when the message does not say what to type.
  assert.match(es.stderr, /--help/);
  const typo = await runClient(["--nmae", "Ana"]);
  assert.equal(typo.code, 2);
  assert.equal(typo.stderr.trim(), "[ERROR] La opción --nmae no existe. ¿Querías decir --name?");
  const en = await runClient(["--lang", "en", "--name", "Ana", "--fps", "0"]);
  assert.equal(en.code, 2);
  assert.match(en.stderr, /\[ERROR\] Invalid value for --fps: 0/);
  const size = await runClient(["--name", "Ana", "--video-size", "big"]);
  assert.equal(size.code, 2);
  assert.match(size.stderr, /--video-size: big/);
  const port = await runClient(["--name", "Ana", "--chat-port", "70000"]);
  assert.equal(port.code, 2);
  const positional = await runClient(["--name", "Ana", "extra"]);
  assert.equal(positional.code, 2);
});

Deno.test("client.ts --version prints pc3-client and the version, also after deno task's --", async () => {
  for (const args of [["--version"], ["--", "--version"], ["--version", "--lang", "en"]]) {
    const r = await runClient(args);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `pc3-client ${VERSION}\n`);
  }
});

Deno.test("client.ts needs --name when its input is not a terminal", async () => {
  const r = await runClient([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Falta --name/);
});

Deno.test("client.ts --help lists the options and exits with 0", async () => {
  const r = await runClient(["--help", "--lang", "en"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /chat port \(default 9009\)/);
  assert.doesNotMatch(r.stdout, /\{\w+\}/, "no placeholder left unfilled");
  for (
    const flag of [
      "--name",
      "--host",
      "--chat-port",
      "--file-port",
      "--media-port",
      "--downloads",
      "--lang",
      "--camera",
      "--list-cameras",
      "--video-source",
      "--video-view",
      "--video-size",
      "--fps",
    ]
  ) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

Deno.test("client.ts explains a refused connection in Spanish and English and exits with 1", async () => {
  const port = freePort();
  const es = await runClient(["--name", "Ana", "--chat-port", String(port)]);
  assert.equal(es.code, 1);
  // The failure, then the automatic check's causes and fixes: one hint, not two.
  assert.match(
    es.stderr,
    new RegExp(
      `^\\[ERROR\\] No se pudo conectar a 127\\.0\\.0\\.1:${port}: conexión rechazada$`,
      "m",
    ),
  );
  assert.equal(es.stderr.match(/configurar_firewall\.ps1/g)?.length, 1, es.stderr);
  const en = await runClient(["--name", "Ana", "--chat-port", String(port), "--lang", "en"]);
  assert.equal(en.code, 1);
  assert.match(
    en.stderr,
    new RegExp(
      `^\\[ERROR\\] Could not connect to 127\\.0\\.0\\.1:${port}: connection refused$`,
      "m",
    ),
  );
});

Deno.test("client.ts explains a host that does not resolve", async () => {
  const r = await runClient(["--name", "Ana", "--host", "no-such-host.invalid"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no se encuentra el equipo «no-such-host\.invalid»/);
});

Deno.test("client.ts pointed at a web server says it is not a PC3 chat server", async () => {
  const ac = new AbortController();
  const web = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    () => new Response("hola"),
  );
  try {
    const r = await runClient(["--name", "Ana", "--host", `127.0.0.1:${web.addr.port}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no es un servidor de chat PC3 \(responde como un servidor web\)/);
    assert.doesNotMatch(r.stderr, /Frame too large/);
  } finally {
    ac.abort();
    await web.finished;
  }
});

/** The line a client prints once when it lost the server and starts trying again. */
const RETRYING = /\[SYSTEM\] [^\n]*Retrying/;

/** How many times `pattern` occurs in `text`. */
function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(new RegExp(pattern.source, "g"))].length;
}

/** A one-connection fake chat server. */
function fakeServer(script: (fc: FramedConnection, m: Message, frames: Message[]) => void) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const frames: Message[] = [];
  const done = (async () => {
    const conn = await listener.accept();
    const fc = new FramedConnection(conn);
    for await (const p of fc.payloads()) {
      const m = decodeMessage(p);
      frames.push(m);
      script(fc, m, frames);
    }
    fc.close();
    listener.close();
  })();
  return { port: listener.addr.port, frames, done };
}

/** Waits, with a deadline, for the fake server to finish its one connection. */
function serverDone(server: { done: Promise<void> }): Promise<void> {
  return withDeadline(server.done, RUN_DEADLINE_MS, "the fake server to finish");
}

function welcome(name: string): Message {
  return {
    type: "welcome",
    version: 2,
    name,
    token: "ab".repeat(16),
    file_port: 1,
    media_port: 1,
    limits: { max_frame: 65536, max_message: 4096, max_name: 32, max_upload: 100 },
    members: [{ name, since: 0, protocol: 2, in_call: false }],
    files: [],
    call: [],
  };
}

Deno.test("client.ts in pipe mode sends each input line and quits at the end of input", async () => {
  let seq = 0;
  const server = fakeServer((fc, m) => {
    if (m.type === "hello") fc.send(encodeFrame(welcome(String(m.name))));
    if (m.type === "message") {
      fc.send(
        encodeFrame({ type: "message", seq: ++seq, ts: 0, from: "Ana", text: m.text as string }),
      );
    }
    if (m.type === "who") {
      fc.send(encodeFrame({ type: "who", members: [{ name: "Ana" }, { name: "Luis" }] }));
    }
    if (m.type === "quit") fc.end();
  });
  const r = await runClient(
    ["--name", "Ana", "--chat-port", String(server.port)],
    "hola\n/who\n/nada\n//raíz\n",
  );
  await serverDone(server);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.ok(lines.includes("[Ana]: hola"), r.stdout);
  assert.ok(lines.includes("[Ana]: /raíz"), r.stdout);
  assert.ok(lines.includes("[SISTEMA] En línea (2): Ana, Luis"), r.stdout);
  assert.ok(lines.some((l) => l.startsWith("[ERROR] Comando desconocido: /nada")), r.stdout);
  assert.ok(!r.stdout.includes("\x1b"));
  assert.deepEqual(server.frames.map((f) => f.type), [
    "hello",
    "message",
    "who",
    "message",
    "quit",
  ]);
});

Deno.test("client.ts reports a server shutdown once, keeps trying, and ends with its input", async () => {
  const server = fakeServer((fc, m) => {
    if (m.type === "hello") {
      fc.send(encodeFrame(welcome(String(m.name))));
      fc.send(encodeFrame({ type: "system", event: "shutdown", seq: 1, ts: 0, text: "x" }));
      fc.end();
    }
  });
  // The input stays open until the client says it is trying again; then it ends.
  const { code, stdout } = await runClient(
    ["--name", "Ana", "--chat-port", String(server.port), "--lang", "en"],
    "",
    { closeInputWhen: RETRYING, env: {} },
  );
  await serverDone(server);
  // The end of the input ends the session while it waits for the server: a quit (exit 0).
  assert.equal(code, 0);
  assert.match(stdout, /\[SYSTEM\] The server is shutting down/);
  assert.equal(count(stdout, RETRYING), 1, stdout);
});

Deno.test("client.ts says the connection was lost after a harmless error frame, and ends with its input", async () => {
  const server = fakeServer((fc, m) => {
    if (m.type === "hello") {
      fc.send(encodeFrame(welcome(String(m.name))));
      fc.send(encodeFrame({ type: "error", code: "rate_limited", message: "Too fast" }));
    }
    // The client's message comes after the error: the server then goes away.
    if (m.type === "message") fc.close();
  });
  // The input stays open until the client says the connection was lost.
  const { code, stdout } = await runClient(
    ["--name", "Ana", "--chat-port", String(server.port), "--lang", "en"],
    "hola\n",
    { closeInputWhen: RETRYING },
  );
  await serverDone(server);
  assert.equal(code, 0);
  assert.match(stdout, /Too fast/);
  assert.equal(count(stdout, RETRYING), 1, stdout);
  assert.doesNotMatch(stdout, /The server closed the connection: Too fast/);
});
