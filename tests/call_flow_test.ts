import assert from "node:assert/strict";
import { ChatClient } from "../lib/client/chat_client.ts";
import { CallFlow, type MediaParams, type MediaSession } from "../lib/client/call_flow.ts";
import type { ClientEvent } from "../lib/client/events.ts";
import type { CallJoinedReply } from "../lib/protocol/wire_chat.ts";
import { collector, FakeServer, options, welcome } from "./chat_client_fixture.ts";
import { DEFAULT_DEADLINE_MS, waitFor, withDeadline } from "./wait.ts";

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

/** Connects as Ana, joins the call (checking the refusals on the way) and waits for the media. */
async function joinCall() {
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
  await waitFor(() => medias.length > 0 && medias[0].members.length > 0, {
    message: "the media to start and get the members",
  });
  const media = medias[0];
  assert.equal(media.params.token, token);
  assert.equal(media.params.clientId, 1000042);
  assert.equal(media.params.mediaPort, 7777);
  assert.deepEqual(media.members.at(-1), [
    { name: "Luis", clientId: 1000041 },
    { name: "Ana", clientId: 1000042 },
  ]);
  return { server, c, client, media };
}

Deno.test("ChatClient joins a call and starts media with the call_joined token, port and members", async () => {
  const { server, client } = await joinCall();
  await client.finish();
  await server.close();
});

Deno.test("ChatClient follows call members and media ids, shows stats and leaves when the view closes", async () => {
  const { server, c, client, media } = await joinCall();
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
  await waitFor(() => media.members.at(-1)?.at(-1)?.clientId === 123456, {
    message: "Eva's media id to reach the media",
  });
  assert.deepEqual(media.members.at(-1)?.at(-1), { name: "Eva", clientId: 123456 });
  client.handleLine("/call stats");
  assert.deepEqual(await c.next("call_stats"), { type: "call_stats", lines: ["frames: 10"] });
  media.params.log("Sin cámara");
  assert.deepEqual(await c.next("call_log"), { type: "call_log", line: "Sin cámara" });
  // The window was closed: same as /call stop.
  media.params.onLeave();
  await server.waitFor((m) => m.type === "call" && m.action === "stop");
  assert.deepEqual(await c.next("call_left"), { type: "call_left", reason: "left" });
  await waitFor(() => media.closed > 0, { message: "the media to close" });
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

/** A CallFlow wired to recorders instead of a chat connection. */
function flowWith(startMedia?: (p: MediaParams) => Promise<MediaSession>) {
  const sent: string[] = [];
  const events: ClientEvent[] = [];
  let closed = false;
  const flow = new CallFlow({
    host: "127.0.0.1",
    lang: "es",
    name: "Ana",
    welcomeMediaPort: 9020,
    startMedia,
    sendCall: (action) => sent.push(action),
    emit: (e) => events.push(e),
    isClosed: () => closed,
  });
  return { flow, sent, events, close: () => closed = true };
}

const joinedReply: CallJoinedReply = {
  type: "call_joined",
  token: "ab".repeat(16),
  clientId: 1000001,
  mediaPort: null,
  members: [{ name: "Ana", clientId: 1000001 }],
  send: ["mjpeg"],
};

Deno.test("CallFlow ignores a call_joined that arrives after we left", () => {
  const { flow, sent, events } = flowWith();
  flow.command("start");
  flow.command("stop");
  flow.onJoined(joinedReply);
  assert.deepEqual(sent, ["start", "stop"]);
  assert.deepEqual(events, [{ type: "call_left", reason: "left" }]);
  assert.equal(flow.active, false);
});

Deno.test("CallFlow hides not_in_call only while a call is active", () => {
  const { flow } = flowWith();
  assert.equal(flow.hidesError("not_in_call"), false);
  flow.command("start");
  assert.equal(flow.hidesError("not_in_call"), true);
  assert.equal(flow.hidesError("rate_limited"), false);
});

Deno.test("CallFlow.end() leaves an active call politely and sends nothing when idle", () => {
  const idle = flowWith();
  idle.flow.end({ sendStop: true });
  assert.deepEqual(idle.sent, []);
  const joined = flowWith();
  joined.flow.command("start");
  joined.flow.onJoined(joinedReply);
  joined.flow.end({ sendStop: true });
  assert.deepEqual(joined.sent, ["start", "stop"]);
  assert.equal(joined.flow.active, false);
  const lost = flowWith();
  lost.flow.command("start");
  lost.flow.end({ sendStop: false });
  assert.deepEqual(lost.sent, ["start"]);
  assert.equal(lost.flow.active, false);
});

Deno.test("CallFlow closes a media session that finished starting after the chat ended", async () => {
  let resolve!: (m: MediaSession) => void;
  let params: MediaParams | null = null;
  const { flow, close } = flowWith((p) => {
    params = p;
    return new Promise((r) => resolve = r);
  });
  flow.command("start");
  flow.onJoined(joinedReply);
  assert.equal(params!.mediaPort, 9020); // call_joined named none: the welcome's
  close();
  flow.end({ sendStop: false });
  const media = new FakeMedia(params!);
  resolve(media);
  await withDeadline(flow.stopMedia(), DEFAULT_DEADLINE_MS, "the media to stop");
  assert.equal(media.closed, 1);
  assert.deepEqual(media.members, []);
});

/** A FakeMedia that records the send lists and keyframe calls of issue 10. */
class CodecMedia extends FakeMedia {
  sends: string[][] = [];
  keyframes = 0;
  setSend(send: readonly string[]): void {
    this.sends.push([...send]);
  }
  sendKeyframe(): void {
    this.keyframes++;
  }
}

Deno.test("ChatClient offers its codecs, follows the call's send list, and relays keyframe requests both ways", async () => {
  const server = new FakeServer((fake, hello) => fake.send(welcome(String(hello.name))));
  const c = collector();
  const medias: CodecMedia[] = [];
  const client = await ChatClient.connect(options(server.port, c, {
    videoOffer: ["h264", "mjpeg"],
    startMedia: (p) => {
      const m = new CodecMedia(p);
      medias.push(m);
      return Promise.resolve(m);
    },
  }));
  try {
    client.handleLine("/call start");
    const start = await server.waitFor((m) => m.type === "call" && m.action === "start");
    assert.deepEqual(start.video, ["h264", "mjpeg"]);
    server.send({
      type: "call_joined",
      token: "ffeeddccbbaa99887766554433221100",
      client_id: 1000042,
      media_port: 7777,
      members: [{ name: "Ana", client_id: 1000042, video: "h264" }],
      send: ["h264"],
    });
    await waitFor(() => medias.length > 0 && medias[0].sends.length > 0, {
      message: "the media to get the send list",
    });
    const media = medias[0];
    assert.deepEqual(media.params.offer, ["h264", "mjpeg"]);
    assert.deepEqual(media.sends.at(-1), ["h264"]);
    // A terminal-view member joins: MJPEG is needed too, and it needs a keyframe.
    server.send({
      type: "call",
      from: "Luis",
      action: "start",
      client_id: 1000043,
      members: [{ name: "Ana", client_id: 1000042 }, { name: "Luis", client_id: 1000043 }],
      send: ["h264", "mjpeg"],
    });
    await waitFor(() => media.sends.length > 1, { message: "the new send list" });
    assert.deepEqual(media.sends.at(-1), ["h264", "mjpeg"]);
    assert.equal(media.keyframes, 1);
    // Luis asks us for a keyframe.
    server.send({ type: "call", action: "keyframe", from: "Luis" });
    await waitFor(() => media.keyframes === 2, { message: "the keyframe request" });
    // Our page lost data from Luis: ask the server.
    media.params.requestKeyframe(1000043);
    const ask = await server.waitFor((m) => m.type === "call" && m.action === "keyframe");
    assert.equal(ask.client_id, 1000043);
    // A mute event updates the members and prints no chat line.
    server.send({
      type: "call",
      from: "Luis",
      action: "mute",
      muted: false,
      members: [
        { name: "Ana", client_id: 1000042 },
        { name: "Luis", client_id: 1000043, muted: false },
      ],
      send: ["h264", "mjpeg"],
    });
    await waitFor(() => media.members.some((m) => m.some((p) => "muted" in p)), {
      message: "the muted flag to reach the media",
    });
    assert.equal(c.events.some((e) => e.type === "call" && (e.action as string) === "mute"), false);
  } finally {
    await client.finish();
    await server.close();
  }
});
