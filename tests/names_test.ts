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

Deno.test("checkName() refuses the invisible and odd code points of issue 7.6", () => {
  const cases = [
    "Ana\u034f", // combining grapheme joiner
    "Profesor\u034f",
    "A\u3164na", // Hangul filler
    "Ana\uffa0", // halfwidth Hangul filler
    "\u115fAna", // Hangul choseong filler
    "An\u180Ea", // Mongolian vowel separator
    "Ana\ufe0f", // variation selector
    "Ana\ufe00",
    "Ana\u{e0041}", // tag character
    "Ana\u{e007f}",
    "Ana\u2800", // braille blank
    "Ana\u17b4", // Khmer inherent vowel
    "An\u00a0a", // no-break space inside
    "An\u3000a", // ideographic space
    "An\u2009a", // thin space
    "Ana\ud800", // lone surrogates
    "Ana\udbff",
    "\udc00Ana",
    "Ana\ufffd", // what a lone surrogate shows as
    "Ana\ue000", // private use
    "Ana\u061c", // Arabic letter mark
  ];
  for (const raw of cases) {
    const result = checkName(raw);
    assert.deepEqual(result, { ok: false, problem: "invisible" }, JSON.stringify(raw));
  }
  // Letters of other scripts and ordinary marks are fine.
  for (const raw of ["Ana María", "José", "Zoë", "Ελένη", "Игорь", "שלום", "李雷", "🙂 Ana"]) {
    assert.equal(checkName(raw).ok, true, raw);
  }
});

Deno.test("nameKey() gives look-alike names one key (issue 7.6 examples)", () => {
  const same: Array<[string, string]> = [
    ["\u0410na", "Ana"], // Cyrillic А
    ["\uff21na", "Ana"], // fullwidth Ａ
    ["\uff21\uff4e\uff41", "ana"],
    ["\u{1d400}na", "Ana"], // mathematical bold A
    ["\u{1d4d0}\u{1d4f7}\u{1d4ea}", "Ana"], // mathematical bold script
    ["\u0391n\u03b1", "Ana"], // Greek Alpha, alpha
    ["Prof\u0435sor", "Profesor"], // Cyrillic е
    ["\u0420r\u043ef\u0435s\u043er", "Profesor"], // Cyrillic Р, о, е
    ["SISTEM\u0410", "sistema"],
    ["JOSE\u0301", "josé"],
    ["Ca\u0433men", "Carmen"], // Cyrillic г
    ["rnaria", "Maria"], // "rn" reads as "m"
    ["Pab1o", "Pablo"], // digit one as l
    ["R0sa", "Rosa"], // digit zero as o
  ];
  for (const [a, b] of same) assert.equal(nameKey(a), nameKey(b), `${a} ~ ${b}`);
  assert.notEqual(nameKey("Ana"), nameKey("Ane"));
  assert.notEqual(nameKey("Ana"), nameKey("Anna"));
  // Greek capital Eta looks like H, small eta like n.
  assert.equal(nameKey("\u0397ugo"), nameKey("Hugo"));
  assert.equal(nameKey("Jua\u03b7"), nameKey("Juan"));
});

Deno.test("checkName() refuses look-alikes of the reserved names", () => {
  for (
    const raw of [
      "SISTEM\u0410",
      "\u0455ystem",
      "\uff33\uff25\uff32\uff36\uff25\uff32",
      "s\u0443stem",
    ]
  ) {
    assert.deepEqual(checkName(raw), { ok: false, problem: "reserved" }, raw);
  }
});

Deno.test("repairName() gives v1 names the same repair: invisibles out, look-alikes suffixed", () => {
  const taken = new Set([nameKey("Ana"), nameKey("Profesor")]);
  const opts = { port: 7777, taken: (k: string) => taken.has(k) };
  assert.equal(repairName("\u0410na", opts), "\u0410na_2");
  assert.equal(repairName("Prof\u0435sor", opts), "Prof\u0435sor_2");
  assert.equal(repairName("Profesor\u034f", opts), "Profesor_2");
  assert.equal(repairName("Bea\ud800", opts), "Bea");
  assert.equal(repairName("Bea\u{e0041}\ufe0f\u3164", opts), "Bea");
  assert.equal(repairName("\u2800\u3164", opts), "user_7777");
  assert.equal(repairName("SISTEM\u0410", opts), "SISTEM\u0410_2");
  // Three lone-surrogate variants no longer show as three identical "Ana�".
  const seen = new Set<string>();
  const optsSeen = { port: 1, taken: (k: string) => seen.has(k) };
  const names = ["Ana\ud800", "Ana\udbff", "Ana\ufffd"].map((raw) => {
    const name = repairName(raw, optsSeen);
    seen.add(nameKey(name));
    return name;
  });
  assert.deepEqual(names, ["Ana", "Ana_2", "Ana_3"]);
});
