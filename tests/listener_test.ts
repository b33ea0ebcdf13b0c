import assert from "node:assert/strict";
import {
  type AcceptedConn,
  ConnectionListener,
  isResourceExhaustion,
  type PeerInfo,
} from "../lib/net/listener.ts";
import { waitFor, withDeadline } from "./wait.ts";

/** A listener whose accept() replays a script: errors to throw or connections to hand out. */
class ScriptedListener {
  #script: Array<Error | AcceptedConn>;
  #parked: Array<(v: AcceptedConn) => void> = [];
  #closed = false;
  accepts = 0;

  constructor(script: Array<Error | AcceptedConn>) {
    this.#script = script;
  }

  accept(): Promise<AcceptedConn> {
    this.accepts++;
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("Listener closed"));
    const next = this.#script.shift();
    if (next === undefined) {
      return new Promise((resolve, reject) => {
        this.#parked.push(resolve);
        this.#onClose = () => reject(new Deno.errors.BadResource("Listener closed"));
      });
    }
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  }

  #onClose = () => {};

  close(): void {
    this.#closed = true;
    this.#onClose();
  }
}

function fakeConn(hostname: string, port = 1): AcceptedConn & { closed: boolean } {
  return {
    remoteAddr: { transport: "tcp", hostname, port },
    closed: false,
    close() {
      this.closed = true;
    },
  };
}

function emfile(): Error {
  return Object.assign(new Error("Too many open files (os error 24)"), { code: "EMFILE" });
}

/** Resolves when `check()` holds; fails after `ms`. */
function until(check: () => boolean, ms = 2000): Promise<void> {
  return waitFor(check, { message: "the listener to reach the expected state", timeoutMs: ms });
}

Deno.test("isResourceExhaustion() recognises EMFILE/ENFILE/ENOBUFS/ENOMEM and nothing else", () => {
  assert.equal(isResourceExhaustion(emfile()), true);
  assert.equal(
    isResourceExhaustion(new Error("Too many open files in system (os error 23)")),
    true,
  );
  assert.equal(isResourceExhaustion(new Error("No buffer space available (os error 105)")), true);
  assert.equal(isResourceExhaustion(Object.assign(new Error("x"), { code: "ENOMEM" })), true);
  assert.equal(isResourceExhaustion(new Deno.errors.ConnectionReset("reset")), false);
  assert.equal(isResourceExhaustion(new Deno.errors.NotConnected("gone")), false);
  assert.equal(isResourceExhaustion("EMFILE"), false);
});

Deno.test("ConnectionListener skips per-connection accept errors at once, without pausing", async () => {
  const script: Array<Error | AcceptedConn> = [];
  for (let i = 0; i < 300; i++) {
    script.push(new Deno.errors.ConnectionReset("reset"));
    script.push(new Deno.errors.ConnectionAborted("aborted"));
    script.push(new Deno.errors.NotConnected("not connected"));
  }
  script.push(fakeConn("10.0.0.1"));
  const fake = new ScriptedListener(script);
  const sleeps: number[] = [];
  const logs: string[] = [];
  const handled: PeerInfo[] = [];
  const server = new ConnectionListener(fake, (conn, peer) => {
    handled.push(peer);
    conn.close();
    return Promise.resolve();
  }, { log: (l) => logs.push(l), sleep: (ms) => (sleeps.push(ms), Promise.resolve()) });
  await until(() => handled.length === 1);
  assert.deepEqual(sleeps, []);
  assert.deepEqual(logs, []);
  assert.equal(handled[0].ip, "10.0.0.1");
  await server.stop();
  assert.equal(await server.settled(1000), true);
});

Deno.test("ConnectionListener pauses on fd exhaustion with one log line per episode", async () => {
  const fake = new ScriptedListener([emfile(), emfile(), emfile(), fakeConn("10.0.0.2"), emfile()]);
  const sleeps: number[] = [];
  const logs: string[] = [];
  let handled = 0;
  const server = new ConnectionListener(fake, (conn) => {
    handled++;
    conn.close();
    return Promise.resolve();
  }, {
    log: (l) => logs.push(l),
    name: "chat",
    exhaustionPauseMs: 25,
    sleep: (ms) => (sleeps.push(ms), Promise.resolve()),
  });
  await until(() => sleeps.length === 4);
  assert.equal(handled, 1);
  assert.deepEqual(sleeps, [25, 25, 25, 25]);
  assert.equal(logs.length, 2, "one line for each episode");
  assert.match(logs[0], /^chat: accept paused: .*Too many open files/);
  await server.stop();
});

Deno.test("ConnectionListener logs an unknown accept error once and keeps accepting", async () => {
  const fake = new ScriptedListener([new Error("odd"), new Error("odd"), fakeConn("10.0.0.3")]);
  const logs: string[] = [];
  let handled = 0;
  const server = new ConnectionListener(fake, (conn) => {
    handled++;
    conn.close();
    return Promise.resolve();
  }, { log: (l) => logs.push(l), sleep: () => Promise.reject(new Error("must not pause")) });
  await until(() => handled === 1);
  assert.equal(logs.length, 1);
  await server.stop();
});

Deno.test("ConnectionListener counts connections per IP and flags those over the limit", async () => {
  const conns = [fakeConn("10.0.0.4", 1), fakeConn("10.0.0.4", 2), fakeConn("10.0.0.4", 3)];
  const fake = new ScriptedListener([...conns]);
  const peers: PeerInfo[] = [];
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  const server = new ConnectionListener(fake, async (_conn, peer) => {
    peers.push(peer);
    await held;
  }, { maxPerIp: 2 });
  await until(() => peers.length === 3);
  assert.deepEqual(peers.map((p) => [p.port, p.fromIp, p.overLimit]), [
    [1, 1, false],
    [2, 2, false],
    [3, 3, true],
  ]);
  assert.equal(server.connectionsFrom("10.0.0.4"), 3);
  assert.equal(await server.settled(10), false, "handlers still running");
  release();
  assert.equal(await server.settled(1000), true);
  assert.equal(server.connectionsFrom("10.0.0.4"), 0);
  await server.stop();
  await server.stop();
});

Deno.test("ConnectionListener logs a failing handler and frees its per-IP slot", async () => {
  const fake = new ScriptedListener([fakeConn("10.0.0.5")]);
  const logs: string[] = [];
  const server = new ConnectionListener(fake, () => Promise.reject(new Error("boom")), {
    log: (l) => logs.push(l),
    name: "files",
  });
  await until(() => logs.length === 1);
  assert.match(logs[0], /^files: 10\.0\.0\.5:1: Error: boom/);
  await server.settled(1000);
  assert.equal(server.connectionsFrom("10.0.0.5"), 0);
  await server.stop();
});

Deno.test("ConnectionListener on a real socket serves clients and stop() ends accepting", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const server = new ConnectionListener(listener, async (conn, peer) => {
    await conn.write(Uint8Array.of(peer.fromIp));
    conn.close();
  });
  for (let i = 0; i < 3; i++) {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    const buf = new Uint8Array(1);
    assert.equal(await withDeadline(c.read(buf), 5_000, "the handler's byte"), 1);
    assert.equal(buf[0], 1);
    c.close();
  }
  await server.stop();
  assert.equal(server.stopping, true);
  await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port }));
  assert.equal(await server.settled(2000), true);
});

Deno.test({
  name: "ConnectionListener survives running out of descriptors (real process, low ulimit)",
  // Needs sh and `ulimit -n`, which Windows has not.
  ignore: Deno.build.os === "windows",
}, async () => {
  const listenerUrl = new URL("../lib/net/listener.ts", import.meta.url).href;
  const script = `
    import { ConnectionListener } from "${listenerUrl}";
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = l.addr.port;
    const held = [];
    let served = 0;
    let paused = false;
    const server = new ConnectionListener(l, (conn) => { served++; held.push(conn); return new Promise(() => {}); },
      { log: (line) => { paused = true; console.log("LOG " + line); }, exhaustionPauseMs: 20 });
    const clients = [];
    for (let i = 0; i < 40; i++) {
      try { clients.push(await Deno.connect({ hostname: "127.0.0.1", port })); } catch { break; }
    }
    const pauseDeadline = Date.now() + 3000;
    while (!paused && Date.now() < pauseDeadline) await new Promise((r) => setTimeout(r, 5));
    for (const c of held.splice(0)) c.close();
    const deadline = Date.now() + 3000;
    while (served < clients.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    console.log("RESULT " + JSON.stringify({ clients: clients.length, served }));
    Deno.exit(0);
  `;
  const child = new Deno.Command("sh", {
    args: ["-c", `ulimit -n 48; exec "${Deno.execPath()}" run -A --no-config -`],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(script));
  await w.close();
  const out = await withDeadline(child.output(), 15_000, "the low-ulimit child").catch((e) => {
    child.kill("SIGKILL");
    throw e;
  });
  const text = new TextDecoder().decode(out.stdout);
  const result = JSON.parse(/RESULT (.*)/.exec(text)?.[1] ?? "null");
  assert.ok(result, `no result: ${text} ${new TextDecoder().decode(out.stderr)}`);
  assert.equal(result.served, result.clients, `every client served once fds are free: ${text}`);
  const logs = text.split("\n").filter((l) => l.startsWith("LOG "));
  assert.equal(logs.length, 1, `descriptors should run out once: ${text}`);
  assert.match(logs[0], /accept paused: .*Too many open files/);
});
