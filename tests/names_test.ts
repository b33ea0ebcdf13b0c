import assert from "node:assert/strict";
import { checkName, nameKey, repairName } from "../lib/protocol/names.ts";

Deno.test("checkName() trims and accepts ordinary names", () => {
  assert.deepEqual(checkName("  Ana María "), { ok: true, name: "Ana María" });
});

Deno.test("checkName() gives the problem of each bad name", () => {
  const cases: Array<[unknown, string]> = [
    [undefined, "not_string"],
    [12, "not_string"],
    ["", "empty"],
    [" \t ", "empty"],
    ["a\tb", "control"],
    ["   ", "empty"],
    ["a\nb", "control"],
    ["a\u0085b", "control"],
    ["a\u2028b", "control"],
    ["a\u007fb", "control"],
    ["a\u200db", "invisible"],
    ["\u202eevil", "invisible"],
    ["A\ufeffna", "invisible"],
    ["x".repeat(33), "too_long"],
    ["System", "reserved"],
    ["SERVER", "reserved"],
  ];
  for (const [raw, problem] of cases) {
    const result = checkName(raw);
    assert.equal(result.ok, false, JSON.stringify(raw));
    if (!result.ok) assert.equal(result.problem, problem, JSON.stringify(raw));
  }
});

Deno.test("checkName() counts code points, not UTF-16 units", () => {
  assert.equal(checkName("🙂".repeat(32)).ok, true);
  assert.equal(checkName("🙂".repeat(33)).ok, false);
});

Deno.test("nameKey() folds case and normalisation", () => {
  assert.equal(nameKey("JOSE\u0301"), nameKey("josé"));
});

Deno.test("repairName() cleans, cuts and suffixes", () => {
  const taken = new Set(["ana", "ana_2"]);
  const opts = { port: 7777, taken: (k: string) => taken.has(k) };
  assert.equal(repairName("Ana", opts), "Ana_3");
  assert.equal(repairName("\u0000B\u200bob\u0007", opts), "Bob");
  assert.equal(repairName(null, opts), "user_7777");
  assert.equal(repairName(" \u0001 ", opts), "user_7777");
  assert.equal([...repairName("y".repeat(50), opts)].length, 32);
  const long = "z".repeat(32);
  const full = repairName(long, { port: 1, taken: (k) => k === long });
  assert.equal(full, "z".repeat(30) + "_2");
  assert.equal(repairName("system", opts), "system_2");
});
