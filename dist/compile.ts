/**
 * Builds the standalone executables into dist/: `pc3-server` and `pc3-client` for
 * Windows x64 (`.exe`), Linux x64 and macOS (x64 and arm64), with ffmpeg bundled in
 * the client. Run with `deno task compile`; it needs internet (npm registry for the
 * ffmpeg binaries, Deno's download site for each target's runtime).
 *
 * The ffmpeg binary of each target comes from the npm package
 * `@ffmpeg-installer/<platform>` and is embedded with `--include` at the path
 * lib/media/ffmpeg_path.ts looks at (`bundledRelativePath()`: `dist/ffmpeg/<platform>/ffmpeg[.exe]`);
 * at run time the client copies it out to a cache folder, because the embedded file
 * system is read-only and cannot execute programs. Both sides use the same function,
 * and tests/compile_test.ts checks the commands this script would run.
 *
 * Usage: deno task compile [--target windows-x64|linux-x64|macos-x64|macos-arm64]... [--dry-run]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { bundledRelativePath, installerPlatform } from "../lib/media/ffmpeg_path.ts";

/** One build target. */
export interface Target {
  /** Short name used on the command line. */
  name: string;
  /** Rust target triple understood by `deno compile --target`. */
  triple: string;
  /** `Deno.build.os` and `Deno.build.arch` of the machines that run it. */
  os: "windows" | "linux" | "darwin";
  arch: "x86_64" | "aarch64";
  /** Suffix of the output files. */
  suffix: string;
  /** Version of the `@ffmpeg-installer/<platform>` package bundled. */
  ffmpegVersion: string;
}

/** Every target `deno task compile` builds by default. */
export const TARGETS: readonly Target[] = [
  {
    name: "windows-x64",
    triple: "x86_64-pc-windows-msvc",
    os: "windows",
    arch: "x86_64",
    suffix: ".exe",
    ffmpegVersion: "4.1.0",
  },
  {
    name: "linux-x64",
    triple: "x86_64-unknown-linux-gnu",
    os: "linux",
    arch: "x86_64",
    suffix: "-linux-x64",
    ffmpegVersion: "4.1.0",
  },
  {
    name: "macos-x64",
    triple: "x86_64-apple-darwin",
    os: "darwin",
    arch: "x86_64",
    suffix: "-macos-x64",
    ffmpegVersion: "4.1.0",
  },
  {
    name: "macos-arm64",
    triple: "aarch64-apple-darwin",
    os: "darwin",
    arch: "aarch64",
    suffix: "-macos-arm64",
    ffmpegVersion: "4.1.5",
  },
];

const PERMISSIONS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--allow-run",
  // Deno.listenDatagram (media relay, call client) is behind this flag in Deno 2.9.
  "--unstable-net",
];

// Packages used only by tests and by `deno run` (the npm ffmpeg of the build machine,
// ~70 MB): the executables must not carry them. Matched by name in node_modules/.deno
// and node_modules, whatever their versions.
const EXCLUDED_PACKAGES = [/^@ffmpeg-installer\b/, /^playwright-core\b/];

const root = new URL("../", import.meta.url).pathname.replace(/^\/([A-Za-z]:)/, "$1");

/** The node_modules paths of the excluded packages present in `projectRoot`. */
export function excludedPaths(projectRoot: string = root): string[] {
  const paths: string[] = [];
  for (const dir of ["node_modules/.deno", "node_modules"]) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(`${projectRoot}${dir}`)];
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (EXCLUDED_PACKAGES.some((re) => re.test(entry.name))) paths.push(`${dir}/${entry.name}`);
    }
  }
  return paths;
}

/**
 * The two `deno compile` argument lists for a target: the server, then the client
 * with the target's ffmpeg embedded. Pure, so tests check it without compiling.
 */
export function compileArgs(target: Target, excludes: string[] = []): string[][] {
  const common = [
    "compile",
    ...PERMISSIONS,
    ...excludes.flatMap((path) => ["--exclude", path]),
    "--target",
    target.triple,
  ];
  return [
    [...common, "--output", `dist/pc3-server${target.suffix}`, "server.ts"],
    [
      ...common,
      "--include",
      bundledRelativePath(target.os, target.arch),
      "--output",
      `dist/pc3-client${target.suffix}`,
      "client.ts",
    ],
  ];
}

async function run(cmd: string, args: string[]): Promise<void> {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  const { code } = await new Deno.Command(cmd, {
    args,
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error(`Command failed with exit code ${code}: ${cmd} ${args[0]}`);
}

/** Fetches the target's ffmpeg from the npm registry to where the client looks for it. */
async function fetchFfmpeg(target: Target): Promise<void> {
  const relative = bundledRelativePath(target.os, target.arch);
  try {
    await Deno.stat(`${root}${relative}`);
    return;
  } catch {
    // Not fetched yet.
  }
  const work = await Deno.makeTempDir({ prefix: "pc3-ffmpeg-" });
  try {
    const spec = `@ffmpeg-installer/${
      installerPlatform(target.os, target.arch)
    }@${target.ffmpegVersion}`;
    await run("npm", ["pack", spec, "--pack-destination", work, "--silent"]);
    const tarball = [...Deno.readDirSync(work)].find((e) => e.name.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack produced no tarball: ${spec}`);
    await run("tar", ["-xzf", `${work}/${tarball.name}`, "-C", work]);
    const binary = relative.slice(relative.lastIndexOf("/") + 1);
    await Deno.mkdir(`${root}${relative.slice(0, relative.lastIndexOf("/"))}`, { recursive: true });
    await Deno.copyFile(`${work}/package/${binary}`, `${root}${relative}`);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      target: { type: "string", multiple: true },
      "dry-run": { type: "boolean" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  const names = TARGETS.map((t) => t.name);
  if (values.help) {
    console.log(`Usage: deno task compile [--target ${names.join("|")}]... [--dry-run]`);
    return;
  }
  const targets = (values.target ?? names).map((name) => {
    const target = TARGETS.find((t) => t.name === name);
    if (!target) throw new Error(`Unknown target: ${name} (use ${names.join(", ")})`);
    return target;
  });
  const excludes = excludedPaths();
  for (const target of targets) {
    const [server, client] = compileArgs(target, excludes);
    if (values["dry-run"]) {
      for (const args of [server, client]) console.log(`deno ${args.join(" ")}`);
      continue;
    }
    await run(Deno.execPath(), server);
    await fetchFfmpeg(target);
    await run(Deno.execPath(), client);
  }
  if (!values["dry-run"]) console.log("Executables written to dist/");
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(1);
  }
}
