/**
 * Runs every benchmark under bench/ in turn (`deno task bench`), each in its own
 * process so one cannot disturb the next. Each prints its figures and its ratio to
 * a reference measured in the same run (dd for files, ngircd for the chat, a raw
 * UDP forwarder for the relay); BENCHMARKS.md records a run. Nothing is asserted.
 *
 * `deno task bench chat relay` runs only the named ones.
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

async function main(): Promise<number> {
  const wanted = Deno.args.length > 0 ? Deno.args : Object.keys(BENCHES);
  let failures = 0;
  for (const name of wanted) {
    const args = BENCHES[name];
    if (!args) {
      console.error(`Unknown benchmark: ${name} (use ${Object.keys(BENCHES).join(", ")})`);
      return 2;
    }
    console.log(`\n=== ${name} (${new Date().toISOString()}) ===`);
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...args],
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
