import assert from "node:assert/strict";
import { encodeFrame, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import { TokenBucket } from "../lib/protocol/token_bucket.ts";
import { Member } from "../lib/server/room/connection.ts";
import { Members } from "../lib/server/room/members.ts";
import { encodeMember } from "../lib/protocol/wire.ts";
import { payload, Room, type RoomFile } from "../lib/server/room/room.ts";
import { concatBytes } from "../lib/protocol/bytes.ts";

/** The `members` list as encodeFrame() would hold it: the oracle of sendListFrame(). */
function wholeList(members: Members, inCall: (name: string) => boolean): Message[] {
  return [...members.values()].map((m) =>
    encodeMember({ name: m.name!, since: m.since, protocol: m.protocol!, inCall: inCall(m.name!) })
  );
}

function member(name: string, since: number, protocol: 1 | 2): Member {
  const m = new Member(
    { ip: "10.0.0.1", port: 1, send: () => true, close() {} },
    new TokenBucket(20, 40, 0),
  );
  m.name = name;
  m.since = since;
  m.protocol = protocol;
  m.token = `t${since}`;
  return m;
}

/** What sendListFrame() sends for `message`, as one byte string and as its pieces. */
function listFrame(members: Members, message: Message, inCall: Set<string>) {
  const pieces: Uint8Array[] = [];
  members.sendListFrame(message, inCall, (bytes) => pieces.push(bytes));
  return { bytes: concatBytes(pieces), pieces };
}

Deno.test("sendListFrame() sends the bytes of encodeFrame() with the whole members list", () => {
  const members = new Members();
  const inCall = new Set<string>();
  const who = { type: "who", members: [] };
  const expected = () => encodeFrame({ ...who, members: wholeList(members, (n) => inCall.has(n)) });
  assert.deepEqual(listFrame(members, who, inCall).bytes, expected());
  const names = ["Ana", 'Be"to\\', "ñandú", "שלום", "😀".repeat(8), "members", "x"];
  names.forEach((name, i) => members.add(member(name, 1_000_000 + i, i % 2 === 0 ? 2 : 1)));
  assert.deepEqual(listFrame(members, who, inCall).bytes, expected());
  inCall.add("ñandú");
  inCall.add("x");
  assert.deepEqual(listFrame(members, who, inCall).bytes, expected());
  inCall.clear();
  assert.deepEqual(listFrame(members, who, inCall).bytes, expected());
  // A text field before the list that holds the list's own key does not move it.
  const tricky = { type: "t", server: '"members":[]', members: [], files: [{ filename: "]" }] };
  assert.deepEqual(
    listFrame(members, tricky, inCall).bytes,
    encodeFrame({ ...tricky, members: wholeList(members, () => false) }),
  );
  assert.throws(() => listFrame(members, { type: "who" }, inCall), TypeError);
});

Deno.test("sendListFrame() sends each member's entry as the same cached bytes every time", () => {
  const members = new Members();
  for (let i = 0; i < 50; i++) members.add(member(`m${i}`, i, 2));
  const first = listFrame(members, { type: "who", members: [] }, new Set()).pieces;
  const second = listFrame(members, { type: "who", members: [] }, new Set()).pieces;
  // Header and text before, 50 entries, text after.
  assert.equal(first.length, 52);
  for (let i = 1; i <= 50; i++) assert.equal(first[i].buffer, second[i].buffer);
});

Deno.test("welcome is byte for byte the frame of the whole object, in the documented field order", () => {
  const files: RoomFile[] = [{
    file_id: "k3f9ab",
    filename: 'a "b".txt',
    size: 3,
    sha256: "ab",
    from: "Ana",
    ts: 5,
  }];
  let clock = 1_000_000;
  const room = new Room({
    now: () => clock,
    files: { list: () => files, claimV1: () => undefined },
    randomHex: (n) => "ab".repeat(n),
  });
  const join = (hello: Message) => {
    const pieces: Uint8Array[] = [];
    const frames: Message[] = [];
    const decoder = new FrameDecoder({ maxFrame: 1 << 20 });
    const conn = room.connect({
      ip: "10.0.0.5",
      port: 40000,
      send: (bytes) => {
        pieces.push(bytes);
        decoder.push(bytes);
        let p: Uint8Array | null;
        while ((p = decoder.next()) !== null) {
          frames.push(JSON.parse(new TextDecoder().decode(p)));
        }
        return true;
      },
      close() {},
    });
    conn.receive(payload(hello));
    clock += 10;
    return { conn, pieces, frames };
  };
  const ana = join({ type: "hello", version: 2, name: "Ana" });
  ana.conn.receive(payload({ type: "call", action: "start" }));
  join({ name: "vieja ñ" });
  join({ type: "hello", version: 2, name: "😀 Beto" });
  const carla = join({ type: "hello", version: 2, name: "Carla" });
  const welcome = carla.frames[0];
  const call = welcome.call as Message[];
  const expected = encodeFrame({
    type: "welcome",
    version: 2,
    name: "Carla",
    token: "ab".repeat(16),
    server: welcome.server,
    file_port: room.filePort,
    media_port: room.mediaPort,
    limits: {
      max_frame: room.maxFrame,
      max_message: room.maxMessage,
      max_name: 32,
      max_upload: room.maxUpload,
    },
    members: [
      { name: "Ana", since: 1_000_000, protocol: 2, in_call: true },
      { name: "vieja ñ", since: 1_000_010, protocol: 1, in_call: false },
      { name: "😀 Beto", since: 1_000_020, protocol: 2, in_call: false },
      { name: "Carla", since: 1_000_030, protocol: 2, in_call: false },
    ],
    members_total: 4,
    files,
    files_total: 1,
    call,
    resume_token: "ab".repeat(16),
  });
  assert.deepEqual(concatBytes(carla.pieces).subarray(0, expected.length), expected);
});
