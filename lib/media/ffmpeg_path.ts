/**
 * Finds an ffmpeg that runs, in this order:
 *
 * 1. `PC3_FFMPEG` from the environment, when set (an explicit override).
 * 2. The binary of the npm package `@ffmpeg-installer/ffmpeg` (its platform
 *    package, e.g. `@ffmpeg-installer/linux-x64`, ships it). Deno does not run
 *    the package's postinstall, so the file may lack the exec bit: when it
 *    exists but does not run it is copied to the cache folder with mode 755.
 * 3. The compiled client: `ffmpeg[.exe]` next to the executable
 *    (`Deno.execPath()`'s folder), else the copy embedded by
 *    `deno compile --include dist/ffmpeg/<platform>/ffmpeg[.exe]`. Embedded
 *    files are read-only and cannot be executed from the bundle, so that one
 *    is copied out to the cache folder first (once; the copy is reused while
 *    its size matches).
 * 4. `ffmpeg` on the PATH.
 *
 * The choice itself ({@link pickFfmpeg}) is pure: it takes the candidates and
 * callbacks, so tests drive it without touching the disk.
 *
 * @module
 */
import { dirname, join, posix, win32 } from "node:path";
import { fileURLToPath } from "node:url";
import { homedir } from "node:os";

/** One place ffmpeg may be. */
export interface FfmpegCandidate {
  /** Where it comes from, for messages: "env", "npm", "beside", "bundled", "path". */
  source: string;
  /** File path, or a bare command name looked up on the PATH. */
  path: string;
  /** Must be copied to the cache folder before it can run (embedded in the executable). */
  copy?: boolean;
}

/** What {@link pickFfmpeg} needs from the outside world. */
export interface FfmpegProbe {
  /** True when the file exists (bare names on the PATH are not checked). */
  exists(path: string): Promise<boolean>;
  /** True when `path -version` runs and succeeds. */
  runs(path: string): Promise<boolean>;
  /** Copies `path` to the cache folder, executable; returns the copy's path. */
  install(path: string): Promise<string>;
}

/** A working ffmpeg. */
export interface FfmpegFound {
  path: string;
  source: string;
}

/** No candidate ran; `tried` lists what was tried, for the message. */
export class FfmpegNotFoundError extends Error {
  override name = "FfmpegNotFoundError";
  readonly tried: string[];
  constructor(tried: string[]) {
    super(`No working ffmpeg found, tried: ${tried.join(", ")}`);
    this.tried = tried;
  }
}

/** True for a bare command name (no folder part), which the PATH resolves. */
export function isBareName(path: string): boolean {
  return !/[\\/]/.test(path);
}

/**
 * Returns the first candidate that runs. A candidate marked `copy` is
 * installed first; one that exists but does not run (no exec bit) is
 * installed and tried again. Throws {@link FfmpegNotFoundError} when none works.
 */
export async function pickFfmpeg(
  candidates: FfmpegCandidate[],
  probe: FfmpegProbe,
): Promise<FfmpegFound> {
  const tried: string[] = [];
  for (const c of candidates) {
    tried.push(`${c.source}: ${c.path}`);
    const bare = isBareName(c.path);
    if (!bare && !(await safe(() => probe.exists(c.path), false))) continue;
    if (c.copy) {
      const copy = await safe(() => probe.install(c.path), undefined);
      if (copy !== undefined && await safe(() => probe.runs(copy), false)) {
        return { path: copy, source: c.source };
      }
      continue;
    }
    if (await safe(() => probe.runs(c.path), false)) return { path: c.path, source: c.source };
    if (!bare) {
      const copy = await safe(() => probe.install(c.path), undefined);
      if (copy !== undefined && await safe(() => probe.runs(copy), false)) {
        return { path: copy, source: c.source };
      }
    }
  }
  throw new FfmpegNotFoundError(tried);
}

async function safe<T, D>(fn: () => Promise<T>, fallback: D): Promise<T | D> {
  try {
    return await fn();
  } catch {
    return fallback;
  }
}

/** The `@ffmpeg-installer` platform name of this machine, e.g. "linux-x64", "win32-x64". */
export function installerPlatform(
  os: string = Deno.build.os,
  arch: string = Deno.build.arch,
): string {
  const o = os === "windows" ? "win32" : os;
  const a = arch === "x86_64" ? "x64" : arch === "aarch64" ? "arm64" : arch;
  return `${o}-${a}`;
}

/** File name of the ffmpeg binary on `os`. */
export function ffmpegBinaryName(os: string = Deno.build.os): string {
  return os === "windows" ? "ffmpeg.exe" : "ffmpeg";
}

/** Path of the copy embedded by `deno compile --include`, relative to the project root. */
export function bundledRelativePath(os: string = Deno.build.os, arch: string = Deno.build.arch) {
  return `dist/ffmpeg/${installerPlatform(os, arch)}/${ffmpegBinaryName(os)}`;
}

/** What {@link buildCandidates} looks at: the facts of one machine and run. */
export interface CandidateContext {
  /** `Deno.build.os` and `Deno.build.arch`. */
  os: string;
  arch: string;
  /** `PC3_FFMPEG`, when set. */
  envPath?: string;
  /** Path the npm package `@ffmpeg-installer/ffmpeg` reports, when it loads. */
  npmPath?: string;
  /** Entries of `<root>/node_modules/.deno` (Deno's npm layout), when present. */
  npmDirEntries?: string[];
  /** `Deno.execPath()`. */
  execPath: string;
  /** `import.meta.url` of this module: `<root>/lib/media/ffmpeg_path.ts`. */
  moduleUrl: string;
}

/**
 * The candidates, in the order of the module docs (pure). In a compiled
 * executable `moduleUrl` is a file: URL inside the embedded root, so the
 * included `dist/ffmpeg/<platform>/ffmpeg[.exe]` sits at the same relative
 * place as in the source tree.
 */
export function buildCandidates(ctx: CandidateContext): FfmpegCandidate[] {
  const p = ctx.os === "windows" ? win32 : posix;
  const bin = ffmpegBinaryName(ctx.os);
  const platform = installerPlatform(ctx.os, ctx.arch);
  const list: FfmpegCandidate[] = [];
  if (ctx.envPath) list.push({ source: "env", path: ctx.envPath });
  if (ctx.npmPath) list.push({ source: "npm", path: ctx.npmPath });
  if (ctx.moduleUrl.startsWith("file:")) {
    const root = p.dirname(
      p.dirname(p.dirname(fileUrlToPath(ctx.moduleUrl, ctx.os))),
    );
    const npmDir = p.join(root, "node_modules", ".deno");
    for (const entry of ctx.npmDirEntries ?? []) {
      if (entry.startsWith(`@ffmpeg-installer+${platform}@`)) {
        const path = p.join(npmDir, entry, "node_modules", "@ffmpeg-installer", platform, bin);
        if (path !== ctx.npmPath) list.push({ source: "npm", path });
      }
    }
    if (!/^deno(\.exe)?$/i.test(p.basename(ctx.execPath))) {
      list.push({ source: "beside", path: p.join(p.dirname(ctx.execPath), bin) });
    }
    list.push({
      source: "bundled",
      path: p.join(root, ...bundledRelativePath(ctx.os, ctx.arch).split("/")),
      copy: true,
    });
  } else if (!/^deno(\.exe)?$/i.test(p.basename(ctx.execPath))) {
    list.push({ source: "beside", path: p.join(p.dirname(ctx.execPath), bin) });
  }
  list.push({ source: "path", path: "ffmpeg" });
  return list;
}

/** A file: URL as a path of `os` (pure; `node:url` only knows the running platform). */
export function fileUrlToPath(url: string, os: string): string {
  const u = new URL(url);
  const path = decodeURIComponent(u.pathname);
  if (os !== "windows") return path;
  const unc = u.hostname ? `\\\\${u.hostname}` : "";
  return unc + (/^\/[A-Za-z]:/.test(path) ? path.slice(1) : path).replaceAll("/", "\\");
}

/** The candidates of this machine and run, in the order of the module docs. */
export async function ffmpegCandidates(): Promise<FfmpegCandidate[]> {
  let npmDirEntries: string[] = [];
  if (import.meta.url.startsWith("file:")) {
    const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
    npmDirEntries = safeReadDir(join(root, "node_modules", ".deno"));
  }
  return buildCandidates({
    os: Deno.build.os,
    arch: Deno.build.arch,
    envPath: Deno.env.get("PC3_FFMPEG") || undefined,
    npmPath: await npmInstallerPath(),
    npmDirEntries,
    execPath: Deno.execPath(),
    moduleUrl: import.meta.url,
  });
}

function safeReadDir(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name);
  } catch {
    return [];
  }
}

async function npmInstallerPath(): Promise<string | undefined> {
  // A variable specifier keeps `deno compile` from bundling the package (the compile script
  // excludes it: the executable ships its own ffmpeg).
  const specifier = ["@ffmpeg-installer", "ffmpeg"].join("/");
  try {
    const mod = await import(specifier);
    const path = mod?.default?.path ?? mod?.path;
    return typeof path === "string" ? path : undefined;
  } catch {
    return undefined;
  }
}

/** Folder where ffmpeg copies go: per user, outside the bundle. */
export function cacheDir(): string {
  const home = (() => {
    try {
      return homedir();
    } catch {
      return ".";
    }
  })();
  if (Deno.build.os === "windows") {
    return join(Deno.env.get("LOCALAPPDATA") ?? join(home, "AppData", "Local"), "pc3");
  }
  if (Deno.build.os === "darwin") return join(home, "Library", "Caches", "pc3");
  return join(Deno.env.get("XDG_CACHE_HOME") ?? join(home, ".cache"), "pc3");
}

/**
 * Real-world probe: file checks, `ffmpeg -version` with a 10 s limit, and
 * copies into `cache` (default {@link cacheDir}, resolved when first needed),
 * in a folder named after the file size so a new ffmpeg gets a new copy.
 */
export function makeSystemProbe(cache?: string): FfmpegProbe {
  return {
    async exists(path) {
      try {
        return (await Deno.stat(path)).isFile;
      } catch {
        return false;
      }
    },
    async runs(path) {
      const child = new Deno.Command(path, {
        args: ["-hide_banner", "-version"],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      const timer = setTimeout(() => {
        try {
          child.kill();
        } catch { /* already gone */ }
      }, 10_000);
      try {
        return (await child.status).success;
      } finally {
        clearTimeout(timer);
      }
    },
    async install(path) {
      const size = (await Deno.stat(path)).size;
      const dir = join(cache ?? cacheDir(), `ffmpeg-${size}`);
      const target = join(dir, ffmpegBinaryName());
      try {
        if ((await Deno.stat(target)).size === size) return target;
      } catch { /* not copied yet */ }
      await Deno.mkdir(dir, { recursive: true });
      const temp = `${target}.${Deno.pid}.tmp`;
      await Deno.copyFile(path, temp);
      if (Deno.build.os !== "windows") await Deno.chmod(temp, 0o755);
      await Deno.rename(temp, target);
      return target;
    },
  };
}

/** {@link makeSystemProbe} with the default cache folder. */
export const systemProbe: FfmpegProbe = makeSystemProbe();

let found: Promise<FfmpegFound> | undefined;
let override: (() => Promise<FfmpegFound>) | undefined;

/**
 * Replaces the lookup of {@link findFfmpeg} (tests simulate a machine without
 * ffmpeg with it); `undefined` restores the real lookup.
 */
export function overrideFfmpegLookup(lookup: (() => Promise<FfmpegFound>) | undefined): void {
  override = lookup;
}

/**
 * Finds a working ffmpeg once per process (later calls reuse the answer;
 * a failure is not cached, so installing ffmpeg and retrying works).
 */
export function findFfmpeg(): Promise<FfmpegFound> {
  if (override) return override();
  if (!found) {
    found = ffmpegCandidates().then((c) => pickFfmpeg(c, systemProbe));
    found.catch(() => found = undefined);
  }
  return found;
}
