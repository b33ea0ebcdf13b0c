/** `deno task bench`'s command line: benchmark names and the options that follow each. */
import assert from "node:assert/strict";
import { parseBenchArgs } from "../bench/run.ts";

Deno.test("parseBenchArgs() gives each benchmark the options after its name", () => {
  assert.deepEqual(parseBenchArgs(["audio", "--only", "relay", "--mib=512", "chat"]), [
    { name: "audio", options: ["--only", "relay", "--mib=512"] },
    { name: "chat", options: [] },
  ]);
  assert.deepEqual(parseBenchArgs(["audio", "--only", "fair", "--mib", "1024"]), [
    { name: "audio", options: ["--only", "fair", "--mib", "1024"] },
  ]);
  assert.ok(parseBenchArgs([]).length >= 7, "no names: every benchmark");
  assert.throws(() => parseBenchArgs(["--only", "fair"]), /Option before a benchmark name/);
});
