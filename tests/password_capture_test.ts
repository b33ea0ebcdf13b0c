/**
 * Issue 11.6: a packet capture (tcpdump from Debian) of a real hello to a
 * room with a password, answered by the real client, holds the challenge and
 * the proof but never the password. Skips, saying why, where capturing on
 * loopback is not permitted (not root, no tcpdump).
 */
import assert from "node:assert/strict";
import { ChatClient } from "../lib/client/chat_client.ts";
import { startServer } from "../server.ts";
import { waitFor, withDeadline } from "./wait.ts";
import { localServerConfig } from "./server_config.ts";

const PASSWORD = "clave-secreta-de-clase-42";

/** Starts tcpdump on loopback for `port`; resolves once it says it is listening, or null. */
async function startCapture(port: number, file: string): Promise<Deno.ChildProcess | null> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("tcpdump", {
      args: ["-i", "lo", "--immediate-mode", "-U", "-n", "-s", "0", "-w", file, `tcp port ${port}`],
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch {
    return null;
  }
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const ready = (async () => {
    while (!/listening on/.test(seen)) {
      const { value, done } = await reader.read();
      if (done) return false;
      seen += value;
    }
    return true;
  })();
  const ok = await withDeadline(ready, 10_000, "tcpdump to start listening").catch(() => false);
  // Keep draining stderr so tcpdump never blocks on it.
  (async () => {
    try {
      while (!(await reader.read()).done) { /* drain */ }
    } catch { /* closed */ }
  })();
  if (!ok) {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    return null;
  }
  return child;
}

Deno.test("a captured hello with a password carries the challenge and proof, never the password", async (t) => {
  const dir = await Deno.makeTempDir();
  const config = localServerConfig(dir, ["--password", PASSWORD]);
  const server = await startServer(config, { print: () => {}, error: () => {} });
  // tcpdump drops root for its own user before writing: give it a folder it may write in.
  const capDir = await Deno.makeTempDir();
  await Deno.chmod(capDir, 0o777);
  const pcap = `${capDir}/hello.pcap`;
  try {
    const capture = await startCapture(server.chatPort, pcap);
    if (capture === null) {
      console.log("SKIPPED: tcpdump cannot capture on loopback here (needs root and tcpdump)");
      t.step({ name: "capture (skipped: not permitted)", ignore: true, fn: () => {} });
      return;
    }
    try {
      const client = await ChatClient.connect({
        host: "127.0.0.1",
        port: server.chatPort,
        name: "Ana",
        lang: "es",
        downloads: dir,
        onEvent: () => {},
        reconnect: false,
        password: PASSWORD,
      });
      client.handleLine("hola a todos");
      await client.finish();
      // Every packet written (the last is the close) before tcpdump stops.
      await waitFor(
        async () => (await Deno.readTextFile(pcap).catch(() => "")).includes("hola a todos"),
        {
          message: "the chat message in the capture",
        },
      );
    } finally {
      capture.kill("SIGTERM");
      await withDeadline(capture.status, 10_000, "tcpdump to stop");
    }
    const bytes = await Deno.readFile(pcap);
    const text = new TextDecoder("latin1").decode(bytes);
    // The capture did see the exchange (else this test could not fail).
    assert.ok(text.includes("auth_challenge"), "the challenge is in the capture");
    assert.ok(text.includes('"proof"'), "the proof is in the capture");
    assert.ok(text.includes("hola a todos"), "the chat after it is in the capture");
    // ...and never the password, in UTF-8 or UTF-16.
    assert.ok(!text.includes(PASSWORD), "no clear-text password");
    const utf16 = [...PASSWORD].join("\u0000");
    assert.ok(!text.includes(utf16), "no UTF-16 password");
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(capDir, { recursive: true });
  }
});
