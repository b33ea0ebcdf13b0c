/**
 * The chat client's reconnection (lib/client/chat_client.ts,
 * lib/client/reconnect.ts) against a fake server that accepts many
 * connections: the growing pauses on a fake clock, the hello that comes
 * back (token, since), the catch-up, commands while away, the call rejoined,
 * a final refusal, and quitting while reconnecting.
 */
import assert from "node:assert/strict";
import { ChatClient } from "../lib/client/chat_client.ts";
import { ConnectError } from "../lib/client/connect_errors.ts";
import { reconnectDelayMs } from "../lib/client/reconnect.ts";
import { FramedConnection } from "../lib/net/framed_conn.ts";
import { decodeMessage, encodeFrame, type Message } from "../lib/protocol/frame.ts";
import { collector, options, welcome } from "./chat_client_fixture.ts";
import { FakeClock } from "./fake_clock.ts";
import { DEFAULT_DEADLINE_MS, settle, waitFor, withDeadline } from "./wait.ts";
import { clientText } from "../lib/client/text.ts";
import { translator } from "../lib/protocol/i18n.ts";
import { decodeWelcome } from "../lib/protocol/wire.ts";
import { renderEvent } from "../lib/terminal/render_event.ts";
import { InteractiveTerminal } from "../lib/terminal/interactive_terminal.ts";
import { fakeInput, fakeOutput, waitForScreen, welcomeEvent } from "./terminal_fakes.ts";

/** One accepted connection of {@link MultiServer}. */
interface FakeConn {
  fc: FramedConnection;
  frames: Message[];
  reading: Promise<void>;
}

/** A fake chat server that accepts any number of connections and answers each hello. */
class MultiServer {
  listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  conns: FakeConn[] = [];
  #accepting: Promise<void>;

  constructor(onHello: (conn: FakeConn, hello: Message, index: number) => void) {
    this.#accepting = (async () => {
      try {
        for await (const socket of this.listener) {
          const conn: FakeConn = {
            fc: new FramedConnection(socket),
            frames: [],
            reading: Promise.resolve(),
          };
          const index = this.conns.push(conn) - 1;
          conn.reading = (async () => {
            for await (const p of conn.fc.payloads()) {
              const m = decodeMessage(p);
              conn.frames.push(m);
              if (conn.frames.length === 1) onHello(conn, m, index);
              if (m.type === "quit") conn.fc.end();
            }
            conn.fc.close();
          })().catch(() => {});
        }
      } catch { /* closed */ }
    })();
  }

  get port(): number {
    return this.listener.addr.port;
  }

  /** The `index`th connection's first frame matching `pred`, waiting for it. */
  async frame(index: number, pred: (m: Message) => boolean, what: string): Promise<Message> {
    let found: Message | undefined;
    await waitFor(() => (found = this.conns[index]?.frames.find(pred)) !== undefined, {
      message: what,
    });
    return found!;
  }

  async close(): Promise<void> {
    this.listener.close();
    await this.#accepting;
    for (const c of this.conns) c.fc.close();
    await Promise.all(this.conns.map((c) => c.reading));
  }
}

function send(conn: FakeConn, m: Message): void {
  conn.fc.send(encodeFrame(m));
}

/** Moves the fake clock through one pause once the client has armed it. */
async function passPause(clock: FakeClock, ms: number): Promise<void> {
  await waitFor(() => clock.pending > 0, { message: "the client to pause before retrying" });
  clock.advance(ms);
}

Deno.test("reconnectDelayMs() grows 1, 2, 4, 8 s and stays at 10 s", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 50].map(reconnectDelayMs), [
    1000,
    2000,
    4000,
    8000,
    10_000,
    10_000,
    10_000,
  ]);
});

Deno.test("ChatClient comes back after a lost connection with its token and last seq, and shows what it missed once", async () => {
  const server = new MultiServer((conn, hello, index) => {
    send(conn, welcome(String(hello.name), { resume_token: `tok${index}`, missed: index * 2 }));
    if (index === 0) send(conn, { type: "message", seq: 5, ts: 1, from: "Luis", text: "antes" });
    else {send(conn, {
        type: "message",
        seq: 8,
        ts: 2,
        from: "Luis",
        text: "durante",
        history: true,
      });}
  });
  const c = collector();
  const clock = new FakeClock();
  const client = await ChatClient.connect(options(server.port, c, { clock }));
  try {
    await c.next("message");
    server.conns[0].fc.close();
    assert.deepEqual(await c.next("connection_lost"), { type: "connection_lost", reason: "lost" });
    assert.equal(client.reconnecting, true);
    await waitFor(() => clock.pending > 0, { message: "the first pause" });
    clock.advance(999);
    await settle();
    assert.equal(server.conns.length, 1, "no attempt before the first pause of 1 s");
    clock.advance(1);
    const hello = await server.frame(1, (m) => m.type === "hello", "the second hello");
    assert.equal(hello.name, "Ana");
    assert.equal(hello.resume, "tok0");
    assert.equal(hello.since, 5);
    const back = await c.next("reconnected");
    assert.ok(back.type === "reconnected" && back.missed === 2);
    const missed = await c.next("message");
    assert.ok(missed.type === "message" && missed.text === "durante" && missed.history);
    assert.equal(c.events.filter((e) => e.type === "connection_lost").length, 0, "said once");
    assert.equal(client.reconnecting, false);
    client.handleLine("ya estoy");
    const sent = await server.frame(1, (m) => m.type === "message", "the message on the new link");
    assert.equal(sent.text, "ya estoy");
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("ChatClient retries with growing pauses, answers commands with 'not connected', and /quit ends it", async () => {
  const server = new MultiServer((conn, hello) => send(conn, welcome(String(hello.name))));
  const c = collector();
  const clock = new FakeClock();
  let attempts = 0;
  const client = await ChatClient.connect(options(server.port, c, {
    clock,
    connect: (o) => {
      if (attempts++ === 0) return Deno.connect(o);
      return Promise.reject(new Deno.errors.ConnectionRefused("refused"));
    },
  }));
  try {
    server.conns[0].fc.close();
    await c.next("connection_lost");
    for (const [i, ms] of [1000, 2000, 4000, 8000, 10_000, 10_000].entries()) {
      await passPause(clock, ms - 1);
      await settle();
      assert.equal(attempts, 1 + i, `no attempt before ${ms} ms`);
      clock.advance(1);
      await waitFor(() => attempts === 2 + i, { message: `attempt ${i + 1}` });
    }
    client.handleLine("hola");
    client.handleLine("/who");
    const notices = c.events.filter((e) => e.type === "notice");
    assert.deepEqual(notices.map((e) => e.type === "notice" && e.key), [
      "notConnected",
      "notConnected",
    ]);
    client.handleLine("/help");
    assert.ok(c.events.some((e) => e.type === "notice" && e.key === "help"), "local commands work");
    const info = await withDeadline(client.close(), DEFAULT_DEADLINE_MS, "the client to quit");
    assert.deepEqual(info, { reason: "quit" });
    assert.equal(clock.pending, 0, "no pause left behind");
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("ChatClient.finish() (end of piped input) while reconnecting quits without waiting", async () => {
  const server = new MultiServer((conn, hello) => send(conn, welcome(String(hello.name))));
  const c = collector();
  const clock = new FakeClock();
  const client = await ChatClient.connect(options(server.port, c, { clock }));
  server.conns[0].fc.close();
  await c.next("connection_lost");
  const info = await withDeadline(client.finish(), DEFAULT_DEADLINE_MS, "finish()");
  assert.deepEqual(info, { reason: "quit" });
  await server.close();
});

Deno.test("ChatClient stops retrying when the server refuses the name for good", async () => {
  const server = new MultiServer((conn, hello, index) => {
    if (index === 0) send(conn, welcome(String(hello.name)));
    else send(conn, { type: "error", code: "name_taken", message: "En uso" });
  });
  const c = collector();
  const clock = new FakeClock();
  const client = await ChatClient.connect(options(server.port, c, { clock }));
  try {
    server.conns[0].fc.close();
    await c.next("connection_lost");
    await passPause(clock, 1000);
    const info = await withDeadline(client.closed, DEFAULT_DEADLINE_MS, "the final close");
    assert.deepEqual(info, { reason: "server_error", code: "name_taken", message: "En uso" });
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("ChatClient comes back after the server's shutdown and rejoins the call it was in", async () => {
  const server = new MultiServer((conn, hello) => send(conn, welcome(String(hello.name))));
  const c = collector();
  const clock = new FakeClock();
  const client = await ChatClient.connect(options(server.port, c, { clock }));
  try {
    client.handleLine("/call start");
    await server.frame(0, (m) => m.type === "call", "the call start");
    send(server.conns[0], {
      type: "call_joined",
      token: "00".repeat(16),
      client_id: 1_000_001,
      media_port: 9998,
      members: [{ name: "Ana", client_id: 1_000_001 }],
    });
    await c.next("call_joined");
    assert.equal(client.inCall, true);
    send(server.conns[0], { type: "system", event: "shutdown", seq: 3, ts: 3, text: "adiós" });
    server.conns[0].fc.end();
    assert.deepEqual(await c.next("connection_lost"), {
      type: "connection_lost",
      reason: "shutdown",
    });
    await passPause(clock, 1000);
    await c.next("reconnected");
    const again = await server.frame(1, (m) => m.type === "call", "the call rejoined");
    assert.equal(again.action, "start");
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("ChatClient with reconnect off still ends the session on a lost connection", async () => {
  const server = new MultiServer((conn, hello) => send(conn, welcome(String(hello.name))));
  const c = collector();
  const client = await ChatClient.connect(options(server.port, c, { reconnect: false }));
  server.conns[0].fc.close();
  const info = await withDeadline(client.closed, DEFAULT_DEADLINE_MS, "the close");
  assert.deepEqual(info, { reason: "lost" });
  assert.ok(!(info instanceof ConnectError));
  await client.close();
  await server.close();
});

Deno.test("the terminal renders the reconnection plainly, a reconnecting member, and an unverified download", () => {
  const t = translator(clientText, "en");
  const ctx = { t, color: false, me: "Ana" };
  assert.deepEqual(renderEvent({ type: "connection_lost", reason: "lost" }, ctx), [
    "[SYSTEM] The connection to the server was lost. Retrying… (nothing you type is sent until it is back; /quit to leave)",
  ]);
  const w = decodeWelcome(welcome("Ana"));
  assert.deepEqual(
    renderEvent({ type: "reconnected", welcome: w, missed: 3, host: "10.0.0.2", port: 9009 }, ctx),
    [
      "[SYSTEM] Connected again to 10.0.0.2:9009 as Ana.",
      "[SYSTEM] 3 messages from while you were away are no longer in the server's history and cannot be shown.",
    ],
  );
  const more = { type: "reconnected" as const, welcome: w, missed: 3, missedMore: true };
  assert.match(
    renderEvent({ ...more, host: "h", port: 1 }, ctx)[1],
    /may be missing: at least 3 are no longer/,
  );
  const members = [
    { name: "Ana", since: 1, protocol: 2, inCall: false },
    { name: "Luis", since: 1, protocol: 2, inCall: false, reconnecting: true },
  ];
  assert.match(renderEvent({ type: "who", members }, ctx)[0], /Ana, Luis \(reconnecting\)/);
  const transfer = { id: 1, kind: "download" as const, label: "a", done: 1, total: 1, started: 0 };
  const done = (verified: boolean) =>
    renderEvent(
      {
        type: "transfer_done",
        transfer,
        filename: "a",
        size: 1,
        sha256: "",
        path: "d/a",
        verified,
      },
      ctx,
    )[0];
  assert.match(done(true), /SHA-256 verified/);
  assert.doesNotMatch(done(false), /SHA-256 verified/);
  assert.match(done(false), /NOT verified/);
});

Deno.test("ChatClient comes back after an idle timeout, but not after an error it caused", async () => {
  for (const [code, back] of [["idle_timeout", true], ["too_many_errors", false]] as const) {
    const server = new MultiServer((conn, hello) => send(conn, welcome(String(hello.name))));
    const c = collector();
    const clock = new FakeClock();
    const client = await ChatClient.connect(options(server.port, c, { clock }));
    try {
      send(server.conns[0], { type: "error", code, message: "adiós" });
      server.conns[0].fc.end();
      if (back) {
        await c.next("connection_lost");
        await passPause(clock, 1000);
        await c.next("reconnected");
      } else {
        const info = await withDeadline(client.closed, DEFAULT_DEADLINE_MS, "the close");
        assert.equal(info.code, code);
      }
    } finally {
      await client.close();
      await server.close();
    }
  }
});

Deno.test("the interactive prompt says offline while reconnecting and keeps the half-typed line", async () => {
  const out = fakeOutput();
  const input = fakeInput();
  const size = { columns: 60, rows: 10 };
  const term = new InteractiveTerminal({
    input: input.stream,
    output: out.writer,
    lang: "en",
    size: () => size,
    setRaw: () => {},
  });
  try {
    term.show(welcomeEvent("Ana"));
    const items = term.input();
    const first = items.next();
    input.type("hola qu");
    await waitForScreen(out, size, (s) => s.lines().at(-1) === "Ana> hola qu", "the typed text");
    term.show({ type: "connection_lost", reason: "lost" });
    await waitForScreen(
      out,
      size,
      (s) => s.lines().at(-1) === "Ana (offline)> hola qu",
      "the offline prompt with the line kept",
    );
    const w = decodeWelcome(welcome("Ana"));
    term.show({ type: "reconnected", welcome: w, missed: 0, host: "h", port: 1 });
    await waitForScreen(out, size, (s) => s.lines().at(-1) === "Ana> hola qu", "the prompt back");
    input.type("e\r");
    assert.deepEqual((await withDeadline(first, DEFAULT_DEADLINE_MS, "the line")).value, {
      type: "line",
      line: "hola que",
    });
    input.end();
    await withDeadline(items.next(), DEFAULT_DEADLINE_MS, "the end of input");
  } finally {
    await term.close();
  }
});

Deno.test("ChatClient counts a server silent past two pings as lost (no reset needed) and comes back", async () => {
  // The fake server answers the hello and then nothing: not even pongs.
  const server = new MultiServer((conn, hello) => send(conn, welcome(String(hello.name))));
  const c = collector();
  const clock = new FakeClock();
  const client = await ChatClient.connect(
    options(server.port, c, { clock, pingIntervalMs: 20_000 }),
  );
  try {
    clock.advance(20_000);
    clock.advance(20_000);
    await server.frame(0, (m) => m.type === "ping", "a ping");
    assert.equal(c.events.some((e) => e.type === "connection_lost"), false, "two pings of silence");
    clock.advance(20_000); // 60 s > 2 × 20 s + 5 s: the link is dead.
    await c.next("connection_lost");
    await passPause(clock, 1000);
    await c.next("reconnected");
  } finally {
    await client.close();
    await server.close();
  }
});
