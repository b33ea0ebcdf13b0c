import assert from "node:assert/strict";
import { parseServerArgs } from "../lib/server/args.ts";

Deno.test("parseServerArgs() defaults match PROTOCOL.md section 7", () => {
  const p = parseServerArgs([]);
  assert.equal(p.kind, "run");
  if (p.kind !== "run") return;
  // Each documented default (other flags may add fields of their own).
  const expected = {
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
    logFile: null,
    password: null,
    passwordFile: null,
    allowV1: false,
    studentsReadOnly: false,
    adminKey: null,
  };
  for (const [key, value] of Object.entries(expected)) {
    assert.deepEqual(p.config[key as keyof typeof p.config], value, key);
  }
});

Deno.test("parseServerArgs() reads the teacher's flags: log, password, v1, read-only, admin key", () => {
  const p = parseServerArgs([
    "--log",
    "clase.jsonl",
    "--password",
    "contraseña larga",
    "--allow-v1",
    "--students-read-only",
    "--admin-key",
    "ABCD-EFGH-JKMN",
  ]);
  assert.equal(p.kind, "run");
  if (p.kind !== "run") return;
  assert.equal(p.config.logFile, "clase.jsonl");
  assert.equal(p.config.password, "contraseña larga");
  assert.equal(p.config.allowV1, true);
  assert.equal(p.config.studentsReadOnly, true);
  assert.equal(p.config.adminKey, "ABCD-EFGH-JKMN");
  const file = parseServerArgs(["--password-file", "clave.txt"]);
  assert.equal(file.kind === "run" && file.config.passwordFile, "clave.txt");
});

Deno.test("parseServerArgs() refuses two password sources, an empty password and a short admin key", () => {
  for (
    const args of [
      ["--password", "x", "--password-file", "f"],
      ["--password", ""],
      ["--password", "x".repeat(257)],
      ["--admin-key", "short"],
      ["--admin-key", "has space in it"],
      ["--log", ""],
    ]
  ) {
    const p = parseServerArgs([...args, "--lang", "en"]);
    assert.equal(p.kind, "error", args.join(" "));
    // The password itself is never echoed back.
    if (p.kind === "error" && args[0] === "--password") {
      assert.ok(!p.message.includes("x".repeat(5)));
    }
  }
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
