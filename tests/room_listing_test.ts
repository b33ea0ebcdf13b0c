import assert from "node:assert/strict";
import { decodeMessage, encodeFrame, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import { SERVER_MAX_FRAME } from "../lib/protocol/limits.ts";
import { FramedConnection } from "../lib/net/framed_conn.ts";
import { serveChat } from "../lib/server/chat_server.ts";
import {
  filePage,
  FILES_BUDGET,
  MAX_PAGE_FILES,
  PAGE_FILES,
  pageRequest,
} from "../lib/server/room/listing.ts";
import { Members } from "../lib/server/room/members.ts";
import { Member } from "../lib/server/room/connection.ts";
import { payload, Room, type RoomFile } from "../lib/server/room/room.ts";
import { TokenBucket } from "../lib/protocol/token_bucket.ts";
import { withDeadline } from "./wait.ts";
import { FakeClock } from "./fake_clock.ts";

/** `n` files with 240-character names (the attack of issue 7.1), oldest first. */
function manyFiles(n: number, char = "x"): RoomFile[] {
  return Array.from({ length: n }, (_, i) => ({
    file_id: `id${i}`,
    filename: `${i}_`.padEnd(240, char),
    size: 0,
    sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    from: i % 2 === 0 ? "Atacante" : "Ana",
    ts: 1_000 + i,
  }));
}

/** A room connection that records every frame and the largest payload it got. */
function recorder(room: Room, ip = "10.0.0.5") {
  const frames: Message[] = [];
  const decoder = new FrameDecoder({ maxFrame: SERVER_MAX_FRAME });
  let largest = 0;
  const conn = room.connect({
    ip,
    port: 4000,
    send: (bytes) => {
      decoder.push(bytes);
      let p: Uint8Array | null;
      while ((p = decoder.next()) !== null) {
        largest = Math.max(largest, p.length);
        frames.push(decodeMessage(p));
      }
      return true;
    },
    close() {},
  });
  return { conn, frames, largest: () => largest };
}

Deno.test("filePage() pages newest first, each page oldest first, and counts what is left", () => {
  const files = manyFiles(7);
  const first = filePage(files, { offset: 0, limit: 3 });
  assert.deepEqual(first.files.map((f) => f.file_id), ["id4", "id5", "id6"]);
  assert.deepEqual([first.total, first.offset, first.more], [7, 0, 4]);
  const last = filePage(files, { offset: 6, limit: 3 });
  assert.deepEqual(last.files.map((f) => f.file_id), ["id0"]);
  assert.equal(last.more, 0);
  const past = filePage(files, { offset: 70, limit: 3 });
  assert.deepEqual([past.files.length, past.offset, past.more], [0, 7, 0]);
});

Deno.test("filePage() searches names and senders, case- and width-blind", () => {
  const files = manyFiles(10);
  files[3].filename = "Tema 3 — Álgebra.pdf";
  const page = filePage(files, { offset: 0, limit: 50, query: "ÁLGEBRA" });
  assert.deepEqual(page.files.map((f) => f.file_id), ["id3"]);
  assert.equal(page.total, 1);
  assert.equal(filePage(files, { offset: 0, limit: 50, query: "ａｎａ" }).total, 5);
});

Deno.test("filePage() stops at the byte budget whatever the names hold", () => {
  // Control characters are escaped as \u00XX by JSON: six bytes each.
  const files = manyFiles(300, "\u0001");
  const page = filePage(files, { offset: 0, limit: MAX_PAGE_FILES });
  const bytes = new TextEncoder().encode(JSON.stringify(page.files)).length;
  assert.ok(bytes <= FILES_BUDGET, `${bytes} bytes`);
  assert.ok(page.files.length < MAX_PAGE_FILES);
  assert.equal(page.more, 300 - page.files.length);
});

Deno.test("pageRequest() defaults for old clients, clamps the limit, names a bad field", () => {
  assert.deepEqual(pageRequest({ type: "files" }), { offset: 0, limit: PAGE_FILES });
  assert.deepEqual(pageRequest({ type: "files", limit: 10_000 }), {
    offset: 0,
    limit: MAX_PAGE_FILES,
  });
  assert.deepEqual(pageRequest({ type: "files", query: "  tema " }), {
    offset: 0,
    limit: PAGE_FILES,
    query: "tema",
  });
  assert.deepEqual(pageRequest({ type: "files", offset: -1 }), { bad: "offset" });
  assert.deepEqual(pageRequest({ type: "files", offset: 1.5 }), { bad: "offset" });
  assert.deepEqual(pageRequest({ type: "files", limit: 0 }), { bad: "limit" });
  assert.deepEqual(pageRequest({ type: "files", limit: "5" }), { bad: "limit" });
  assert.deepEqual(pageRequest({ type: "files", query: 5 }), { bad: "query" });
  assert.deepEqual(pageRequest({ type: "files", query: "q".repeat(101) }), { bad: "query" });
});

Deno.test("3,000 files with 240-character names: welcome and files stay bounded, paging reaches all", () => {
  const files = manyFiles(3000);
  const room = new Room({ files: { list: () => files, claimV1: () => undefined } });
  const ana = recorder(room);
  ana.conn.receive(payload({ type: "hello", version: 2, name: "Ana" }));
  const welcome = ana.frames[0];
  assert.equal(welcome.type, "welcome");
  assert.equal(welcome.files_total, 3000);
  const listed = welcome.files as RoomFile[];
  assert.equal(listed.length, PAGE_FILES);
  assert.equal(listed.at(-1)!.file_id, "id2999");
  // Old clients ask without paging fields: the newest page.
  ana.conn.receive(payload({ type: "files" }));
  const first = ana.frames.at(-1)!;
  assert.equal(first.type, "files");
  assert.deepEqual([first.total, first.offset, first.more], [3000, 0, 2950]);
  // Paging from the newest to the oldest lists every file once.
  const seen = new Set<string>();
  for (let offset = 0; offset < 3000;) {
    ana.conn.receive(payload({ type: "files", offset, limit: MAX_PAGE_FILES }));
    const page = ana.frames.at(-1)!;
    const got = page.files as RoomFile[];
    assert.ok(got.length > 0);
    for (const f of got) seen.add(f.file_id);
    offset += got.length;
    assert.equal(page.more, 3000 - offset);
  }
  assert.equal(seen.size, 3000);
  assert.ok(ana.largest() < FILES_BUDGET + 4096, `largest frame ${ana.largest()} bytes`);
  // A bad paging field is a bad frame, not a disconnection.
  ana.conn.receive(payload({ type: "files", offset: "x", ref: "r1" }));
  const err = ana.frames.at(-1)!;
  assert.deepEqual([err.code, err.ref], ["bad_message", "r1"]);
});

Deno.test("a v1 member gets the newest files replayed, not all of them", () => {
  const files = manyFiles(500);
  const room = new Room({ files: { list: () => files, claimV1: () => undefined } });
  const old = recorder(room);
  old.conn.receive(payload({ name: "Viejo" }));
  const replay = old.frames.filter((f) => f.type === "file_available");
  assert.equal(replay.length, PAGE_FILES);
  assert.equal(replay.at(-1)!.file_id, "id499");
});

Deno.test("sendListFrame() with maxBytes leaves out the members past the limit, still valid JSON", () => {
  const members = new Members();
  for (let i = 0; i < 2000; i++) {
    const m = new Member(
      { ip: "10.0.0.1", port: i, send: () => true, close() {} },
      new TokenBucket(20, 40, 0),
    );
    m.name = `${i}`.padEnd(32, "😀");
    m.protocol = 2;
    m.token = `t${i}`;
    members.add(m);
  }
  const pieces: Uint8Array[] = [];
  const message = { type: "who", members: [], members_total: members.size };
  members.sendListFrame(message, new Set(), (b) => pieces.push(b), { maxBytes: 64 * 1024 });
  const decoder = new FrameDecoder({ maxFrame: 64 * 1024 });
  for (const p of pieces) decoder.push(p);
  const frame = decoder.next();
  assert.ok(frame !== null);
  const who = decodeMessage(frame);
  const listed = who.members as Message[];
  assert.ok(listed.length > 10 && listed.length < 2000, `${listed.length} listed`);
  assert.equal(who.members_total, 2000);
  assert.equal(listed[0].name, members.values().next().value!.name);
  assert.equal(decoder.next(), null);
});

Deno.test({
  name: "serveChat(): with 3,000 files of 240-character names a client joins and /files works",
  async fn() {
    const files = manyFiles(3000);
    const room = new Room({ files: { list: () => files, claimV1: () => undefined } });
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    const chat = serveChat(listener, { room });
    // The client's own frame limit (lib/client/handshake.ts): 1 MiB.
    const fc = new FramedConnection(await Deno.connect({ hostname: "127.0.0.1", port }), {
      maxFrame: SERVER_MAX_FRAME,
    });
    try {
      fc.send(encodeFrame({ type: "hello", version: 2, name: "Ana" }));
      const frames = fc.payloads();
      const next = async (type: string): Promise<Message> => {
        while (true) {
          const r = await withDeadline(frames.next(), 5000, `a ${type} frame`);
          assert.ok(!r.done, `connection ended before ${type}`);
          const m = decodeMessage(r.value);
          if (m.type === type) return m;
        }
      };
      const welcome = await next("welcome");
      assert.equal(welcome.files_total, 3000);
      fc.send(encodeFrame({ type: "files" }));
      assert.equal(((await next("files")).files as unknown[]).length, PAGE_FILES);
      fc.send(encodeFrame({ type: "files", query: "2999_" }));
      const found = await next("files");
      assert.deepEqual((found.files as RoomFile[]).map((f) => f.file_id), ["id2999"]);
    } finally {
      fc.close();
      await chat.close();
    }
  },
});

Deno.test("a welcome in a room too big for one frame stays under the client's 1 MiB", () => {
  // Joins past the first few are batched (the fake clock never moves): only welcomes cost.
  const room = new Room({ clock: new FakeClock() });
  const name = (i: number) => `${i}` + "😀".repeat(27);
  const quiet = { port: 1, send: () => true, close() {} };
  for (let i = 0; i < 6000; i++) {
    const ip = `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
    room.connect({ ...quiet, ip }).receive(payload({ type: "hello", version: 2, name: name(i) }));
  }
  assert.equal(room.size, 6000);
  const last = recorder(room, "10.99.0.1");
  last.conn.receive(payload({ type: "hello", version: 2, name: "Última" }));
  const welcome = last.frames[0];
  assert.equal(welcome.type, "welcome", JSON.stringify(welcome).slice(0, 200));
  assert.ok(last.largest() <= SERVER_MAX_FRAME, `${last.largest()} bytes`);
  assert.equal(welcome.members_total, 6001);
  assert.ok((welcome.members as unknown[]).length < 6001);
  room.shutdown();
});
