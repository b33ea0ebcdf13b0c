/**
 * Builds the standalone executables: `deno task compile` writes
 * `dist/<target>/pc3-server[.exe]` and `pc3-client[.exe]` for Windows x64,
 * Linux x64 and macOS (x64 and arm64), the layout of dist/plan.ts. The client
 * embeds its own platform's ffmpeg (and only that one); the server embeds none.
 * It needs internet: the npm registry for each ffmpeg and Deno's download site
 * for each target's runtime.
 *
 * The ffmpeg binary of each target comes from the npm package
 * `@ffmpeg-installer/<platform>` and is embedded with `--include` at the path
 * lib/media/ffmpeg_path.ts looks at (`bundledRelativePath()`); at run time the
 * client copies it out to a cache folder, because the embedded file system is
 * read-only and cannot execute programs.
 *
 * Usage: deno task compile [--target windows-x64|linux-x64|macos-x64|macos-arm64]... [--dry-run]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { installerPlatform } from "../lib/media/ffmpeg_path.ts";
import { planTarget, projectRoot, selectTargets, type Target, TARGETS } from "./plan.ts";

const root = projectRoot(import.meta.url, Deno.build.os);
const npm = Deno.build.os === "windows" ? "npm.cmd" : "npm";

/** Fails with a readable message unless `root` is the project folder. */
function checkRoot(): void {
  for (const file of ["server.ts", "client.ts", "deno.json"]) {
    try {
      Deno.statSync(`${root}${file}`);
    } catch {
      throw new Error(`The project folder ${root} has no ${file}`);
    }
  }
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

/** Fetches the target's ffmpeg from the npm registry to where the client embeds it from. */
async function fetchFfmpeg(target: Target, relative: string): Promise<void> {
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
    await run(npm, ["pack", spec, "--pack-destination", work, "--silent"]);
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

async function build(target: Target, dryRun: boolean): Promise<void> {
  const plan = planTarget(target);
  if (dryRun) {
    console.log(`# ${target.name}: embeds ${plan.ffmpeg} in the client, nothing in the server`);
    console.log(`deno ${plan.serverArgs.join(" ")}`);
    console.log(`deno ${plan.clientArgs.join(" ")}`);
    for (const file of plan.extras) console.log(`copy ${file} ${plan.outDir}/`);
    return;
  }
  await Deno.mkdir(`${root}${plan.outDir}`, { recursive: true });
  await fetchFfmpeg(target, plan.ffmpeg);
  await run(Deno.execPath(), plan.serverArgs);
  await run(Deno.execPath(), plan.clientArgs);
  for (const file of plan.extras) {
    await Deno.copyFile(`${root}${file}`, `${root}${plan.outDir}/${file}`);
  }
  console.log(`${target.name}: ${plan.server}, ${plan.client}`);
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
  if (values.help) {
    const names = TARGETS.map((t) => t.name).join("|");
    console.log(`Usage: deno task compile [--target ${names}]... [--dry-run]`);
    return;
  }
  const targets = selectTargets(values.target);
  checkRoot();
  console.log(`# project folder: ${root}`);
  for (const target of targets) await build(target, values["dry-run"] === true);
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(1);
  }
}
