/**
 * The server log (lib/server/log.ts): one line per event with the time, in
 * the server's language; JSON lines for --log; noisy kinds summarised per
 * window on an injected clock; network strings sanitised; ordinary network
 * errors recognised.
 */
import assert from "node:assert/strict";
import { netErrorName, ServerLog } from "../lib/server/log.ts";
import { formatSize } from "../lib/protocol/sizes.ts";
import { roomLogEvent } from "../lib/server/room/room_log.ts";
import { FakeClock } from "./fake_clock.ts";

function capture(lang: "es" | "en" = "en") {
  const clock = new FakeClock(Date.UTC(2026, 10, 30, 9, 0, 0));
  const lines: string[] = [];
  const json: string[] = [];
  const log = new ServerLog({
    lang,
    clock,
    print: (l) => lines.push(l),
    json: (l) => json.push(l),
    time: (ms) => new Date(ms).toISOString().slice(11, 19),
  });
  return { clock, lines, json, log };
}

Deno.test("ServerLog writes one line per event with the time, in the server's language", () => {
  const en = capture("en");
  en.log.sink({ kind: "joined", name: "Ana", ip: "192.168.1.20" });
  en.log.sink({
    kind: "file_published",
    name: "tema1.pdf",
    size: 3 * 1024 * 1024,
    by: "Ana",
    id: "k3f9ab",
  });
  assert.deepEqual(en.lines, [
    "09:00:00 Ana joined (192.168.1.20)",
    "09:00:00 Ana shared «tema1.pdf» (3.0 MB, id k3f9ab)",
  ]);
  const es = capture("es");
  es.log.sink({ kind: "joined", name: "Ana", ip: "192.168.1.20" });
  assert.deepEqual(es.lines, ["09:00:00 Ana entró (192.168.1.20)"]);
});

Deno.test("ServerLog writes JSON lines with ts and the raw fields", () => {
  const { log, json } = capture();
  log.sink({ kind: "downloaded", by: "10.0.0.7", id: "k3f9ab", name: "tema1.pdf" });
  assert.equal(json.length, 1);
  const obj = JSON.parse(json[0]);
  assert.deepEqual(obj, {
    ts: "2026-11-30T09:00:00.000Z",
    kind: "downloaded",
    by: "10.0.0.7",
    id: "k3f9ab",
    name: "tema1.pdf",
  });
});

Deno.test("ServerLog summarises refusals: the first at once, the rest as one line when the window ends", () => {
  const { log, lines, json, clock } = capture();
  for (let i = 0; i < 50; i++) {
    log.sink({ kind: "refused", what: "chat", ip: `10.0.0.${i % 5}`, count: 1 });
  }
  assert.equal(lines.length, 1, "only the first refusal is written at once");
  clock.advance(9_999);
  assert.equal(lines.length, 1);
  clock.advance(1);
  assert.equal(lines.length, 2, "one summary when the 10 s window ends");
  assert.match(lines[1], /49 more, from 5 addresses/);
  const summary = JSON.parse(json[1]);
  assert.equal(summary.summary, true);
  assert.equal(summary.count, 49);
  // The next window starts afresh: its first event is written at once.
  log.sink({ kind: "refused", what: "chat", ip: "10.0.0.9", count: 1 });
  assert.equal(lines.length, 3);
  // Other kinds are never held back.
  log.sink({ kind: "left", name: "Ana", reason: "quit" });
  assert.equal(lines.length, 4);
  log.close();
});

Deno.test("ServerLog.close() writes what a window still holds and stops its timer", () => {
  const { log, lines, clock } = capture();
  log.sink({ kind: "net_error", what: "files", ip: "10.0.0.1", error: "BrokenPipe" });
  log.sink({ kind: "net_error", what: "files", ip: "10.0.0.2", error: "ConnectionReset" });
  log.close();
  assert.equal(lines.length, 2);
  clock.advance(60_000);
  log.sink({ kind: "joined", name: "X", ip: "1.2.3.4" });
  assert.equal(lines.length, 2, "nothing after close");
});

Deno.test("ServerLog sanitises network strings and shows unknown kinds plainly", () => {
  const { log, lines } = capture();
  log.sink({ kind: "joined", name: "Ev\u001b[2Jil\u202e", ip: "10.0.0.1" });
  assert.ok(!lines[0].includes("\u001b"));
  assert.ok(!lines[0].includes("\u202e"));
  log.sink({ kind: "brand_new", a: 1, b: "x" });
  assert.equal(lines[1], "09:00:00 brand_new a=1 b=x");
});

Deno.test("ServerLog never throws, even when the console does", () => {
  const log = new ServerLog({
    lang: "en",
    print: () => {
      throw new Error("EPIPE");
    },
  });
  log.sink({ kind: "joined", name: "Ana", ip: "1.2.3.4" });
  log.close();
});

Deno.test("netErrorName() knows resets and broken pipes, and nothing else", () => {
  assert.equal(netErrorName(new Deno.errors.BrokenPipe("Broken pipe (os error 32)")), "BrokenPipe");
  assert.equal(netErrorName(new Deno.errors.ConnectionReset("reset")), "ConnectionReset");
  assert.equal(
    netErrorName(Object.assign(new Error("x"), { code: "ECONNRESET" })),
    "ConnectionReset",
  );
  assert.equal(netErrorName(new TypeError("bug")), null);
  assert.equal(netErrorName("text"), null);
});

Deno.test("formatSize() shows the log's sizes in B, KB, MB, GB", () => {
  assert.equal(formatSize(512), "512 B");
  assert.equal(formatSize(1536), "1.5 KB");
  assert.equal(formatSize(300 * 1024 ** 2), "300.0 MB");
});

Deno.test("roomLogEvent() maps joins, leaves, files and calls, and ignores chat", () => {
  const ip = () => "10.0.0.5";
  assert.deepEqual(roomLogEvent({ type: "system", event: "join", name: "Ana" }, ip), {
    kind: "joined",
    name: "Ana",
    ip: "10.0.0.5",
  });
  assert.deepEqual(
    roomLogEvent({ type: "system", event: "leave", name: "Ana", reason: "quit" }, ip),
    { kind: "left", name: "Ana", reason: "quit" },
  );
  assert.equal(
    roomLogEvent(
      { type: "file_available", from: "Ana", filename: "a.txt", size: 3, file_id: "x" },
      ip,
    )
      ?.kind,
    "file_published",
  );
  assert.deepEqual(roomLogEvent({ type: "call", action: "start", first: true, from: "Ana" }, ip), {
    kind: "call_started",
    by: "Ana",
  });
  assert.equal(roomLogEvent({ type: "call", action: "start", first: false, from: "B" }, ip), null);
  assert.deepEqual(roomLogEvent({ type: "call", action: "stop", ended: true }, ip), {
    kind: "call_ended",
  });
  assert.equal(roomLogEvent({ type: "message", from: "Ana", text: "hola" }, ip), null);
});

Deno.test("ServerLog tells what a refusal or rate limit was about in its language", () => {
  const es = capture("es");
  es.log.sink({ kind: "refused", what: "joins", ip: "10.0.0.9", count: 1 });
  es.log.sink({ kind: "rate_limited", what: "discovery", ip: "10.0.0.9", count: 1 });
  assert.deepEqual(es.lines, [
    "09:00:00 Rechazado desde 10.0.0.9: entradas a la sala (1)",
    "09:00:00 Límite de ritmo superado desde 10.0.0.9: consultas de descubrimiento (1)",
  ]);
  const unknown = capture("es");
  unknown.log.sink({ kind: "refused", what: "algo_nuevo", ip: "10.0.0.9", count: 1 });
  assert.deepEqual(unknown.lines, ["09:00:00 Rechazado desde 10.0.0.9: algo_nuevo (1)"]);
  // Every `what` the server emits has its words.
  for (const what of ["messages", "joins", "connections", "upload", "upload_files", "v1_upload"]) {
    const words = capture("es");
    words.log.sink({ kind: "refused", what, ip: "10.0.0.9", count: 1 });
    assert.doesNotMatch(words.lines[0], new RegExp(`: ${what} \\(`), what);
  }
});
