/**
 * The server's log as the teacher reads it (issue 8.4): after `PC3 ready`,
 * one timed line per join, upload, download and leave, in the server's
 * language, the same events as JSON lines with --log, and a download cut by
 * the client as at most one plain line (it used to be a 7-line stack trace).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { encodeFrame } from "../lib/protocol/frame.ts";
import { startServer } from "../server.ts";
import { RawClient } from "./chat_test_client.ts";
import { waitFor } from "./wait.ts";
import { localServerConfig } from "./server_config.ts";

Deno.test("the server log shows joins, files, downloads, leaves and a cut download as plain lines", async () => {
  const dir = await Deno.makeTempDir();
  const logFile = `${dir}/clase.jsonl`;
  const config = localServerConfig(`${dir}/storage`, ["--lang", "en", "--log", logFile]);
  const out: string[] = [];
  const err: string[] = [];
  const server = await startServer(config, {
    print: (l) => out.push(l),
    error: (l) => err.push(l),
  });
  const all = () => [...out, ...err].join("\n");
  try {
    const ready = out.findIndex((l) => l.startsWith("PC3 ready"));
    const { client: ana, welcome } = await RawClient.hello(server.chatPort, "Ana");
    // A file big enough that a download cannot fit in the socket buffers.
    const data = new Uint8Array(16 * 1024 * 1024).map((_, i) => i % 251);
    const up = await RawClient.open(server.filePort);
    await up.send({
      type: "upload",
      token: welcome.token,
      filename: "clase.mp4",
      size: data.length,
    });
    assert.equal((await up.next())?.type, "upload_ready");
    await up.write(data);
    await up.write(
      encodeFrame({ type: "upload_end", sha256: createHash("sha256").update(data).digest("hex") }),
    );
    const ok = await up.next();
    up.close();
    assert.equal(ok?.type, "upload_ok");
    // A download cut after its first bytes.
    const down = await Deno.connect({ hostname: "127.0.0.1", port: server.filePort });
    const request = new TextEncoder().encode(
      JSON.stringify({ type: "download", file_id: ok!.file_id }),
    );
    const frame = new Uint8Array(4 + request.length);
    new DataView(frame.buffer).setUint32(0, request.length);
    frame.set(request, 4);
    await down.write(frame);
    await down.read(new Uint8Array(64 * 1024));
    down.close();
    await waitFor(() => /Connection cut by 127\.0\.0\.1/.test(all()), {
      message: "the cut download's log line",
      detail: all,
    });
    await ana.send({ type: "quit" });
    await ana.rest();
    ana.close();
    await waitFor(() => out.some((l) => /Ana left/.test(l)), {
      message: "Ana's leave",
      detail: all,
    });
    const after = out.slice(ready + 1);
    const time = /^\d\d:\d\d:\d\d /;
    const find = (re: RegExp) => after.find((l) => re.test(l));
    assert.match(find(/Ana joined/) ?? "", time);
    assert.match(find(/Ana joined/) ?? "", /\(127\.0\.0\.1\)/);
    assert.match(find(/Ana shared «clase\.mp4» \(16\.0 MB/) ?? "", time);
    assert.equal(after.filter((l) => /Connection cut/.test(l)).length, 1, "one line for the cut");
    assert.ok(!/^\s+at /m.test(all()), `no stack trace:\n${all()}`);
    assert.ok(!/BrokenPipe: |ConnectionReset: /.test(all()), "no raw error dump");
  } finally {
    await server.close();
  }
  // --log: the same events as JSON lines, each with its time.
  const events = (await Deno.readTextFile(logFile)).trim().split("\n").map((l) => JSON.parse(l));
  const kinds = events.map((e) => e.kind);
  for (const kind of ["joined", "file_published", "net_error", "left"]) {
    assert.ok(kinds.includes(kind), `${kind} in ${kinds.join(",")}`);
  }
  assert.ok(events.every((e) => typeof e.ts === "string" && !Number.isNaN(Date.parse(e.ts))));
  assert.equal(events.find((e) => e.kind === "file_published").size, 16 * 1024 * 1024);
  await Deno.remove(dir, { recursive: true });
});
