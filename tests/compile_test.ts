/**
 * The compile script cannot build here (deno compile downloads its runtimes),
 * so its plan is checked instead: each target embeds only the ffmpeg that
 * lib/media/ffmpeg_path.ts looks for on that platform, the server embeds
 * nothing, and the script finds the project in a folder whose path has spaces
 * and accents.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { planTarget, projectRoot, selectTargets, TARGETS } from "../dist/plan.ts";
import { buildCandidates, bundledRelativePath } from "../lib/media/ffmpeg_path.ts";
import { root } from "./pipe_processes.ts";
import { withDeadline } from "./wait.ts";

const valueOf = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

Deno.test("planTarget() builds a server with nothing embedded and a client with its own ffmpeg only", () => {
  const expected: Record<string, [string, string, string]> = {
    "windows-x64": ["x86_64-pc-windows-msvc", ".exe", "dist/ffmpeg/win32-x64/ffmpeg.exe"],
    "linux-x64": ["x86_64-unknown-linux-gnu", "", "dist/ffmpeg/linux-x64/ffmpeg"],
    "macos-x64": ["x86_64-apple-darwin", "", "dist/ffmpeg/darwin-x64/ffmpeg"],
    "macos-arm64": ["aarch64-apple-darwin", "", "dist/ffmpeg/darwin-arm64/ffmpeg"],
  };
  assert.deepEqual(TARGETS.map((t) => t.name).sort(), Object.keys(expected).sort());
  for (const target of TARGETS) {
    const [triple, exe, ffmpeg] = expected[target.name];
    const plan = planTarget(target);
    for (const args of [plan.serverArgs, plan.clientArgs]) {
      assert.equal(args[0], "compile");
      assert.equal(valueOf(args, "--target"), triple);
      assert.ok(args.includes("--unstable-net"), "UDP needs --unstable-net");
      // The build machine's node_modules (its own ffmpeg, playwright) is never embedded.
      assert.ok(args.includes("--node-modules-dir=none"), `${target.name}: ${args}`);
      assert.ok(args.includes("--exclude-unused-npm"), `${target.name}: ${args}`);
    }
    assert.equal(plan.serverArgs.at(-1), "server.ts");
    assert.equal(valueOf(plan.serverArgs, "--output"), `dist/${target.name}/pc3-server${exe}`);
    assert.ok(!plan.serverArgs.includes("--include"), "the server carries no ffmpeg");
    assert.equal(plan.clientArgs.at(-1), "client.ts");
    assert.equal(valueOf(plan.clientArgs, "--output"), `dist/${target.name}/pc3-client${exe}`);
    const includes = plan.clientArgs.filter((_, i) => plan.clientArgs[i - 1] === "--include");
    assert.deepEqual(includes, [ffmpeg], `${target.name} embeds exactly its own ffmpeg`);
    assert.equal(ffmpeg, bundledRelativePath(target.os, target.arch));
  }
});

Deno.test("the Windows build ships the firewall script next to the executables", () => {
  for (const target of TARGETS) {
    const extras = planTarget(target).extras;
    assert.deepEqual(extras, target.os === "windows" ? ["configurar_firewall.ps1"] : []);
    for (const file of extras) Deno.statSync(join(root, file));
  }
});

Deno.test("projectRoot() decodes percent-escapes, drive letters and shares", () => {
  assert.equal(
    projectRoot("file:///home/Juan%20P%C3%A9rez/pc3/dist/compile.ts", "linux"),
    "/home/Juan Pérez/pc3/",
  );
  assert.equal(
    projectRoot("file:///C:/Users/Juan%20P%C3%A9rez/Mis%20cosas/pc3/dist/compile.ts", "windows"),
    "C:\\Users\\Juan Pérez\\Mis cosas\\pc3\\",
  );
  assert.equal(
    projectRoot("file://aula-srv/compartido/pc3/dist/compile.ts", "windows"),
    "\\\\aula-srv\\compartido\\pc3\\",
  );
  assert.throws(() => projectRoot("https://example.com/pc3/dist/compile.ts", "linux"), TypeError);
});

Deno.test("selectTargets() takes every target by default and names the valid ones on a typo", () => {
  assert.equal(selectTargets(undefined).length, TARGETS.length);
  assert.deepEqual(selectTargets(["linux-x64"]).map((t) => t.name), ["linux-x64"]);
  assert.throws(() => selectTargets(["windows"]), /Unknown target: windows \(use windows-x64, /);
});

Deno.test("deno task compile --dry-run works from a folder with spaces and accents", async () => {
  const base = await Deno.makeTempDir({ prefix: "pc3-compile-" });
  const project = join(base, "Juan Pérez", "mis proyectos", "pc3");
  try {
    for (const file of ["dist/compile.ts", "dist/plan.ts", "lib/media/ffmpeg_path.ts"]) {
      await Deno.mkdir(join(project, file, ".."), { recursive: true });
      await Deno.copyFile(join(root, file), join(project, file));
    }
    for (const file of ["server.ts", "client.ts", "deno.json"]) {
      await Deno.writeTextFile(join(project, file), file.endsWith(".json") ? "{}" : "");
    }
    const output = await withDeadline(
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-lock", "--allow-read", "dist/compile.ts", "--dry-run"],
        cwd: project,
        stdout: "piped",
        stderr: "piped",
      }).output(),
      60_000,
      "compile --dry-run",
    );
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, text);
    assert.ok(text.includes(`# project folder: ${project}`), text);
    for (const target of TARGETS) {
      assert.ok(text.includes(`--output dist/${target.name}/pc3-client`), text);
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("the embedded ffmpeg path is one the compiled Windows client looks at", () => {
  const windows = TARGETS.find((t) => t.os === "windows")!;
  const included = planTarget(windows).ffmpeg;
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
