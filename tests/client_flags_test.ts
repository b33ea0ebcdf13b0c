import assert from "node:assert/strict";
import { FlagError, parseFlags } from "../client.ts";

Deno.test("parseFlags() gives the documented defaults", () => {
  assert.deepEqual(parseFlags(["--name", "Ana"]), {
    name: "Ana",
    host: "127.0.0.1",
    chatPort: 9009,
    filePort: undefined,
    mediaPort: undefined,
    downloads: "downloads",
    lang: "es",
    camera: undefined,
    listCameras: false,
    videoSource: "camera",
    videoView: "window",
    width: 320,
    height: 240,
    fps: 15,
    help: false,
  });
});

Deno.test("parseFlags() shows call video in the terminal when there is no display", () => {
  assert.equal(parseFlags([], false).videoView, "terminal");
  assert.equal(parseFlags(["--video-view", "none"], false).videoView, "none");
});

Deno.test("parseFlags() reads every option", () => {
  const flags = parseFlags([
    "--name=Luis",
    "--host",
    " 192.168.1.10 ",
    "--chat-port",
    "1",
    "--file-port",
    "65535",
    "--media-port",
    "9020",
    "--downloads",
    "dl",
    "--lang",
    "en",
    "--camera",
    "/dev/video2",
    "--list-cameras",
    "--video-source",
    "test",
    "--video-view",
    "terminal",
    "--video-size",
    "640x480",
    "--fps",
    "30",
    "-h",
  ]);
  assert.deepEqual(flags, {
    name: "Luis",
    host: "192.168.1.10",
    chatPort: 1,
    filePort: 65535,
    mediaPort: 9020,
    downloads: "dl",
    lang: "en",
    camera: "/dev/video2",
    listCameras: true,
    videoSource: "test",
    videoView: "terminal",
    width: 640,
    height: 480,
    fps: 30,
    help: true,
  });
});

Deno.test("parseFlags() refuses bad values with a message in the asked language", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--lang", "fr"], /--lang: fr \(es\|en\)/],
    [["--video-source", "tv"], /--video-source: tv/],
    [["--video-view", "wall"], /--video-view: wall/],
    [["--video-size", "8x8"], /--video-size: 8x8/],
    [["--video-size", "4000x100"], /--video-size: 4000x100/],
    [["--fps", "61"], /--fps: 61 \(1-60\)/],
    [["--host", "  "], /--host/],
    [["--chat-port", "0"], /--chat-port: 0 \(1-65535\)/],
    [["--file-port", "9x"], /--file-port: 9x/],
  ];
  for (const [args, pattern] of cases) {
    assert.throws(() => parseFlags(args), (e) => e instanceof FlagError && pattern.test(e.message));
  }
  assert.throws(
    () => parseFlags(["--lang", "en", "--fps", "0"]),
    (e) => e instanceof FlagError && e.message.startsWith("Invalid value for --fps"),
  );
  assert.throws(
    () => parseFlags(["--colour", "rojo"]),
    (e) => e instanceof FlagError && e.message.startsWith("Opción no válida"),
  );
});
