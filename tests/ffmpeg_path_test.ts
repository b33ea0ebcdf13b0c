import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildCandidates,
  bundledRelativePath,
  ffmpegBinaryName,
  FfmpegNotFoundError,
  type FfmpegProbe,
  findFfmpeg,
  installerPlatform,
  makeSystemProbe,
  pickFfmpeg,
} from "../lib/media/ffmpeg_path.ts";
import { withDeadline } from "./wait.ts";

function fakeProbe(files: Record<string, "runs" | "noexec">, log: string[] = []): FfmpegProbe {
  return {
    exists: (p) => Promise.resolve(p in files),
    runs: (p) => {
      log.push(`run ${p}`);
      return Promise.resolve(files[p] === "runs" || (p === "ffmpeg" && "PATH" in files));
    },
    install: (p) => {
      log.push(`install ${p}`);
      const copy = `/cache/${p.split("/").at(-1)}`;
      files[copy] = "runs";
      return Promise.resolve(copy);
    },
  };
}

Deno.test("pickFfmpeg() takes the first candidate that runs", async () => {
  const found = await pickFfmpeg(
    [
      { source: "npm", path: "/nm/ffmpeg" },
      { source: "path", path: "ffmpeg" },
    ],
    fakeProbe({ "/nm/ffmpeg": "runs", PATH: "runs" }),
  );
  assert.deepEqual(found, { path: "/nm/ffmpeg", source: "npm" });
});

Deno.test("pickFfmpeg() copies an npm binary without the exec bit to the cache", async () => {
  const log: string[] = [];
  const found = await pickFfmpeg(
    [{ source: "npm", path: "/nm/ffmpeg" }],
    fakeProbe({ "/nm/ffmpeg": "noexec" }, log),
  );
  assert.deepEqual(found, { path: "/cache/ffmpeg", source: "npm" });
  assert.deepEqual(log, ["run /nm/ffmpeg", "install /nm/ffmpeg", "run /cache/ffmpeg"]);
});

Deno.test("pickFfmpeg() installs an embedded binary before running it", async () => {
  const log: string[] = [];
  const found = await pickFfmpeg(
    [
      { source: "npm", path: "/missing/ffmpeg" },
      { source: "bundled", path: "/bundle/dist/ffmpeg/linux-x64/ffmpeg", copy: true },
      { source: "path", path: "ffmpeg" },
    ],
    fakeProbe({ "/bundle/dist/ffmpeg/linux-x64/ffmpeg": "noexec", PATH: "runs" }, log),
  );
  assert.equal(found.source, "bundled");
  assert.equal(log[0], "install /bundle/dist/ffmpeg/linux-x64/ffmpeg");
});

Deno.test("pickFfmpeg() falls back to the PATH", async () => {
  const found = await pickFfmpeg(
    [
      { source: "npm", path: "/missing/ffmpeg" },
      { source: "path", path: "ffmpeg" },
    ],
    fakeProbe({ PATH: "runs" }),
  );
  assert.deepEqual(found, { path: "ffmpeg", source: "path" });
});

Deno.test("pickFfmpeg() names every place tried when none works", async () => {
  const probe = fakeProbe({});
  probe.install = () => Promise.reject(new Error("Read-only"));
  await assert.rejects(
    pickFfmpeg([
      { source: "npm", path: "/missing/ffmpeg" },
      { source: "path", path: "ffmpeg" },
    ], probe),
    (e: unknown) => {
      assert.ok(e instanceof FfmpegNotFoundError);
      assert.match(
        e.message,
        /No working ffmpeg found, tried: npm: \/missing\/ffmpeg, path: ffmpeg/,
      );
      return true;
    },
  );
});

Deno.test("installerPlatform() and bundledRelativePath() match the compile script's layout", () => {
  assert.equal(installerPlatform("windows", "x86_64"), "win32-x64");
  assert.equal(installerPlatform("darwin", "aarch64"), "darwin-arm64");
  assert.equal(bundledRelativePath("windows", "x86_64"), "dist/ffmpeg/win32-x64/ffmpeg.exe");
  assert.equal(bundledRelativePath("linux", "x86_64"), "dist/ffmpeg/linux-x64/ffmpeg");
});

Deno.test("findFfmpeg() finds a working ffmpeg on this machine", async () => {
  const found = await findFfmpeg();
  const version = new Deno.Command(found.path, { args: ["-hide_banner", "-version"] }).output();
  const out = await withDeadline(version, 20_000, "ffmpeg -version");
  assert.ok(out.success);
  assert.match(new TextDecoder().decode(out.stdout), /ffmpeg version/);
});

Deno.test("buildCandidates() for the compiled Windows client: env, beside the .exe, embedded copy, PATH", () => {
  const list = buildCandidates({
    os: "windows",
    arch: "x86_64",
    envPath: "D:\\tools\\ffmpeg.exe",
    execPath: "C:\\Program Files\\PC3\\pc3-client.exe",
    moduleUrl:
      "file:///C:/Users/ana/AppData/Local/Temp/deno-compile-pc3-client.exe/lib/media/ffmpeg_path.ts",
  });
  assert.deepEqual(list, [
    { source: "env", path: "D:\\tools\\ffmpeg.exe" },
    { source: "beside", path: "C:\\Program Files\\PC3\\ffmpeg.exe" },
    {
      source: "bundled",
      path:
        "C:\\Users\\ana\\AppData\\Local\\Temp\\deno-compile-pc3-client.exe\\dist\\ffmpeg\\win32-x64\\ffmpeg.exe",
      copy: true,
    },
    { source: "path", path: "ffmpeg" },
  ]);
});

Deno.test("buildCandidates() under deno run: npm package first, nothing beside the deno binary", () => {
  const list = buildCandidates({
    os: "linux",
    arch: "x86_64",
    npmPath:
      "/p/node_modules/.deno/@ffmpeg-installer+ffmpeg@1.1.0/node_modules/@ffmpeg-installer/linux-x64/ffmpeg",
    npmDirEntries: [
      "@ffmpeg-installer+linux-x64@4.1.0",
      "@ffmpeg-installer+win32-x64@4.1.0",
      "jpeg-js@0.4.4",
    ],
    execPath: "/usr/bin/deno",
    moduleUrl: "file:///p/lib/media/ffmpeg_path.ts",
  });
  assert.deepEqual(list.map((c) => c.source), ["npm", "npm", "bundled", "path"]);
  assert.equal(
    list[1].path,
    "/p/node_modules/.deno/@ffmpeg-installer+linux-x64@4.1.0/node_modules/@ffmpeg-installer/linux-x64/ffmpeg",
  );
  assert.equal(list[2].path, "/p/dist/ffmpeg/linux-x64/ffmpeg");
});

Deno.test("the system probe copies a non-executable ffmpeg (embedded or without exec bit) to the cache and runs it", async () => {
  const real = (await findFfmpeg()).path;
  const dir = await Deno.makeTempDir({ prefix: "pc3-ffmpeg-path-" });
  try {
    // The platform's own name: on Windows a file without .exe does not run at all.
    const folder = join(dir, "bundle", "dist", "ffmpeg", installerPlatform());
    const bundled = join(folder, ffmpegBinaryName());
    await Deno.mkdir(folder, { recursive: true });
    await Deno.copyFile(real, bundled);
    if (Deno.build.os !== "windows") await Deno.chmod(bundled, 0o644);
    const probe = makeSystemProbe(join(dir, "cache"));
    assert.equal(await probe.runs(bundled).catch(() => false), Deno.build.os === "windows");
    for (const copy of [true, false]) {
      const found = await pickFfmpeg([{ source: "bundled", path: bundled, copy }], probe);
      // Windows has no exec bit: a plain file there runs in place unless it must be copied.
      const inPlace = !copy && Deno.build.os === "windows";
      assert.equal(found.path.startsWith(join(dir, "cache")), !inPlace, found.path);
      assert.ok(await probe.runs(found.path));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
