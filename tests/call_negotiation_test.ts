/**
 * The room's call signalling of issue 10 (PROTOCOL.md section 4): codec
 * offers and the call's `send` list, member `video`/`audio`/`muted`,
 * keyframe requests (forwarded to one member, rate-limited), mute events,
 * `rebind` and malformed fields.
 */
import assert from "node:assert/strict";
import {
  codecsToSend,
  parseCodecList,
  receiveCodec,
  sendSet,
} from "../lib/protocol/call_codecs.ts";
import { decodeMessage, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import { Room } from "../lib/server/room/room.ts";

const encoder = new TextEncoder();

/** A member connected to a real Room through fake send/close callbacks. */
function member(room: Room, ip: string, hello: Message) {
  const decoder = new FrameDecoder();
  const frames: Message[] = [];
  const conn = room.connect({
    ip,
    port: 40000,
    send(bytes) {
      decoder.push(bytes);
      let p: Uint8Array | null;
      while ((p = decoder.next()) !== null) frames.push(decodeMessage(p));
      return true;
    },
    close() {},
  });
  const say = (m: Message) => conn.receive(encoder.encode(JSON.stringify(m)));
  say(hello);
  return { frames, say, last: (pred: (f: Message) => boolean) => frames.findLast(pred) };
}

function setup() {
  let now = 1_000;
  const room = new Room({ lang: "en", now: () => now });
  const v2 = (name: string, ip: string) => member(room, ip, { type: "hello", version: 2, name });
  return {
    room,
    v2,
    advance: (ms: number) => (now += ms),
    member: (ip: string, hello: Message) => member(room, ip, hello),
  };
}

const joined = (f: Message) => f.type === "call_joined";
const callEvent = (action: string) => (f: Message) => f.type === "call" && f.action === action;

Deno.test("call_codecs: offers parse in order, unknown names skipped, bad shapes refused", () => {
  assert.deepEqual(parseCodecList(undefined), ["mjpeg"]);
  assert.deepEqual(parseCodecList(["vp9", "h264", "mjpeg", "h264"]), ["h264", "mjpeg"]);
  assert.deepEqual(parseCodecList([]), ["mjpeg"]);
  assert.deepEqual(parseCodecList(["av1"]), ["mjpeg"]);
  assert.equal(parseCodecList("h264"), null);
  assert.equal(parseCodecList([1]), null);
  assert.equal(parseCodecList(new Array(9).fill("h264")), null);
  assert.equal(receiveCodec(["h264", "mjpeg"]), "h264");
  assert.deepEqual(sendSet(["mjpeg", "h264", "mjpeg"]), ["h264", "mjpeg"]);
  assert.deepEqual(sendSet([]), []);
  assert.deepEqual(codecsToSend(["h264", "mjpeg"], ["h264", "mjpeg"]), ["h264", "mjpeg"]);
  assert.deepEqual(codecsToSend(["h264"], ["mjpeg"]), ["mjpeg"]);
  assert.deepEqual(codecsToSend(["mjpeg"], ["h264", "mjpeg"]), ["mjpeg"]);
});

Deno.test("call start negotiates: send lists what receivers need, members carry video/audio/muted", () => {
  const { v2, member } = setup();
  const ana = v2("Ana", "10.0.0.1");
  ana.say({ type: "call", action: "start", video: ["h264", "mjpeg"], audio: true });
  const a = ana.last(joined)!;
  assert.deepEqual(a.send, ["h264"]);
  assert.deepEqual(a.members, [{
    name: "Ana",
    client_id: a.client_id,
    video: "h264",
    audio: true,
    muted: true,
  }]);
  // An old v2 client (no video list) receives MJPEG: now both are sent.
  const bea = v2("Bea", "10.0.0.2");
  bea.say({ type: "call", action: "start" });
  const b = bea.last(joined)!;
  assert.deepEqual(b.send, ["h264", "mjpeg"]);
  const start = ana.last(callEvent("start"))!;
  assert.deepEqual(start.send, ["h264", "mjpeg"]);
  assert.deepEqual(
    (start.members as Message[]).map((m) => [m.name, m.video, m.audio, m.muted]),
    [["Ana", "h264", true, true], ["Bea", "mjpeg", false, true]],
  );
  // When Bea leaves, only H.264 is needed again.
  bea.say({ type: "call", action: "stop" });
  assert.deepEqual(ana.last(callEvent("stop"))!.send, ["h264"]);
  // A v1 member needs MJPEG whatever it says.
  const viejo = member("10.0.0.3", { name: "Viejo" });
  viejo.say({ type: "call", action: "start", video: ["h264"] });
  const v1Start = ana.last(callEvent("start"))!;
  assert.deepEqual(v1Start.send, ["h264", "mjpeg"]);
  assert.deepEqual((v1Start.members as Message[])[1], {
    name: "Viejo",
    client_id: null,
    video: "mjpeg",
    audio: false,
    muted: true,
  });
});

Deno.test("call start with malformed video, audio or muted fields is a bad_message", () => {
  const { v2 } = setup();
  const ana = v2("Ana", "10.0.0.1");
  for (const bad of [{ video: "h264" }, { video: [3] }, { audio: "yes" }, { muted: 1 }]) {
    ana.say({ type: "call", action: "start", ...bad });
    const error = ana.last((f) => f.type === "error")!;
    assert.equal(error.code, "bad_message");
  }
  assert.equal(ana.frames.some(joined), false);
});

Deno.test("keyframe requests go to the named sender only, at most 2 per second per requester", () => {
  const { v2, advance } = setup();
  const ana = v2("Ana", "10.0.0.1");
  const bea = v2("Bea", "10.0.0.2");
  const car = v2("Car", "10.0.0.3");
  for (const m of [ana, bea, car]) m.say({ type: "call", action: "start", video: ["h264"] });
  const beaId = bea.last(joined)!.client_id;
  const keyframes = (m: ReturnType<typeof v2>) => m.frames.filter(callEvent("keyframe"));
  for (let i = 0; i < 5; i++) ana.say({ type: "call", action: "keyframe", client_id: beaId });
  assert.deepEqual(keyframes(bea), [
    { type: "call", action: "keyframe", from: "Ana" },
    { type: "call", action: "keyframe", from: "Ana" },
  ]);
  assert.equal(keyframes(car).length, 0);
  assert.equal(keyframes(ana).length, 0);
  assert.equal(ana.frames.some((f) => f.type === "error"), false); // extra ones dropped silently
  // Car has its own allowance; Ana gets one more after 500 ms.
  car.say({ type: "call", action: "keyframe", client_id: beaId });
  advance(500);
  ana.say({ type: "call", action: "keyframe", client_id: beaId });
  assert.equal(keyframes(bea).length, 4);
  // Unknown ids are dropped; bad ids are malformed; outsiders are not in the call.
  ana.say({ type: "call", action: "keyframe", client_id: 12345 });
  ana.say({ type: "call", action: "keyframe", client_id: "x" });
  assert.equal(ana.last((f) => f.type === "error")!.code, "bad_message");
  const dan = v2("Dan", "10.0.0.4");
  dan.say({ type: "call", action: "keyframe", client_id: beaId });
  assert.equal(dan.last((f) => f.type === "error")!.code, "not_in_call");
  assert.equal(keyframes(bea).length, 4);
});

Deno.test("mute and unmute are announced to everyone on a change; start may begin unmuted", () => {
  const { v2 } = setup();
  const ana = v2("Ana", "10.0.0.1");
  const bea = v2("Bea", "10.0.0.2");
  ana.say({ type: "call", action: "start", audio: true });
  bea.say({ type: "call", action: "start", audio: true, muted: false });
  assert.equal((bea.last(joined)!.members as Message[])[1].muted, false);
  ana.say({ type: "call", action: "unmute" });
  const unmute = bea.last(callEvent("mute"))!;
  assert.equal(unmute.from, "Ana");
  assert.equal(unmute.muted, false);
  assert.equal(typeof unmute.seq, "number");
  assert.equal((unmute.members as Message[])[0].muted, false);
  const count = bea.frames.filter(callEvent("mute")).length;
  ana.say({ type: "call", action: "unmute" }); // no change, no event
  assert.equal(bea.frames.filter(callEvent("mute")).length, count);
  ana.say({ type: "call", action: "mute" });
  assert.equal(bea.last(callEvent("mute"))!.muted, true);
  const dan = v2("Dan", "10.0.0.4");
  dan.say({ type: "call", action: "mute" });
  assert.equal(dan.last((f) => f.type === "error")!.code, "not_in_call");
});

Deno.test("call rebind gives a fresh media token with the same client id; outsiders get not_in_call", () => {
  const { v2, room } = setup();
  const ana = v2("Ana", "10.0.0.1");
  ana.say({ type: "call", action: "start" });
  const first = ana.last(joined)!;
  ana.say({ type: "call", action: "rebind" });
  const second = ana.last(joined)!;
  assert.notEqual(second.token, first.token);
  assert.equal(second.client_id, first.client_id);
  assert.equal(room.callByToken(String(first.token)), undefined);
  assert.equal(room.callByToken(String(second.token))?.name, "Ana");
  // start again repeats the current token (nothing announced)
  ana.say({ type: "call", action: "start" });
  assert.equal(ana.last(joined)!.token, second.token);
  const bea = v2("Bea", "10.0.0.2");
  bea.say({ type: "call", action: "rebind" });
  assert.equal(bea.last((f) => f.type === "error")!.code, "not_in_call");
});
