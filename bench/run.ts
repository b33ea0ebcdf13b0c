/**
 * Runs every benchmark under bench/ in turn (`deno task bench`), each in its own
 * process so one cannot disturb the next. Each prints its figures and its ratio to
 * a reference measured in the same run (dd for files, ngircd for the chat, a raw
 * UDP forwarder for the relay); BENCHMARKS.md records a run. Nothing is asserted.
 *
 * `deno task bench chat relay` runs only the named ones; options after a name
 * go to that benchmark (`deno task bench audio --only fair --mib 1024`).
 *
 * @module
 */

const BENCHES: Record<string, string[]> = {
  file: ["bench/file_bench.ts"],
  chat: ["bench/chat_bench.ts"],
  relay: ["bench/relay_bench.ts"],
  audio: ["bench/audio_bench.ts"],
  video: ["bench/video_egress.ts"],
  attack: ["bench/attack.ts"],
  discovery: ["bench/discovery_bench.ts"],
};

const root = new URL("../", import.meta.url);

/** One benchmark to run and the options given after its name. */
export interface BenchRun {
  name: string;
  options: string[];
}

/**
 * Splits the command line into benchmarks and their options: a word starts a
 * benchmark, and the words after it that are options (`--x`), or the value of
 * an option without `=` (`--only relay`), go to it. No names: every benchmark.
 *
 * @example
 * ```ts
 * import { parseBenchArgs } from "./run.ts";
 * parseBenchArgs(["audio", "--only", "relay", "chat"]);
 * // [{ name: "audio", options: ["--only", "relay"] }, { name: "chat", options: [] }]
 * ```
 */
export function parseBenchArgs(args: readonly string[]): BenchRun[] {
  if (args.length === 0) return Object.keys(BENCHES).map((name) => ({ name, options: [] }));
  const runs: BenchRun[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    const isValue = i > 0 && /^--[^=]+$/.test(args[i - 1]) && runs.length > 0;
    if (word.startsWith("-") || isValue) {
      if (runs.length === 0) throw new Error(`Option before a benchmark name: ${word}`);
      runs.at(-1)!.options.push(word);
    } else {
      runs.push({ name: word, options: [] });
    }
  }
  return runs;
}

async function main(): Promise<number> {
  let wanted: BenchRun[];
  try {
    wanted = parseBenchArgs(Deno.args);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  let failures = 0;
  for (const { name, options } of wanted) {
    const args = BENCHES[name];
    if (!args) {
      console.error(`Unknown benchmark: ${name} (use ${Object.keys(BENCHES).join(", ")})`);
      return 2;
    }
    console.log(`\n=== ${name} (${new Date().toISOString()}) ===`);
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...args, ...options],
      cwd: root,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (code !== 0) {
      console.error(`${name}: exited with code ${code}`);
      failures++;
    }
  }
  return failures === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
