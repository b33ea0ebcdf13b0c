import assert from "node:assert/strict";
import { ChatClient } from "../lib/client/chat_client.ts";
import { ConnectError } from "../lib/client/connect_errors.ts";
import type { Progress, TransferFunctions } from "../lib/client/transfer_jobs.ts";
import { collector, FakeServer, options, welcome } from "./chat_client_fixture.ts";
import { settle, withDeadline } from "./wait.ts";

Deno.test("ChatClient says hello v2, reads the welcome, then delivers history and room events", async () => {
  const server = new FakeServer((fake, hello) => {
    fake.send(welcome(String(hello.name)));
    fake.send({ type: "message", seq: 1, ts: 1, from: "Luis", text: "antes", history: true });
  });
  const c = collector();
  const client = await ChatClient.connect(options(server.port, c));
  const hello = server.frames[0];
  assert.equal(hello.type, "hello");
  assert.equal(hello.version, 2);
  assert.equal(hello.name, "Ana");
  const w = await c.next("welcome");
  assert.ok(w.type === "welcome");
  assert.equal(w.welcome.token, "0123456789abcdef0123456789abcdef");
  assert.equal(w.welcome.maxMessage, 16);
  assert.deepEqual(w.welcome.files.map((f) => f.fileId), ["old001"]);
  assert.deepEqual(await c.next("message"), {
    type: "message",
    from: "Luis",
    text: "antes",
    own: false,
    history: true,
  });
  server.send({ type: "system", event: "join", name: "Eva", seq: 2, ts: 2, text: "x" });
  server.send({ type: "message", seq: 3, ts: 3, from: "Ana", text: "hola" });
  server.send({
    type: "file_available",
    seq: 4,
    ts: 4,
    from: "Eva",
    filename: "a.mp4",
    size: 5,
    file_id: "k3f9ab",
    sha256: "cd",
  });
  server.send({
    type: "system",
    event: "leave",
    name: "Eva",
    reason: "timeout",
    seq: 5,
    ts: 5,
    text: "x",
  });
  server.send({ type: "brand_new_type", seq: 6 });
  server.send({ type: "who", members: [{ name: "Ana", since: 1, protocol: 2, in_call: true }] });
  assert.deepEqual(await c.next("join"), { type: "join", name: "Eva" });
  const own = await c.next("message");
  assert.ok(own.type === "message" && own.own && own.text === "hola");
  const file = await c.next("file");
  assert.ok(file.type === "file" && file.file.fileId === "k3f9ab" && file.file.from === "Eva");
  assert.equal(client.knownFile("k3f9ab")?.filename, "a.mp4");
  assert.deepEqual(await c.next("leave"), { type: "leave", name: "Eva", reason: "timeout" });
  const who = await c.next("who");
  assert.ok(who.type === "who" && who.members[0].inCall);
  const info = await client.finish();
  assert.equal(info.reason, "quit");
  assert.ok(server.frames.some((m) => m.type === "quit"));
  await server.close();
});

Deno.test("ChatClient refuses a message over max_message locally and sends one that fits", async () => {
  const server = new FakeServer((fake, hello) => fake.send(welcome(String(hello.name))));
  const c = collector();
  const client = await ChatClient.connect(options(server.port, c));
  client.handleLine("ñññññññññ"); // 9 characters, 18 bytes > 16
  const notice = await c.next("notice");
  assert.deepEqual(notice, {
    type: "notice",
    key: "messageTooLong",
    params: { bytes: 18, max: 16 },
  });
  client.handleLine("ñññññññ"); // 14 bytes
  client.handleLine("/who");
  client.handleLine("/files");
  await server.waitFor((m) => m.type === "files");
  const sent = server.frames.filter((m) => m.type === "message");
  assert.deepEqual(sent, [{ type: "message", text: "ñññññññ" }]);
  assert.ok(server.frames.some((m) => m.type === "who"));
  client.handleLine("/nada");
  assert.deepEqual(await c.next("notice"), {
    type: "notice",
    key: "unknownCommand",
    params: { command: "/nada" },
  });
  await client.finish();
  await server.close();
});

Deno.test("ChatClient pings the server on its interval", async () => {
  const server = new FakeServer((fake, hello) => fake.send(welcome(String(hello.name))));
  const c = collector();
  const client = await ChatClient.connect(options(server.port, c, { pingIntervalMs: 10 }));
  await server.waitFor((m) => m.type === "ping");
  await client.close();
  await server.close();
});

Deno.test("ChatClient.connect() reports name_taken and name_invalid from the server", async () => {
  for (const code of ["name_taken", "name_invalid", "too_many_connections"]) {
    const server = new FakeServer((fake) => {
      fake.send({ type: "error", code, message: "No" });
      fake.fc!.end();
    });
    const c = collector();
    const err = await ChatClient.connect(options(server.port, c)).catch((e) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, code === "too_many_connections" ? "refused_by_server" : code);
    assert.equal(err.serverCode, code);
    assert.equal(c.events.length, 0);
    await server.close();
  }
});

Deno.test("ChatClient.connect() tells a refused connection from an unresolvable host", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  const c = collector();
  const refused = await ChatClient.connect(options(port, c)).catch((e) => e);
  assert.ok(refused instanceof ConnectError);
  assert.equal(refused.code, "refused");
  const unresolved = await ChatClient.connect({ ...options(port, c), host: "no-such-host.invalid" })
    .catch((e) => e);
  assert.ok(unresolved instanceof ConnectError);
  assert.equal(unresolved.code, "unresolved");
});

Deno.test("ChatClient.connect() gives up after the connect timeout", async () => {
  const c = collector();
  const err = await ChatClient.connect(
    options(9, c, {
      connectTimeoutMs: 20,
      connect: ({ signal }) =>
        new Promise((_, reject) =>
          signal.addEventListener("abort", () => reject(new Error("aborted")))
        ),
    }),
  ).catch((e) => e);
  assert.ok(err instanceof ConnectError);
  assert.equal(err.code, "timeout");
});

Deno.test("ChatClient.connect() reports a server that closes or stays silent after the hello", async () => {
  const closing = new FakeServer((fake) => fake.fc!.close());
  const c = collector();
  const closed = await ChatClient.connect(options(closing.port, c)).catch((e) => e);
  assert.ok(closed instanceof ConnectError);
  assert.equal(closed.code, "hello_closed");
  await closing.close();

  const silent = new FakeServer(() => {});
  const timedOut = await ChatClient.connect(options(silent.port, c, { helloTimeoutMs: 30 }))
    .catch((e) => e);
  assert.ok(timedOut instanceof ConnectError);
  assert.equal(timedOut.code, "hello_timeout");
  await silent.close();

  const garbage = new FakeServer((fake) => {
    const bytes = new Uint8Array([0xff, 0xff, 0xff, 0xff]);
    fake.fc!.send(bytes);
  });
  const bad = await ChatClient.connect(options(garbage.port, c)).catch((e) => e);
  assert.ok(bad instanceof ConnectError);
  assert.equal(bad.code, "bad_reply");
  await garbage.close();
});

Deno.test("ChatClient reports why the server closed: shutdown, error code, or lost", async () => {
  const cases: Array<[(fake: FakeServer) => void, string, string | undefined]> = [
    [
      (fake) => {
        fake.send({ type: "system", event: "shutdown", seq: 9, ts: 9, text: "bye" });
        fake.fc!.end();
      },
      "shutdown",
      undefined,
    ],
    [
      (fake) => {
        fake.send({ type: "error", code: "idle_timeout", message: "Silencio" });
        fake.fc!.end();
      },
      "server_error",
      "idle_timeout",
    ],
    [(fake) => fake.fc!.close(), "lost", undefined],
  ];
  for (const [act, reason, code] of cases) {
    const server = new FakeServer((fake, hello) => fake.send(welcome(String(hello.name))));
    const c = collector();
    const client = await ChatClient.connect(options(server.port, c, { reconnect: false }));
    act(server);
    const info = await withDeadline(client.closed, 5_000, "the client to report the close");
    assert.equal(info.reason, reason);
    assert.equal(info.code, code);
    const ev = await c.next("closed");
    assert.ok(ev.type === "closed" && ev.info.reason === reason);
    await client.close();
    await server.close();
  }
});

Deno.test("ChatClient reports a plain disconnect as lost even after a harmless error frame", async () => {
  const server = new FakeServer((fake, hello) => fake.send(welcome(String(hello.name))));
  const c = collector();
  const client = await ChatClient.connect(options(server.port, c, { reconnect: false }));
  server.send({ type: "error", code: "rate_limited", message: "Despacio" });
  assert.deepEqual(await c.next("server_error"), {
    type: "server_error",
    code: "rate_limited",
    message: "Despacio",
  });
  server.fc!.close();
  const info = await withDeadline(client.closed, 5_000, "the client to report the close");
  assert.deepEqual(info, { reason: "lost" });
  await client.close();
  await server.close();
});

// ---------------------------------------------------------------------------
// Transfers

function fakeTransfers() {
  const pending: Array<{
    kind: string;
    arg: string;
    options: {
      port: number;
      onProgress?: (p: Progress) => void;
      onRetry?: (attempt: number, code: string) => void;
      token?: string | (() => string);
      dir?: string;
    };
    resolve(v: unknown): void;
    reject(e: unknown): void;
  }> = [];
  const fns: TransferFunctions = {
    uploadFile: (path, options) =>
      new Promise((resolve, reject) =>
        pending.push({
          kind: "upload",
          arg: path,
          options,
          resolve: resolve as (v: unknown) => void,
          reject,
        })
      ),
    downloadFile: (id, options) =>
      new Promise((resolve, reject) =>
        pending.push({
          kind: "download",
          arg: id,
          options,
          resolve: resolve as (v: unknown) => void,
          reject,
        })
      ),
  };
  return { pending, fns };
}

Deno.test("ChatClient runs several transfers in the background while chat goes on", async () => {
  const server = new FakeServer((fake, hello) => fake.send(welcome(String(hello.name))));
  const c = collector();
  const t = fakeTransfers();
  const client = await ChatClient.connect(
    options(server.port, c, { transfers: t.fns, downloads: "dl" }),
  );
  client.handleLine('/upload "/tmp/mis cosas/video grande.mp4"');
  client.handleLine("/download old001");
  client.handleLine("/download nope99");
  assert.equal(client.activeTransfers, 3);
  assert.equal(t.pending.length, 3);
  assert.equal(t.pending[0].arg, "/tmp/mis cosas/video grande.mp4");
  const token = t.pending[0].options.token;
  assert.equal(typeof token === "function" ? token() : token, "0123456789abcdef0123456789abcdef");
  assert.equal(t.pending[0].options.port, 9999); // from the welcome
  assert.equal(t.pending[1].options.dir, "dl");
  const start = await c.next("transfer_start");
  assert.ok(start.type === "transfer_start" && start.transfer.label === "video grande.mp4");
  // Chat is not blocked by the running transfers.
  client.handleLine("sigo aquí");
  await server.waitFor((m) => m.type === "message");
  t.pending[0].options.onProgress?.({ done: 50, total: 100 });
  const progress = await c.next("transfer_progress");
  assert.ok(progress.type === "transfer_progress" && progress.transfer.done === 50);
  // A cut upload being resumed is told to the user.
  t.pending[0].options.onRetry?.(1, "connection_lost");
  assert.deepEqual(await c.next("notice"), {
    type: "notice",
    key: "uploadResuming",
    params: { filename: "video grande.mp4", attempt: 1 },
  });
  t.pending[1].options.onRetry?.(2, "stalled");
  assert.deepEqual(await c.next("notice"), {
    type: "notice",
    key: "downloadResuming",
    params: { filename: "viejo.txt", attempt: 2 },
  });
  t.pending[1].resolve({ path: "dl/viejo.txt", filename: "viejo.txt", size: 12, sha256: "ab" });
  t.pending[0].resolve({
    file_id: "new001",
    filename: "video grande.mp4",
    size: 100,
    sha256: "ef",
  });
  t.pending[2].reject(Object.assign(new Error("file not found"), { code: "not_found" }));
  const done1 = await c.next("transfer_done");
  const done2 = await c.next("transfer_done");
  const byKind = Object.fromEntries(
    [done1, done2].map((d) => [d.type === "transfer_done" ? d.transfer.kind : "", d]),
  );
  const up = byKind.upload;
  assert.ok(up.type === "transfer_done" && up.fileId === "new001");
  const down = byKind.download;
  assert.ok(down.type === "transfer_done" && down.path === "dl/viejo.txt");
  const failed = await c.next("transfer_failed");
  assert.ok(failed.type === "transfer_failed" && failed.code === "not_found");
  assert.equal(client.activeTransfers, 0);
  await client.finish();
  await server.close();
});

Deno.test("ChatClient.finish() waits for running transfers before it quits", async () => {
  const server = new FakeServer((fake, hello) => fake.send(welcome(String(hello.name))));
  const c = collector();
  const t = fakeTransfers();
  const client = await ChatClient.connect(
    options(server.port, c, { transfers: t.fns, filePort: 4444 }),
  );
  client.handleLine("/upload a.txt");
  assert.equal(t.pending[0].options.port, 4444);
  let waited = -1;
  const finishing = client.finish((n) => waited = n);
  await settle();
  // Frames arrive in order: a quit sent by finish() would come before this who.
  client.handleLine("/who");
  await server.waitFor((m) => m.type === "who", "the who sent after finish()");
  assert.equal(server.frames.some((m) => m.type === "quit"), false);
  t.pending[0].resolve({ file_id: "x", filename: "a.txt", size: 1, sha256: "a" });
  const info = await finishing;
  assert.equal(info.reason, "quit");
  assert.equal(waited, 1);
  assert.ok(server.frames.some((m) => m.type === "quit"));
  const order = c.events.map((e) => e.type);
  assert.ok(order.indexOf("transfer_done") < order.indexOf("closed"));
  await server.close();
});
