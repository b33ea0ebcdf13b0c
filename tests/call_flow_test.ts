import assert from "node:assert/strict";
import { ChatClient } from "../lib/client/chat_client.ts";
import type { MediaParams, MediaSession } from "../lib/client/call_flow.ts";
import { collector, FakeServer, options, welcome } from "./chat_client_fixture.ts";
import { waitFor } from "./wait.ts";

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
