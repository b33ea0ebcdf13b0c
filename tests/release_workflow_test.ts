/**
 * The release workflow cannot run here (no access to Deno's runtime downloads),
 * so it is parsed and checked against the build plan: every target is built,
 * uploaded, smoke-tested on its own OS and published with its SHA-256 sum, with
 * the same Deno version as CI and the README.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { planTarget, TARGETS } from "../dist/plan.ts";
import { root } from "./pipe_processes.ts";

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, string>;
}
interface Job {
  needs?: string;
  steps: Step[];
  strategy?: { matrix: { include: Array<{ runner: string; target: string }> } };
}
const workflow = parse(
  Deno.readTextFileSync(join(root, ".github/workflows/release.yml")),
) as { on: { push: { tags: string[] } }; env: Record<string, string>; jobs: Record<string, Job> };
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");

Deno.test("the release workflow runs on version tags and builds with the Deno version CI uses", () => {
  assert.deepEqual(workflow.on.push.tags, ["v*"]);
  const ci = Deno.readTextFileSync(join(root, ".ci/run"));
  const version = /deno@(\d+\.\d+\.\d+)/.exec(ci)![1];
  assert.equal(workflow.env.DENO_VERSION, version);
  assert.match(runs(workflow.jobs.build), /^deno task compile$/m);
});

Deno.test("the release workflow uploads, smoke-tests on its own OS and publishes every target", () => {
  const upload = workflow.jobs.build.steps.find((s) =>
    s.uses?.startsWith("actions/upload-artifact")
  );
  const uploaded = upload!.with!.path.trim().split("\n").map((p) => p.trim()).sort();
  assert.deepEqual(uploaded, TARGETS.map((t) => planTarget(t).outDir).sort());

  const smoke = workflow.jobs.smoke;
  assert.equal(smoke.needs, "build");
  const matrix = smoke.strategy!.matrix.include;
  assert.deepEqual(matrix.map((m) => m.target).sort(), TARGETS.map((t) => t.name).sort());
  const runnerOs: Record<string, string> = { windows: "windows", linux: "ubuntu", darwin: "macos" };
  for (const { runner, target } of matrix) {
    const os = TARGETS.find((t) => t.name === target)!.os;
    assert.ok(runner.startsWith(runnerOs[os]), `${target} is smoke-tested on ${runner}`);
  }
  assert.match(runs(smoke), /deno run -A dist\/smoke\.ts dist\/\$\{\{ matrix\.target \}\}/);
  Deno.statSync(join(root, "dist/smoke.ts"));

  const publish = runs(workflow.jobs.publish);
  assert.equal(workflow.jobs.publish.needs, "smoke");
  assert.match(publish, /sha256sum pc3-\* > SHA256SUMS\.txt/);
  assert.match(publish, /windows-x64/);
  for (const t of TARGETS) assert.ok(publish.includes(t.name), `${t.name} is published`);
});
