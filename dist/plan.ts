/**
 * What `deno task compile` builds, as data: the targets, the project root, and
 * for each target the two `deno compile` commands and the files that ship next
 * to the executables. Pure (no I/O), so tests check the plan on any machine,
 * including the ones that cannot download Deno's runtimes.
 *
 * Layout of a build, one folder per target so every platform's programs have
 * the same names:
 *
 * ```text
 * dist/windows-x64/pc3-server.exe  pc3-client.exe  configurar_firewall.ps1
 * dist/linux-x64/pc3-server        pc3-client
 * dist/macos-x64/pc3-server        pc3-client
 * dist/macos-arm64/pc3-server      pc3-client
 * ```
 *
 * @module
 */

import { bundledRelativePath } from "../lib/media/ffmpeg_path.ts";

/** One build target. */
export interface Target {
  /** Short name used on the command line and as the output folder. */
  name: string;
  /** Rust target triple understood by `deno compile --target`. */
  triple: string;
  /** `Deno.build.os` and `Deno.build.arch` of the machines that run it. */
  os: "windows" | "linux" | "darwin";
  arch: "x86_64" | "aarch64";
  /** Version of the `@ffmpeg-installer/<platform>` package bundled in the client. */
  ffmpegVersion: string;
}

/** Every target `deno task compile` builds by default. */
export const TARGETS: readonly Target[] = [
  {
    name: "windows-x64",
    triple: "x86_64-pc-windows-msvc",
    os: "windows",
    arch: "x86_64",
    ffmpegVersion: "4.1.0",
  },
  {
    name: "linux-x64",
    triple: "x86_64-unknown-linux-gnu",
    os: "linux",
    arch: "x86_64",
    ffmpegVersion: "4.1.0",
  },
  {
    name: "macos-x64",
    triple: "x86_64-apple-darwin",
    os: "darwin",
    arch: "x86_64",
    ffmpegVersion: "4.1.0",
  },
  {
    name: "macos-arm64",
    triple: "aarch64-apple-darwin",
    os: "darwin",
    arch: "aarch64",
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

// Embed only the npm packages the program imports statically, resolved from
// Deno's cache rather than the project's node_modules. The build machine's own
// ffmpeg (`@ffmpeg-installer/<its platform>`, ~65 MB, loaded by a dynamic
// import in lib/media/ffmpeg_path.ts) and the test-only playwright-core are
// then never embedded, whatever node_modules holds.
const NPM_SELECTION = ["--node-modules-dir=none", "--exclude-unused-npm"];

/** Files copied from the project root next to a target's executables. */
const SHIPPED_WITH: Record<Target["os"], string[]> = {
  windows: ["configurar_firewall.ps1"],
  linux: [],
  darwin: [],
};

/** The build of one target, with paths relative to the project root. */
export interface TargetPlan {
  target: Target;
  /** Folder of this target's files, e.g. `dist/windows-x64`. */
  outDir: string;
  /** Paths of the two executables. */
  server: string;
  client: string;
  /** `deno` arguments that build each executable. */
  serverArgs: string[];
  clientArgs: string[];
  /** The only file embedded with `--include`: the client's own ffmpeg. */
  ffmpeg: string;
  /** Project files copied into {@link TargetPlan.outDir}. */
  extras: string[];
}

/** File name of a program on a target: `pc3-client.exe` on Windows, `pc3-client` elsewhere. */
export function programName(program: "pc3-server" | "pc3-client", target: Target): string {
  return target.os === "windows" ? `${program}.exe` : program;
}

/**
 * The plan for one target: the server embeds nothing, the client embeds
 * its own platform's ffmpeg and nothing else.
 *
 * @example
 * ```ts
 * import { planTarget, TARGETS } from "./plan.ts";
 * const plan = planTarget(TARGETS[0]);
 * plan.client; // "dist/windows-x64/pc3-client.exe"
 * ```
 */
export function planTarget(target: Target): TargetPlan {
  const outDir = `dist/${target.name}`;
  const server = `${outDir}/${programName("pc3-server", target)}`;
  const client = `${outDir}/${programName("pc3-client", target)}`;
  const ffmpeg = bundledRelativePath(target.os, target.arch);
  const common = ["compile", ...PERMISSIONS, ...NPM_SELECTION, "--target", target.triple];
  return {
    target,
    outDir,
    server,
    client,
    serverArgs: [...common, "--output", server, "server.ts"],
    clientArgs: [...common, "--include", ffmpeg, "--output", client, "client.ts"],
    ffmpeg,
    extras: SHIPPED_WITH[target.os],
  };
}

/**
 * The project root as a native path, from the URL of a module in `dist/`.
 * Percent-escapes are decoded (a folder named `Juan Pérez` arrives as
 * `Juan%20P%C3%A9rez`), and a Windows URL gives a drive-letter path with
 * backslashes. The result ends with the separator.
 *
 * @example
 * ```ts
 * import { projectRoot } from "./plan.ts";
 * projectRoot("file:///home/Juan%20P%C3%A9rez/pc3/dist/compile.ts", "linux");
 * // "/home/Juan Pérez/pc3/"
 * ```
 */
export function projectRoot(moduleUrl: string, os: string): string {
  const url = new URL("../", moduleUrl);
  if (url.protocol !== "file:") throw new TypeError(`Not a file URL: ${moduleUrl}`);
  const path = decodeURIComponent(url.pathname);
  if (os !== "windows") return path;
  const local = path.replace(/^\/([A-Za-z]:)/, "$1").replaceAll("/", "\\");
  return url.host === "" ? local : `\\\\${url.host}${local}`;
}

/** The targets named on the command line (all when none), or a readable error. */
export function selectTargets(names: string[] | undefined): Target[] {
  const known = TARGETS.map((t) => t.name);
  return (names ?? known).map((name) => {
    const target = TARGETS.find((t) => t.name === name);
    if (!target) throw new Error(`Unknown target: ${name} (use ${known.join(", ")})`);
    return target;
  });
}
