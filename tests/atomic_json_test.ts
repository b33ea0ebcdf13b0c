import assert from "node:assert/strict";
import { join } from "node:path";
import { AtomicJsonFile, type JsonFileProblem } from "../lib/net/atomic_json.ts";

interface Counter {
  count: number;
}

function validate(value: unknown): Counter {
  if (typeof (value as Counter)?.count !== "number") throw new SyntaxError("No count");
  return value as Counter;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pc3_json_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("AtomicJsonFile.load() returns undefined when there is no file", async () => {
  await withDir(async (dir) => {
    const problems: JsonFileProblem[] = [];
    const file = new AtomicJsonFile(join(dir, "a.json"), {
      validate,
      onProblem: (p) => problems.push(p),
    });
    assert.equal(await file.load(), undefined);
    assert.deepEqual(problems, []);
  });
});

Deno.test("AtomicJsonFile.save() writes the value whole and leaves no temporary file", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "a.json");
    const file = new AtomicJsonFile(path, { validate });
    await file.save({ count: 1 });
    assert.deepEqual(await new AtomicJsonFile(path, { validate }).load(), { count: 1 });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a.json"]);
  });
});

Deno.test("AtomicJsonFile.save() merges saves asked for during a write: the latest wins", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "a.json");
    const file = new AtomicJsonFile(path, { validate });
    const first = file.save({ count: 1 });
    const second = file.save({ count: 2 });
    const third = file.save({ count: 3 });
    await Promise.all([first, second, third]);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), { count: 3 });
    await file.flushed();
  });
});

Deno.test("AtomicJsonFile.load() sets a corrupt file aside under a timestamped name and reports it", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "a.json");
    const problems: JsonFileProblem[] = [];
    const options = {
      validate,
      onProblem: (p: JsonFileProblem) => problems.push(p),
      now: () => 42,
    };
    for (const junk of ["{not json", '{"count":"x"}']) {
      await Deno.writeTextFile(path, junk);
      assert.equal(await new AtomicJsonFile(path, options).load(), undefined);
    }
    assert.deepEqual(problems.map((p) => p.kind), ["corrupt", "corrupt"]);
    const asides = problems.map((p) => (p as { aside: string }).aside);
    // Two corrupt files in the same millisecond: neither overwrites the other.
    assert.deepEqual(asides, [`${path}.corrupt-42`, `${path}.corrupt-42-1`]);
    assert.equal(await Deno.readTextFile(asides[0]), "{not json");
    assert.equal(await Deno.readTextFile(asides[1]), '{"count":"x"}');
    assert.match((problems[1] as { detail: string }).detail, /No count/);
    assert.equal(await Deno.stat(path).catch(() => null), null);
  });
});

Deno.test("AtomicJsonFile.load() treats a file over maxBytes as corrupt without parsing it", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "a.json");
    await Deno.writeTextFile(path, JSON.stringify({ count: 1, pad: "x".repeat(100) }));
    const problems: JsonFileProblem[] = [];
    const file = new AtomicJsonFile(path, {
      validate,
      maxBytes: 50,
      onProblem: (p) => problems.push(p),
    });
    assert.equal(await file.load(), undefined);
    assert.equal(problems[0].kind, "corrupt");
    assert.match((problems[0] as { detail: string }).detail, /too large/);
  });
});

Deno.test("AtomicJsonFile.save() reports a failed write without throwing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pc3_json_" });
  const problems: JsonFileProblem[] = [];
  const file = new AtomicJsonFile(join(dir, "a.json"), {
    validate,
    onProblem: (p) => problems.push(p),
  });
  await Deno.remove(dir, { recursive: true });
  await file.save({ count: 1 });
  assert.deepEqual(problems.map((p) => p.kind), ["save_failed"]);
});
