import assert from "node:assert/strict";
import { parseServerArgs } from "../lib/server/args.ts";

Deno.test("parseServerArgs() defaults match PROTOCOL.md section 7", () => {
  const p = parseServerArgs([]);
  assert.equal(p.kind, "run");
  if (p.kind !== "run") return;
  assert.deepEqual(p.config, {
    host: "0.0.0.0",
    chatPort: 9009,
    filePort: 9010,
    mediaPort: 9020,
    storage: "server_storage",
    lang: "es",
    maxMessage: 4096,
    maxFrame: 65536,
    maxUpload: 16 * 1024 ** 3,
    quota: 64 * 1024 ** 3,
    maxPerIp: 64,
    helloTimeoutMs: 10_000,
    idleTimeoutMs: 60_000,
    graceMs: 30_000,
    rate: 20,
    acceptV1Files: true,
    acceptV1Media: true,
  });
});

Deno.test("parseServerArgs() reads sizes with binary suffixes, seconds and switches", () => {
  const p = parseServerArgs([
    "--max-upload=2G",
    "--quota",
    "512MiB",
    "--max-frame",
    "128k",
    "--hello-timeout",
    "0.5",
    "--idle-timeout=90",
    "--no-v1",
    "--v1-media",
    "off",
    "--lang=en",
    "--chat-port",
    "0",
  ]);
  assert.equal(p.kind, "run");
  if (p.kind !== "run") return;
  assert.equal(p.config.maxUpload, 2 * 1024 ** 3);
  assert.equal(p.config.quota, 512 * 1024 ** 2);
  assert.equal(p.config.maxFrame, 128 * 1024);
  assert.equal(p.config.helloTimeoutMs, 500);
  assert.equal(p.config.idleTimeoutMs, 90_000);
  assert.equal(p.config.acceptV1Files, false);
  assert.equal(p.config.acceptV1Media, false);
  assert.equal(p.config.lang, "en");
  assert.equal(p.config.chatPort, 0);
});

Deno.test("parseServerArgs() refuses bad values with the flag and the value", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--file-port=-1"], /--file-port: -1/],
    [["--media-port", "65536"], /--media-port: 65536/],
    [["--chat-port", "abc"], /--chat-port: abc/],
    [["--max-upload", "0"], /--max-upload: 0/],
    [["--quota", "lots"], /--quota: lots/],
    [["--max-per-ip", "0"], /--max-per-ip: 0/],
    [["--idle-timeout", "0"], /--idle-timeout: 0/],
    [["--max-message", "70000"], /--max-message: 70000/],
    [["extra"], /extra/],
    [["--no-v1=yes"], /no-v1/],
  ];
  for (const [args, message] of cases) {
    const p = parseServerArgs(args);
    assert.equal(p.kind, "error", args.join(" "));
    if (p.kind === "error") assert.match(p.message, message);
  }
});

Deno.test("parseServerArgs() speaks the language given even when it comes last", () => {
  const p = parseServerArgs(["--chat-port", "x", "--lang", "en"]);
  assert.equal(p.kind, "error");
  if (p.kind === "error") assert.match(p.message, /^Invalid value/);
});
