import assert from "node:assert/strict";
import { FlagError, parseFlags } from "../client.ts";

/**
 * Checks the fields `expected` names (other helpers' flags add fields of
 * their own, tested in their own tests).
 */
function assertFlags(actual: object, expected: Record<string, unknown>): void {
  const picked = Object.fromEntries(
    Object.keys(expected).map((k) => [k, (actual as Record<string, unknown>)[k]]),
  );
  assert.deepEqual(picked, expected);
}

Deno.test("parseFlags() gives the documented defaults", () => {
  assertFlags(parseFlags(["--name", "Ana"]), {
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
  assertFlags(flags, {
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
    (e) => e instanceof FlagError && e.message === "La opción --colour no existe",
  );
});

Deno.test("parseFlags() says every option error in the chosen language, with a suggestion", () => {
  const cases: Array<[string[], string]> = [
    [["--nmae", "Ana"], "La opción --nmae no existe. ¿Querías decir --name?"],
    [["--lang", "en", "--nmae", "Ana"], "There is no option --nmae. Did you mean --name?"],
    [["--name"], "La opción --name necesita un valor (por ejemplo --name Ana)"],
    [["--help=yes"], "La opción --help no lleva valor"],
    [["Ana"], "No se esperaba «Ana». Las opciones empiezan por -- (por ejemplo --name Ana)"],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseFlags(args), (e) => {
      assert.ok(e instanceof FlagError);
      assert.equal(e.message, message);
      assert.doesNotMatch(e.message, /Unknown option|Unexpected argument|Option '/);
      return true;
    });
  }
});

Deno.test("parseFlags() accepts the leading -- that deno task passes on", () => {
  const flags = parseFlags(["--", "--name", "Ana", "--chat-port", "12009"]);
  assert.equal(flags.name, "Ana");
  assert.equal(flags.chatPort, 12009);
});

Deno.test("parseFlags() understands --host with a port and explains a web address", () => {
  assert.deepEqual(
    [
      parseFlags(["--host", "127.0.0.1:12009"]).host,
      parseFlags(["--host", "127.0.0.1:12009"]).chatPort,
    ],
    ["127.0.0.1", 12009],
  );
  const v6 = parseFlags(["--host", "[::1]:12009"]);
  assert.deepEqual([v6.host, v6.chatPort], ["::1", 12009]);
  assert.equal(parseFlags(["--host", "fe80::1"]).host, "fe80::1");
  assert.equal(parseFlags(["--host", "10.0.0.2:12009", "--chat-port", "12009"]).chatPort, 12009);
  assert.throws(
    () => parseFlags(["--host", "http://192.168.1.10:9009/"]),
    (e) => e instanceof FlagError && /^--host espera la dirección IP/.test(e.message),
  );
  assert.throws(
    () => parseFlags(["--host", "10.0.0.2:12009", "--chat-port", "9009"]),
    (e) => e instanceof FlagError && /usa solo uno/.test(e.message),
  );
  assert.throws(() => parseFlags(["--host", "10.0.0.2:99999"]), FlagError);
  // Not an address at all: said before connecting (was "invalid char found in FQDN").
  for (const bad of ["<IP>", "192.168.1.10/24", "aula 3", "[zz]:9009", "pc..local"]) {
    assert.throws(
      () => parseFlags(["--host", bad]),
      (e) => e instanceof FlagError && e.message.startsWith("Valor no válido para --host"),
      bad,
    );
  }
  for (
    const good of [
      "pc-profe",
      "aula3.local",
      "10.0.0.2",
      "::1",
      "fe80::1%eth0",
      "ñandú.lan",
      "PC_PROFE",
    ]
  ) {
    assert.equal(parseFlags(["--host", good]).host, good);
  }
});
