import assert from "node:assert/strict";
import {
  ChatClient,
  type ChatClientOptions,
  type ClientEvent,
  ConnectError,
  type MediaParams,
  type MediaSession,
  parseCommand,
  type Progress,
  type TransferFunctions,
} from "../lib/client/chat_client.ts";
import { FramedConnection } from "../lib/net/framed_conn.ts";
import { decodeMessage, encodeFrame, type Message } from "../lib/protocol/frame.ts";

// ---------------------------------------------------------------------------
// Command parser

Deno.test("parseCommand() turns plain text into a message and // into a slash message", () => {
  assert.deepEqual(parseCommand("hola a todos"), { kind: "message", text: "hola a todos" });
  assert.deepEqual(parseCommand("//tmp es una carpeta"), {
    kind: "message",
    text: "/tmp es una carpeta",
  });
  assert.deepEqual(parseCommand("   "), { kind: "empty" });
  assert.deepEqual(parseCommand("hola\r"), { kind: "message", text: "hola" });
});

Deno.test("parseCommand() takes the rest of the line as the /upload path, spaces included", () => {
  assert.deepEqual(parseCommand("/upload C:\\Mis vídeos\\clase 1.mp4"), {
    kind: "upload",
    path: "C:\\Mis vídeos\\clase 1.mp4",
  });
  assert.deepEqual(parseCommand("/upload   /home/ana/año 2026/ñandú 🐦.txt  "), {
    kind: "upload",
    path: "/home/ana/año 2026/ñandú 🐦.txt",
  });
});

Deno.test("parseCommand() removes the quotes drag and drop adds around a path", () => {
  assert.deepEqual(parseCommand('/upload "C:\\Users\\Ana\\Mis documentos\\a b.pdf"'), {
    kind: "upload",
    path: "C:\\Users\\Ana\\Mis documentos\\a b.pdf",
  });
  assert.deepEqual(parseCommand("/upload '/home/ana/mis fotos/x.jpg'"), {
    kind: "upload",
    path: "/home/ana/mis fotos/x.jpg",
  });
  // A quote only on one side is part of the name.
  assert.deepEqual(parseCommand('/upload "raro.txt'), { kind: "upload", path: '"raro.txt' });
});

Deno.test("parseCommand() recognises every command and reports usage and unknown commands", () => {
  assert.deepEqual(parseCommand("/download k3f9ab"), { kind: "download", id: "k3f9ab" });
  assert.deepEqual(parseCommand("/download 1764035000000_clase 1.mp4"), {
    kind: "download",
    id: "1764035000000_clase 1.mp4",
  });
  assert.deepEqual(parseCommand('/download "1764035000000_clase 1.mp4"'), {
    kind: "download",
    id: "1764035000000_clase 1.mp4",
  });
  assert.deepEqual(parseCommand("/download"), { kind: "usage", command: "download" });
  assert.deepEqual(parseCommand("/upload"), { kind: "usage", command: "upload" });
  assert.deepEqual(parseCommand('/upload  ""'), { kind: "usage", command: "upload" });
  assert.deepEqual(parseCommand("/files"), { kind: "files" });
  assert.deepEqual(parseCommand("/WHO"), { kind: "who" });
  assert.deepEqual(parseCommand("/help"), { kind: "help" });
  assert.deepEqual(parseCommand("/quit"), { kind: "quit" });
  assert.deepEqual(parseCommand("/call start"), { kind: "call", action: "start" });
  assert.deepEqual(parseCommand("/call STOP"), { kind: "call", action: "stop" });
  assert.deepEqual(parseCommand("/call stats"), { kind: "call", action: "stats" });
  assert.deepEqual(parseCommand("/call"), { kind: "usage", command: "call" });
  assert.deepEqual(parseCommand("/call dance"), { kind: "usage", command: "call" });
  assert.deepEqual(parseCommand("/bailar ahora"), { kind: "unknown", command: "/bailar" });
  assert.deepEqual(parseCommand("/"), { kind: "unknown", command: "/" });
});

// ---------------------------------------------------------------------------
// A fake server written with lib/protocol/frame.ts

class FakeServer {
  listener: Deno.TcpListener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  fc: FramedConnection | null = null;
  frames: Message[] = [];
  #waiters: Array<() => void> = [];
  #accepted: Promise<void>;
  #reading: Promise<void> = Promise.resolve();

  constructor(onHello: (fake: FakeServer, hello: Message) => void) {
    this.#accepted = (async () => {
      const conn = await this.listener.accept();
      this.fc = new FramedConnection(conn);
      this.#reading = (async () => {
        let first = true;
        for await (const p of this.fc!.payloads()) {
          const m = decodeMessage(p);
          this.frames.push(m);
          if (first) {
            first = false;
            onHello(this, m);
          }
          if (m.type === "quit") this.fc!.end();
          for (const w of this.#waiters.splice(0)) w();
        }
        this.fc!.close();
        for (const w of this.#waiters.splice(0)) w();
      })();
    })();
  }

  get port(): number {
    return this.listener.addr.port;
  }

  send(m: Message): void {
    this.fc!.send(encodeFrame(m));
  }

  async waitFor(pred: (m: Message) => boolean): Promise<Message> {
    while (true) {
      const found = this.frames.find(pred);
      if (found !== undefined) return found;
      if (this.fc?.closed) throw new Error("Fake server connection closed");
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  async close(): Promise<void> {
    await this.#accepted.catch(() => {});
    this.fc?.close();
    await this.#reading;
    this.listener.close();
  }
}

function welcome(name: string, extra: Message = {}): Message {
  return {
    type: "welcome",
    version: 2,
    name,
    token: "0123456789abcdef0123456789abcdef",
    server: "pc3-server test",
    file_port: 9999,
    media_port: 9998,
    limits: { max_frame: 65536, max_message: 16, max_name: 32, max_upload: 1000 },
    members: [{ name, since: 1, protocol: 2, in_call: false }],
    files: [{
      file_id: "old001",
      filename: "viejo.txt",
      size: 12,
      sha256: "ab",
      from: "Luis",
      ts: 1,
    }],
    call: [],
    ...extra,
  };
}

function collector(): {
  events: ClientEvent[];
  onEvent(e: ClientEvent): void;
  next(type: string): Promise<ClientEvent>;
} {
  const events: ClientEvent[] = [];
  const waiters: Array<() => void> = [];
  return {
    events,
    onEvent(e) {
      events.push(e);
      for (const w of waiters.splice(0)) w();
    },
    async next(type) {
      let seen = 0;
      while (true) {
        const i = events.findIndex((e, k) => k >= seen && e.type === type);
        if (i >= 0) {
          const [e] = events.splice(i, 1);
          return e;
        }
        seen = 0;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

function options(
  port: number,
  c: ReturnType<typeof collector>,
  extra: Partial<ChatClientOptions> = {},
): ChatClientOptions {
  return {
    host: "127.0.0.1",
    port,
    name: "Ana",
    lang: "es",
    downloads: "downloads",
    onEvent: c.onEvent,
    ...extra,
  };
}

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
    const client = await ChatClient.connect(options(server.port, c));
    act(server);
    const info = await client.closed;
    assert.equal(info.reason, reason);
    assert.equal(info.code, code);
    const ev = await c.next("closed");
    assert.ok(ev.type === "closed" && ev.info.reason === reason);
    await client.close();
    await server.close();
  }
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
      token?: string;
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
  assert.equal(t.pending[0].options.token, "0123456789abcdef0123456789abcdef");
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
  await new Promise((r) => setTimeout(r, 20));
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

// ---------------------------------------------------------------------------
// Calls

class FakeMedia implements MediaSession {
  members: Array<Array<{ name: string; clientId: number | null }>> = [];
  closed = 0;
  params: MediaParams;
  constructor(params: MediaParams) {
    this.params = params;
  }
  setMembers(m: Array<{ name: string; clientId: number | null }>): void {
    this.members.push(m);
  }
  statsLines(): string[] {
    return ["frames: 10"];
  }
  close(): Promise<void> {
    this.closed++;
    return Promise.resolve();
  }
}

Deno.test("ChatClient joins a call, starts media with the call_joined token and follows members", async () => {
  const server = new FakeServer((fake, hello) => fake.send(welcome(String(hello.name))));
  const c = collector();
  const medias: FakeMedia[] = [];
  const client = await ChatClient.connect(options(server.port, c, {
    startMedia: (p) => {
      const m = new FakeMedia(p);
      medias.push(m);
      return Promise.resolve(m);
    },
  }));
  client.handleLine("/call stats");
  assert.deepEqual(await c.next("notice"), { type: "notice", key: "callNotIn" });
  client.handleLine("/call start");
  await server.waitFor((m) => m.type === "call" && m.action === "start");
  client.handleLine("/call start");
  assert.deepEqual(await c.next("notice"), { type: "notice", key: "callAlready" });
  const token = "ffeeddccbbaa99887766554433221100";
  server.send({
    type: "call_joined",
    token,
    client_id: 1000042,
    media_port: 7777,
    members: [{ name: "Luis", client_id: 1000041 }, { name: "Ana", client_id: 1000042 }],
  });
  const joined = await c.next("call_joined");
  assert.ok(joined.type === "call_joined" && joined.members.length === 2);
  while (medias.length === 0 || medias[0].members.length === 0) {
    await new Promise((r) => setTimeout(r, 1));
  }
  const media = medias[0];
  assert.equal(media.params.token, token);
  assert.equal(media.params.clientId, 1000042);
  assert.equal(media.params.mediaPort, 7777);
  assert.deepEqual(media.members.at(-1), [
    { name: "Luis", clientId: 1000041 },
    { name: "Ana", clientId: 1000042 },
  ]);
  // Our own start event is not shown twice; another member's is.
  server.send({
    type: "call",
    seq: 1,
    ts: 1,
    from: "Ana",
    action: "start",
    first: false,
    client_id: 1000042,
    members: [{ name: "Luis", client_id: 1000041 }, { name: "Ana", client_id: 1000042 }],
  });
  server.send({
    type: "call",
    seq: 2,
    ts: 2,
    from: "Eva",
    action: "start",
    first: false,
    client_id: 7,
    members: [{ name: "Luis", client_id: 1000041 }, { name: "Ana", client_id: 1000042 }, {
      name: "Eva",
      client_id: null,
    }],
  });
  const ev = await c.next("call");
  assert.ok(ev.type === "call" && ev.from === "Eva" && ev.action === "start");
  server.send({ type: "call", seq: 3, ts: 3, from: "Eva", action: "media", client_id: 123456 });
  while (media.members.at(-1)?.at(-1)?.clientId !== 123456) {
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.deepEqual(media.members.at(-1)?.at(-1), { name: "Eva", clientId: 123456 });
  client.handleLine("/call stats");
  assert.deepEqual(await c.next("call_stats"), { type: "call_stats", lines: ["frames: 10"] });
  media.params.log("Sin cámara");
  assert.deepEqual(await c.next("call_log"), { type: "call_log", line: "Sin cámara" });
  // The window was closed: same as /call stop.
  media.params.onLeave();
  await server.waitFor((m) => m.type === "call" && m.action === "stop");
  assert.deepEqual(await c.next("call_left"), { type: "call_left", reason: "left" });
  while (media.closed === 0) await new Promise((r) => setTimeout(r, 1));
  assert.equal(client.inCall, false);
  client.handleLine("/call stop");
  assert.deepEqual(await c.next("notice"), { type: "notice", key: "callNotIn" });
  await client.finish();
  await server.close();
});

Deno.test("ChatClient leaves the call when the server reports our media_timeout or media fails to start", async () => {
  const server = new FakeServer((fake, hello) => fake.send(welcome(String(hello.name))));
  const c = collector();
  let attempt = 0;
  const client = await ChatClient.connect(options(server.port, c, {
    startMedia: (p) => {
      attempt++;
      return attempt === 1
        ? Promise.resolve(new FakeMedia(p))
        : Promise.reject(new Error("Sin ffmpeg"));
    },
  }));
  client.handleLine("/call start");
  server.send({
    type: "call_joined",
    token: "00".repeat(16),
    client_id: 1000001,
    members: [{ name: "Ana", client_id: 1000001 }],
  });
  await c.next("call_joined");
  server.send({
    type: "call",
    seq: 1,
    ts: 1,
    from: "Ana",
    action: "stop",
    reason: "media_timeout",
    members: [],
    ended: true,
  });
  assert.deepEqual(await c.next("call_left"), { type: "call_left", reason: "media_timeout" });
  assert.equal(client.inCall, false);
  client.handleLine("/call start");
  server.send({
    type: "call_joined",
    token: "00".repeat(16),
    client_id: 1000002,
    members: [{ name: "Ana", client_id: 1000002 }],
  });
  await c.next("call_joined");
  assert.deepEqual(await c.next("notice"), {
    type: "notice",
    key: "callMediaFailed",
    params: { reason: "Sin ffmpeg" },
  });
  assert.deepEqual(await c.next("call_left"), { type: "call_left", reason: "media_failed" });
  await server.waitFor((m) => m.type === "call" && m.action === "stop");
  await client.finish();
  await server.close();
});
