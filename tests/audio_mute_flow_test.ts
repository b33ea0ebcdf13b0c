/**
 * Mute through the chat client: `/mute` outside a call is explained; in a
 * call, `/unmute` opens the microphone and tells the server; the server
 * muting us (the teacher) or refusing our `unmute` closes it again, so the
 * client never sends sound the room does not allow.
 */
import assert from "node:assert/strict";
import { ChatClient } from "../lib/client/chat_client.ts";
import type { MediaParams, MediaSession } from "../lib/client/call_flow.ts";
import { collector, FakeServer, options, welcome } from "./chat_client_fixture.ts";
import { waitFor } from "./wait.ts";

/** A media session whose microphone behaves like CallAudio's: changes go to the server hook. */
class FakeMicMedia implements MediaSession {
  muted = true;
  calls: boolean[] = [];
  constructor(readonly params: MediaParams) {}
  setMembers(): void {}
  statsLines(): string[] {
    return [];
  }
  setMuted(muted: boolean): boolean {
    this.calls.push(muted);
    if (muted === this.muted) return false;
    this.muted = muted;
    this.params.onMuteChange?.(muted);
    return true;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test("mute: /unmute tells the server; a teacher's mute or a refused unmute closes the microphone", async () => {
  const server = new FakeServer((fake, hello) => fake.send(welcome(String(hello.name))));
  const c = collector();
  const medias: FakeMicMedia[] = [];
  const client = await ChatClient.connect(options(server.port, c, {
    startMedia: (p) => {
      const m = new FakeMicMedia(p);
      medias.push(m);
      return Promise.resolve(m);
    },
  }));
  try {
    client.handleLine("/mute");
    assert.deepEqual(await c.next("notice"), { type: "notice", key: "audio_not_in_call" });
    client.handleLine("/call start");
    const start = await server.waitFor((m) => m.type === "call" && m.action === "start");
    assert.equal(start.audio, true, "call start says the client takes part in audio");
    const members = [{ name: "Luis", client_id: 41 }, { name: "Ana", client_id: 42, muted: true }];
    server.send({ type: "call_joined", token: "0".repeat(32), client_id: 42, members });
    await waitFor(() => medias.length === 1, { message: "the media to start" });
    const media = medias[0];

    client.handleLine("/unmute");
    await server.waitFor((m) => m.type === "call" && m.action === "unmute");
    assert.equal(media.muted, false);

    // The server refuses it (the teacher muted Ana): the microphone closes again.
    server.send({ type: "error", code: "muted", message: "El profesor te silenció" });
    await waitFor(() => media.muted, { message: "the refused unmute to close the microphone" });

    client.handleLine("/unmute");
    await waitFor(() => !media.muted, { message: "unmuted again" });
    // The teacher mutes Ana during the call: a mute event about her.
    server.send({
      type: "call",
      action: "mute",
      from: "Ana",
      muted: true,
      client_id: 42,
      members,
      send: ["mjpeg"],
    });
    await waitFor(() => media.muted, { message: "the server's mute to close the microphone" });
    // Someone else's mute leaves ours alone.
    client.handleLine("/unmute");
    await waitFor(() => !media.muted, { message: "unmuted once more" });
    server.send({
      type: "call",
      action: "mute",
      from: "Luis",
      muted: true,
      members,
      send: ["mjpeg"],
    });
    // A later frame the client shows: by then Luis's event was handled.
    server.send({ type: "call", action: "start", from: "Eva", members, send: ["mjpeg"] });
    await c.next("call");
    assert.equal(media.muted, false);
    assert.deepEqual(media.calls, [false, true, false, true, false]);
  } finally {
    await client.close();
    await server.close();
  }
});
