/**
 * The release workflow's smoke test (dist/smoke.ts) run against the sources,
 * so the script the workflow depends on is itself tested on every CI run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { smoke } from "../dist/smoke.ts";
import { root } from "./pipe_processes.ts";
import { withDeadline } from "./wait.ts";

Deno.test("dist/smoke.ts: --version, then a server and two clients exchange a message and a file", async () => {
  const program = (file: string) => ({
    cmd: Deno.execPath(),
    args: ["run", "-A", "--quiet", join(root, file)],
  });
  const summary = await withDeadline(
    smoke(program("server.ts"), program("client.ts")),
    120_000,
    "the smoke test",
  );
  assert.match(summary, /^smoke ok: pc3-server \d+\.\d+\.\d+.*, pc3-client \d+\.\d+\.\d+/);
});
