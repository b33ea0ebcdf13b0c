/**
 * `--check`: the probes against a healthy server, a closed TCP port, a closed
 * UDP port and a program that is not PC3; the diagnosis rules one by one; the
 * CLI, and the check after a failed connection.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  checkLines,
  diagnose,
  isWifiName,
  type ProbeResult,
  runCheck,
} from "../lib/client/check.ts";
import { encodeJoinCode } from "../lib/protocol/join_code.ts";
import { type RunningServer, startServer } from "../server.ts";
import { localServerConfig } from "./server_config.ts";
import { withDeadline } from "./wait.ts";

const quiet = { print: () => {}, error: () => {} };
const clientPath = fileURLToPath(new URL("../client.ts", import.meta.url));
const LOOPBACK = [{ address: 0x7f000001, prefix: 8, iface: "lo" }];

async function withServer(fn: (s: RunningServer) => Promise<void>): Promise<void> {
  const storage = await Deno.makeTempDir({ prefix: "pc3-check-" });
  const server = await startServer(localServerConfig(storage), quiet);
  try {
    await fn(server);
  } finally {
    await server.close();
    await Deno.remove(storage, { recursive: true });
  }
}

/** A TCP port nobody listens on (bound, then released). */
function closedTcpPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A UDP port nobody listens on (bound, then released). */
function closedUdpPort(): number {
  const s = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (s.addr as Deno.NetAddr).port;
  s.close();
  return port;
}

const verdicts = (results: ProbeResult[]) => results.map((r) => `${r.service}:${r.verdict}`);

Deno.test("runCheck() on a healthy server: chat, files and the UDP echo all work", async () => {
  await withServer(async (s) => {
    const report = await runCheck("127.0.0.1", {
      chatPort: s.chatPort,
      mediaPort: s.mediaPort,
      subnets: LOOPBACK,
    });
    // The file port comes from the echo reply: it was not given.
    assert.deepEqual(verdicts(report.results), ["chat:ok", "files:ok", "relay:ok"]);
    assert.equal(report.results[1].port, s.filePort);
    assert.deepEqual(report.causes, []);
    assert.equal(report.sameSubnet, true);
    // The probe joined nobody.
    assert.equal(s.room.size, 0);
  });
});

Deno.test("runCheck() against a closed TCP chat port says refused and names the server or firewall", async () => {
  const report = await runCheck("127.0.0.1", {
    chatPort: closedTcpPort(),
    filePort: closedTcpPort(),
    mediaPort: closedUdpPort(),
    timeoutMs: 400,
    subnets: LOOPBACK,
  });
  assert.deepEqual(verdicts(report.results), ["chat:refused", "files:refused", "relay:no_answer"]);
  assert.deepEqual(report.causes, ["server_down", "firewall"]);
});

Deno.test("runCheck() against a closed UDP port: chat and files work, calls blocked", async () => {
  await withServer(async (s) => {
    const report = await runCheck("127.0.0.1", {
      chatPort: s.chatPort,
      filePort: s.filePort,
      mediaPort: closedUdpPort(),
      timeoutMs: 400,
      subnets: LOOPBACK,
    });
    assert.deepEqual(verdicts(report.results), ["chat:ok", "files:ok", "relay:no_answer"]);
    assert.deepEqual(report.causes, ["firewall_udp"]);
  });
});

Deno.test("runCheck() tells a program that is not PC3 from a PC3 server", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    for await (const conn of listener) {
      await conn.write(new TextEncoder().encode("HTTP/1.0 400 Bad Request\r\n\r\n")).catch(
        () => {},
      );
      conn.close();
    }
  })();
  try {
    const report = await runCheck("127.0.0.1", {
      chatPort: (listener.addr as Deno.NetAddr).port,
      filePort: closedTcpPort(),
      mediaPort: closedUdpPort(),
      timeoutMs: 400,
      subnets: LOOPBACK,
    });
    assert.equal(report.results[0].verdict, "not_pc3");
    assert.deepEqual(report.causes, ["not_pc3"]);
  } finally {
    listener.close();
    await served;
  }
});

Deno.test("runCheck() with a connect that never answers reports a timeout (injected connect)", async () => {
  const report = await runCheck("10.99.0.7", {
    chatPort: 9009,
    filePort: 9010,
    mediaPort: closedUdpPort(),
    timeoutMs: 200,
    connect: () => new Promise<never>(() => {}),
    subnets: [{ address: 0x0a630001, prefix: 16, iface: "Wi-Fi" }],
  });
  assert.deepEqual(verdicts(report.results).slice(0, 2), ["chat:timeout", "files:timeout"]);
  assert.equal(report.wifi, true);
  assert.deepEqual(report.causes, ["firewall", "public_profile", "ap_isolation", "server_down"]);
});

Deno.test("runCheck() with a name that does not resolve: wrong address", async () => {
  const report = await runCheck("aula-que-no-existe", {
    chatPort: 9009,
    resolve: () => Promise.reject(new Deno.errors.NotFound("no")),
  });
  assert.deepEqual(verdicts(report.results), ["chat:unresolved"]);
  assert.deepEqual(report.causes, ["wrong_address"]);
});

Deno.test("diagnose(): each pattern of verdicts gives its causes", () => {
  const r = (chat: string, files: string, relay: string) =>
    [
      { service: "chat", port: 1, verdict: chat },
      { service: "files", port: 2, verdict: files },
      { service: "relay", port: 3, verdict: relay },
    ] as ProbeResult[];
  const lan = { sameSubnet: true, wifi: false };
  assert.deepEqual(diagnose(r("ok", "ok", "ok"), lan), []);
  assert.deepEqual(diagnose(r("ok", "timeout", "ok"), lan), ["firewall_files"]);
  assert.deepEqual(diagnose(r("ok", "ok", "no_answer"), lan), ["firewall_udp"]);
  assert.deepEqual(diagnose(r("refused", "refused", "ok"), lan), ["wrong_port"]);
  assert.deepEqual(diagnose(r("timeout", "timeout", "ok"), lan), ["firewall", "public_profile"]);
  assert.deepEqual(
    diagnose(r("timeout", "timeout", "no_answer"), { sameSubnet: false, wifi: true }),
    [
      "wrong_subnet",
      "firewall",
      "public_profile",
      "server_down",
    ],
  );
  assert.deepEqual(diagnose(r("unreachable", "unreachable", "no_answer"), lan), [
    "firewall",
    "public_profile",
    "server_down",
  ]);
  assert.deepEqual(diagnose(r("not_pc3", "refused", "no_answer"), lan), ["not_pc3"]);
});

Deno.test("isWifiName() recognises Windows, Linux and Spanish Wi-Fi interface names", () => {
  for (const name of ["Wi-Fi", "WiFi 2", "wlan0", "wlp2s0", "Conexión inalámbrica"]) {
    assert.ok(isWifiName(name), name);
  }
  for (const name of ["Ethernet", "eth0", "enp3s0", "lo"]) assert.ok(!isWifiName(name), name);
});

Deno.test("checkLines() prints a verdict per service and the causes, sanitising the host", () => {
  const lines = checkLines({
    host: "10.0.0.2\x1b[2J",
    address: "10.0.0.2",
    results: [{ service: "chat", port: 9009, verdict: "refused" }],
    sameSubnet: true,
    wifi: false,
    causes: ["server_down"],
  }, "en");
  assert.equal(lines[0], "Checking 10.0.0.2…");
  assert.equal(lines[1], "  Chat (TCP 9009): connection refused");
  assert.equal(lines[2], "Likely causes, most likely first:");
  assert.match(lines[3], /not running/);
});

async function runClient(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", clientPath, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const done = await withDeadline(child.output(), 30_000, `client.ts ${args.join(" ")}`);
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: done.code, out: decode(done.stdout), err: decode(done.stderr) };
}

Deno.test("client.ts --check prints the verdicts and exits with 0 for a healthy server", async () => {
  await withServer(async (s) => {
    const { code, out } = await runClient([
      ...["--check", `127.0.0.1:${s.chatPort}`, "--media-port", String(s.mediaPort)],
      ...["--lang", "en"],
    ]);
    assert.equal(code, 0, out);
    assert.match(out, /Chat \(TCP \d+\): works/);
    assert.match(out, /Calls \(UDP \d+\): works/);
    assert.match(out, /Everything works/);
  });
});

Deno.test("client.ts explains a failed connection with the same check", async () => {
  const port = closedTcpPort();
  const { code, err } = await runClient([
    ...["--name", "Ana", "--host", "127.0.0.1", "--chat-port", String(port)],
    ...["--media-port", String(closedUdpPort()), "--file-port", String(closedTcpPort())],
  ]);
  assert.equal(code, 1);
  assert.match(err, /conexión rechazada/);
  assert.match(err, /Comprobando qué falla en la conexión con 127\.0\.0\.1/);
  assert.match(err, /Chat \(TCP \d+\): conexión rechazada/);
  assert.match(err, /Causas probables/);
});

Deno.test("client.ts --check with a mistyped join code says so and exits with 2", async () => {
  const { code, out } = await runClient(["--check", "K7M2-QX4U", "--lang", "en"]);
  assert.equal(code, 2);
  assert.match(out, /not a valid code/);
});

Deno.test("runCheck() copes with connects that settle after it gave up: late failures are quiet, late connections closed", async () => {
  const pending: Array<PromiseWithResolvers<Deno.Conn>> = [];
  const report = await runCheck("127.0.0.1", {
    chatPort: 1,
    filePort: 2,
    mediaPort: closedUdpPort(),
    timeoutMs: 100,
    subnets: LOOPBACK,
    connect: () => {
      const p = Promise.withResolvers<Deno.Conn>();
      pending.push(p);
      return p.promise;
    },
  });
  assert.deepEqual(verdicts(report.results).slice(0, 2), ["chat:timeout", "files:timeout"]);
  assert.equal(pending.length, 2);
  let closed = 0;
  pending[0].reject(new Deno.errors.ConnectionRefused("late"));
  pending[1].resolve({ close: () => closed++ } as unknown as Deno.Conn);
  // Let the late settlements run: an unhandled rejection would fail this test.
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(closed, 1);
});

Deno.test("client flags: --join fills in the address and ports; a bad code is a flag error", async () => {
  const { FlagError, parseFlags } = await import("../client.ts");
  const code = encodeJoinCode({
    host: "10.0.0.2",
    chatPort: 12009,
    filePort: 12010,
    mediaPort: 12020,
  });
  const flags = parseFlags(["--join", code.toLowerCase(), "--name", "Ana"]);
  assert.equal(flags.host, "10.0.0.2");
  assert.equal(flags.chatPort, 12009);
  assert.equal(flags.filePort, 12010);
  assert.equal(flags.mediaPort, 12020);
  assert.equal(flags.hostGiven, true);
  assert.equal(parseFlags(["--name", "Ana"]).hostGiven, false);
  assert.equal(parseFlags(["--host", "10.0.0.9"]).hostGiven, true);
  assert.throws(() => parseFlags(["--join", "K7M2-QX4U", "--lang", "en"]), (e: unknown) => {
    return e instanceof FlagError &&
      /--join: K7M2-QX4U \(a code such as K7M2-QX4D\)/.test(e.message);
  });
});
