/**
 * The compile script cannot run here (deno compile downloads its runtimes), so
 * its commands are checked instead: each target embeds the ffmpeg that
 * lib/media/ffmpeg_path.ts looks for on that platform, and nothing test-only.
 */
import assert from "node:assert/strict";
import { compileArgs, excludedPaths, TARGETS } from "../dist/compile.ts";
import { buildCandidates, bundledRelativePath } from "../lib/media/ffmpeg_path.ts";

Deno.test("compileArgs() builds the server and a client that embeds its platform's ffmpeg", () => {
  const expected = {
    "windows-x64": ["x86_64-pc-windows-msvc", ".exe", "dist/ffmpeg/win32-x64/ffmpeg.exe"],
    "linux-x64": ["x86_64-unknown-linux-gnu", "-linux-x64", "dist/ffmpeg/linux-x64/ffmpeg"],
    "macos-x64": ["x86_64-apple-darwin", "-macos-x64", "dist/ffmpeg/darwin-x64/ffmpeg"],
    "macos-arm64": ["aarch64-apple-darwin", "-macos-arm64", "dist/ffmpeg/darwin-arm64/ffmpeg"],
  } as Record<string, [string, string, string]>;
  assert.deepEqual(TARGETS.map((t) => t.name).sort(), Object.keys(expected).sort());
  for (const target of TARGETS) {
    const [triple, suffix, ffmpeg] = expected[target.name];
    const [server, client] = compileArgs(target, ["node_modules/playwright-core"]);
    for (const args of [server, client]) {
      assert.equal(args[0], "compile");
      assert.equal(args[args.indexOf("--target") + 1], triple);
      assert.ok(args.includes("--unstable-net"), "UDP needs --unstable-net");
      assert.equal(args[args.indexOf("--exclude") + 1], "node_modules/playwright-core");
    }
    assert.equal(server.at(-1), "server.ts");
    assert.equal(server[server.indexOf("--output") + 1], `dist/pc3-server${suffix}`);
    assert.ok(!server.includes("--include"), "the server carries no ffmpeg");
    assert.equal(client.at(-1), "client.ts");
    assert.equal(client[client.indexOf("--output") + 1], `dist/pc3-client${suffix}`);
    assert.equal(client[client.indexOf("--include") + 1], ffmpeg);
    assert.equal(ffmpeg, bundledRelativePath(target.os, target.arch));
  }
});

Deno.test("the embedded ffmpeg path is one the compiled Windows client looks at", () => {
  const windows = TARGETS.find((t) => t.os === "windows")!;
  const [, client] = compileArgs(windows);
  const included = client[client.indexOf("--include") + 1];
  const candidates = buildCandidates({
    os: "windows",
    arch: "x86_64",
    execPath: "C:\\lab\\pc3-client.exe",
    moduleUrl:
      "file:///C:/Users/ana/AppData/Local/Temp/deno-compile-pc3-client/lib/media/ffmpeg_path.ts",
  });
  const bundled = candidates.find((c) => c.source === "bundled");
  assert.ok(bundled, "the compiled client looks for an embedded ffmpeg");
  assert.equal(bundled.copy, true, "an embedded file must be copied out before it can run");
  assert.equal(
    bundled.path,
    `C:\\Users\\ana\\AppData\\Local\\Temp\\deno-compile-pc3-client\\${
      included.replaceAll("/", "\\")
    }`,
  );
});

Deno.test("excludedPaths() finds test-only packages by name, whatever their version", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const name of [
        "node_modules/.deno/playwright-core@9.9.9",
        "node_modules/.deno/@ffmpeg-installer+linux-x64@4.1.0",
        "node_modules/.deno/jpeg-js@0.4.4",
        "node_modules/@ffmpeg-installer",
      ]
    ) await Deno.mkdir(`${dir}/${name}`, { recursive: true });
    assert.deepEqual(excludedPaths(`${dir}/`).sort(), [
      "node_modules/.deno/@ffmpeg-installer+linux-x64@4.1.0",
      "node_modules/.deno/playwright-core@9.9.9",
      "node_modules/@ffmpeg-installer",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
