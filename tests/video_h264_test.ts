/**
 * H.264 between PC3 clients through the real relay and Room, shown in the call
 * window page in headless Chromium (WebCodecs): a window-view member receives
 * H.264 (pixels change, labels right), a member that takes only MJPEG still
 * gets video in the same call, and keyframe requests travel page -> chat ->
 * sender.
 */
import assert from "node:assert/strict";
import { CallMedia, type CallMediaOptions } from "../lib/media/call_media.ts";
import type { VideoCodec } from "../lib/protocol/call_codecs.ts";
import { decodeMessage, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import { serveMedia } from "../lib/server/relay/udp_server.ts";
import { Room } from "../lib/server/room/room.ts";
import {
  browserTest,
  closeBrowser,
  launchChromium,
  newPage,
  waitInPage,
} from "./chromium_launch.ts";
import { waitFor } from "./wait.ts";

const encoder = new TextEncoder();

/** A chat member of the real Room; `onKeyframe` runs when the server forwards a request. */
function member(room: Room, name: string, port: number, video: VideoCodec[]) {
  const decoder = new FrameDecoder();
  const frames: Message[] = [];
  const hooks = { onKeyframe: () => {}, keyframesAsked: 0 };
  const conn = room.connect({
    ip: "127.0.0.1",
    port,
    send(bytes) {
      decoder.push(bytes);
      let p: Uint8Array | null;
      while ((p = decoder.next()) !== null) {
        const f = decodeMessage(p);
        frames.push(f);
        if (f.type === "call" && f.action === "keyframe") {
          hooks.keyframesAsked++;
          hooks.onKeyframe();
        }
      }
      return true;
    },
    close() {},
  });
  const say = (m: Message) => conn.receive(encoder.encode(JSON.stringify(m)));
  say({ type: "hello", version: 2, name });
  say({ type: "call", action: "start", video });
  const joined = frames.findLast((f) => f.type === "call_joined")!;
  const send = () =>
    frames.findLast((f) => f.type === "call" || f.type === "call_joined")!.send as VideoCodec[];
  return { say, hooks, send, token: String(joined.token), clientId: Number(joined.client_id) };
}

browserTest(
  "H.264 reaches a window page through the relay (pixels change, labels right), MJPEG still reaches an MJPEG member",
  async () => {
    const room = new Room({ lang: "en" });
    const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const server = serveMedia(socket, { room, acceptV1: true });
    const mediaPort = (socket.addr as Deno.NetAddr).port;
    const ana = member(room, "Ana", 40001, ["h264", "mjpeg"]); // the window
    const bea = member(room, "Bea", 40002, ["h264", "mjpeg"]); // sends both
    const car = member(room, "Car", 40003, ["mjpeg"]); // a terminal view
    assert.deepEqual(bea.send(), ["h264", "mjpeg"]);
    const logs: string[] = [];
    const options = (who: typeof ana, over: Partial<CallMediaOptions>): CallMediaOptions => ({
      host: "127.0.0.1",
      mediaPort,
      token: who.token,
      clientId: who.clientId,
      source: "test",
      view: "none",
      width: 160,
      height: 120,
      fps: 15,
      lang: "en",
      log: (l) => logs.push(l),
      onLeave() {},
      send: who.send(),
      requestKeyframe: (id) => who.say({ type: "call", action: "keyframe", client_id: id }),
      ...over,
    });
    const previous = Deno.env.get("PC3_NO_BROWSER");
    Deno.env.set("PC3_NO_BROWSER", "1");
    const medias: CallMedia[] = [];
    const browser = await launchChromium();
    try {
      const a = await CallMedia.start(
        options(ana, { view: "window", source: "none", offer: ["h264", "mjpeg"] }),
      );
      medias.push(a);
      const b = await CallMedia.start(options(bea, { offer: ["h264", "mjpeg"] }));
      medias.push(b);
      bea.hooks.onKeyframe = () => b.sendKeyframe();
      const c = await CallMedia.start(options(car, { offer: ["mjpeg"] }));
      medias.push(c);
      const members = room.callMembers();
      for (const m of medias) m.setMembers(members);
      const url = /(http:\/\/127\.0\.0\.1:\d+\/open\/\w+)/.exec(logs.join("\n"))?.[1];
      assert.ok(url, logs.join("\n"));
      const page = await newPage(browser);
      await page.goto(url);
      // Bea's tile decodes H.264 on a canvas; Car's (MJPEG only) shows JPEG pictures.
      await waitInPage(
        page,
        () => {
          const d = (globalThis as any).document;
          const bea = [...d.querySelectorAll(".tile")].find((t: any) =>
            t.textContent.includes("Bea")
          );
          return bea?.classList.contains("h264") && bea.querySelector("canvas")?.width === 160;
        },
        "Bea's H.264 video",
      );
      await waitInPage(
        page,
        () => {
          const d = (globalThis as any).document;
          const car = [...d.querySelectorAll(".tile")].find((t: any) =>
            t.textContent.includes("Car")
          );
          return car?.querySelector("img")?.naturalWidth === 160;
        },
        "Car's MJPEG picture",
      );
      const names = await page.$$eval(".tile .name", (els) => els.map((e) => e.textContent));
      assert.deepEqual(names, ["Bea", "Car"]);
      // The pixels of Bea's tile change over time (ffmpeg's test pattern moves).
      const pixels = () =>
        page.evaluate(() => {
          const d = (globalThis as any).document;
          const tile = [...d.querySelectorAll(".tile")].find((t: any) =>
            t.textContent.includes("Bea")
          );
          const canvas = tile.querySelector("canvas");
          const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          let sum = 0;
          for (let i = 0; i < data.length; i += 4) {
            sum = (sum * 31 + data[i] + data[i + 1] * 7) >>> 0;
          }
          return sum;
        });
      const first = await pixels();
      await waitFor(async () => (await pixels()) !== first, { message: "Bea's pixels to change" });
      await waitInPage(
        page,
        () => (globalThis as any).pc3Page.h264.shown >= 10,
        "ten H.264 frames",
      );
      // Car, an MJPEG member, receives Bea's video; Ana's window got only H.264 from Bea.
      await waitFor(() => c.counters.received > 3, { message: "Car's MJPEG frames" });
      assert.equal(server.stats().dropped.unexpected_kind, 0);
      // Bea's /call stats say she sends both formats.
      assert.match(
        b.statsLines().join("\n"),
        /Formats sent: H\.264 \+ MJPEG \([1-9]\d* MJPEG, [1-9]\d* H\.264\)/,
      );
      // The page asked for a keyframe when it joined mid-stream, and Bea was told (it
      // may also have started on a keyframe, in which case nobody had to ask).
      const asked = await page.evaluate(() => (globalThis as any).pc3Page.h264.asked);
      if (asked > 0) {
        await waitFor(() => bea.hooks.keyframesAsked > 0, { message: "Bea to be asked" });
      } else assert.equal(bea.hooks.keyframesAsked, 0);
    } finally {
      await closeBrowser(browser);
      for (const m of medias) await m.close();
      await server.close();
      if (previous === undefined) Deno.env.delete("PC3_NO_BROWSER");
      else Deno.env.set("PC3_NO_BROWSER", previous);
    }
  },
);
