/**
 * Builds the standalone executables into dist/: `pc3-server` and `pc3-client` for
 * Windows x64 (`.exe`), Linux x64 and macOS (x64 and arm64), with ffmpeg bundled in
 * the client. Run with `deno task compile`; it needs internet (npm registry for the
 * ffmpeg binaries, Deno's download site for each target's runtime).
 *
 * The ffmpeg binary of each target comes from the npm package
 * `@ffmpeg-installer/<platform>` and is embedded with `--include` at
 * `dist/ffmpeg/<platform>/ffmpeg[.exe]`; lib/ffmpeg_path.ts finds it there at run time
 * and copies it out to a cache folder, because the embedded file system is read-only
 * and cannot execute programs.
 *
 * Usage: deno task compile [--target windows-x64|linux-x64|macos-x64|macos-arm64]...
 *
 * @module
 */

import { parseArgs } from "node:util";

/** One build target. */
interface Target {
  /** Short name used in output file names and on the command line. */
  name: string;
  /** Rust target triple understood by `deno compile --target`. */
  triple: string;
  /** Executable suffix. */
  suffix: string;
  /** `@ffmpeg-installer` platform package and its version. */
  ffmpegPackage: string;
  ffmpegVersion: string;
  ffmpegBinary: string;
}

const TARGETS: Target[] = [
  {
    name: "windows-x64",
    triple: "x86_64-pc-windows-msvc",
    suffix: ".exe",
    ffmpegPackage: "win32-x64",
    ffmpegVersion: "4.1.0",
    ffmpegBinary: "ffmpeg.exe",
  },
  {
    name: "linux-x64",
    triple: "x86_64-unknown-linux-gnu",
    suffix: "-linux-x64",
    ffmpegPackage: "linux-x64",
    ffmpegVersion: "4.1.0",
    ffmpegBinary: "ffmpeg",
  },
  {
    name: "macos-x64",
    triple: "x86_64-apple-darwin",
    suffix: "-macos-x64",
    ffmpegPackage: "darwin-x64",
    ffmpegVersion: "4.1.0",
    ffmpegBinary: "ffmpeg",
  },
  {
    name: "macos-arm64",
    triple: "aarch64-apple-darwin",
    suffix: "-macos-arm64",
    ffmpegPackage: "darwin-arm64",
    ffmpegVersion: "4.1.5",
    ffmpegBinary: "ffmpeg",
  },
];

const PERMISSIONS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--allow-run",
];

// Deno.listenDatagram (media relay, call client) is still behind --unstable-net. deno.json's
// "unstable" list enables it too; the flag keeps the executables right whatever config is found.
const UNSTABLE = ["--unstable-net"];

// Packages used only by tests and by `deno run` (the npm ffmpeg of the build machine):
// the executables must not carry them.
const EXCLUDES = ["node_modules/.deno/playwright-core@1.65.1", "node_modules/@ffmpeg-installer"];

const root = new URL("../", import.meta.url).pathname.replace(/^\/([A-Za-z]:)/, "$1");

async function run(cmd: string, args: string[]): Promise<void> {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  const { code } = await new Deno.Command(cmd, {
    args,
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  })
    .output();
  if (code !== 0) throw new Error(`Command failed with exit code ${code}: ${cmd} ${args[0]}`);
}

/** Fetches the target's ffmpeg from the npm registry into dist/ffmpeg/<platform>/. */
async function fetchFfmpeg(target: Target): Promise<string> {
  const relative = `dist/ffmpeg/${target.ffmpegPackage}/${target.ffmpegBinary}`;
  try {
    await Deno.stat(`${root}${relative}`);
    return relative;
  } catch {
    // Not fetched yet.
  }
  const work = await Deno.makeTempDir({ prefix: "pc3-ffmpeg-" });
  try {
    const spec = `@ffmpeg-installer/${target.ffmpegPackage}@${target.ffmpegVersion}`;
    await run("npm", ["pack", spec, "--pack-destination", work, "--silent"]);
    const tarball = [...Deno.readDirSync(work)].find((e) => e.name.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack produced no tarball: ${spec}`);
    await run("tar", ["-xzf", `${work}/${tarball.name}`, "-C", work]);
    await Deno.mkdir(`${root}dist/ffmpeg/${target.ffmpegPackage}`, { recursive: true });
    await Deno.copyFile(`${work}/package/${target.ffmpegBinary}`, `${root}${relative}`);
    return relative;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

async function build(target: Target): Promise<void> {
  const excludes = EXCLUDES.flatMap((path) => ["--exclude", path]);
  await run(Deno.execPath(), [
    "compile",
    ...PERMISSIONS,
    ...UNSTABLE,
    ...excludes,
    "--target",
    target.triple,
    "--output",
    `dist/pc3-server${target.suffix}`,
    "server.ts",
  ]);
  const ffmpeg = await fetchFfmpeg(target);
  await run(Deno.execPath(), [
    "compile",
    ...PERMISSIONS,
    ...UNSTABLE,
    ...excludes,
    "--include",
    ffmpeg,
    "--target",
    target.triple,
    "--output",
    `dist/pc3-client${target.suffix}`,
    "client.ts",
  ]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { target: { type: "string", multiple: true }, help: { type: "boolean" } },
    strict: true,
  });
  if (values.help) {
    console.log(`Usage: deno task compile [--target ${TARGETS.map((t) => t.name).join("|")}]...`);
    return;
  }
  const wanted = values.target ?? TARGETS.map((t) => t.name);
  for (const name of wanted) {
    const target = TARGETS.find((t) => t.name === name);
    if (!target) {
      console.error(`Unknown target: ${name} (use ${TARGETS.map((t) => t.name).join(", ")})`);
      Deno.exit(2);
    }
    await build(target);
  }
  console.log("Executables written to dist/");
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(1);
  }
}
