import assert from "node:assert/strict";
import { decodeMessage, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import { payload, Room } from "../lib/server/room/room.ts";

/** Says hello on a new connection of `room`; returns what came back and how it closed. */
function hello(room: Room, msg: Message, port = 4000) {
  const frames: Message[] = [];
  const decoder = new FrameDecoder({ maxFrame: 1 << 20 });
  let closed: string | null = null;
  room.connect({
    ip: `10.0.${port >> 8 & 255}.${port & 255}`,
    port,
    send: (bytes) => {
      decoder.push(bytes);
      let p: Uint8Array | null;
      while ((p = decoder.next()) !== null) frames.push(decodeMessage(p));
      return true;
    },
    close: (reason) => closed ??= reason,
  }).receive(payload(msg));
  return { frames, closed: () => closed };
}

Deno.test("every look-alike of issue 7.6 is refused next to Ana and Profesor", () => {
  const room = new Room();
  assert.equal(
    hello(room, { type: "hello", version: 2, name: "Ana" }, 1).frames[0].type,
    "welcome",
  );
  assert.equal(
    hello(room, { type: "hello", version: 2, name: "Profesor" }, 2).frames[0].type,
    "welcome",
  );
  const cases: Array<[string, string]> = [
    ["\u0410na", "name_taken"], // Cyrillic А
    ["\uff21na", "name_taken"], // fullwidth Ａ
    ["Ana\u00a0", "name_taken"], // no-break space (trimmed)
    ["An\u00a0a", "name_invalid"],
    ["Ana\u034f", "name_invalid"],
    ["Ana\u3164", "name_invalid"], // Hangul fillers
    ["Ana\uffa0", "name_invalid"],
    ["\u115fAna", "name_invalid"],
    ["Ana\u180e", "name_invalid"],
    ["Ana\ufe0f", "name_invalid"], // variation selector
    ["Ana\u{e0041}", "name_invalid"], // tag
    ["Ana\u2800", "name_invalid"], // braille blank
    ["Ana\u17b4", "name_invalid"],
    ["Prof\u0435sor", "name_taken"],
    ["Profesor\u034f", "name_invalid"],
    ["SISTEM\u0410", "name_invalid"], // reserved
    ["Ana\ud800", "name_invalid"],
    ["Ana\udbff", "name_invalid"],
    ["Ana\ufffd", "name_invalid"],
  ];
  let port = 10;
  for (const [name, code] of cases) {
    const r = hello(room, { type: "hello", version: 2, name }, port++);
    assert.equal(r.frames[0]?.code, code, JSON.stringify(name));
    assert.equal(r.closed(), "disconnect");
  }
  assert.equal(room.size, 2);
  // The refusal of a look-alike names the member it looks like.
  const lookalike = hello(room, { type: "hello", version: 2, name: "\u0410na" }, 99).frames[0];
  assert.match(String(lookalike.message), /«Ana»/);
});

Deno.test("v1 look-alikes join under a suffixed name, so nobody poses as Ana", () => {
  const room = new Room();
  hello(room, { type: "hello", version: 2, name: "Ana" }, 1);
  const names = ["\u0410na", "Ana\u034f", "Ana\ud800", "Ana\ufffd"].map((name, i) => {
    const r = hello(room, { name }, 10 + i);
    return r.frames.at(-1)!.name;
  });
  assert.deepEqual(names, ["\u0410na_2", "Ana_3", "Ana_4", "Ana_5"]);
});
