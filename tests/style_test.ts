import assert from "node:assert/strict";
import { safe } from "../lib/protocol/safe_text.ts";
import { nameStyle, sgr } from "../lib/terminal/style.ts";

Deno.test("nameStyle() gives a name the same colour every time and the user's own name a distinct one", () => {
  assert.equal(nameStyle("Luis", "Ana"), nameStyle("Luis", null));
  assert.equal(nameStyle("Luis", "Ana"), nameStyle("luis", "Ana"));
  assert.equal(nameStyle("Ana", "Ana"), "1;97");
  const styles = new Set(
    ["Ana", "Luis", "Eva", "Marta", "Pablo", "Zoe", "Iker", "Lucía"].map((n) => nameStyle(n, null)),
  );
  assert.ok(styles.size >= 4);
  assert.ok(!styles.has("1;97"));
});

Deno.test("sgr() wraps text in a style and a reset only when colours are on", () => {
  assert.equal(sgr("1;31", safe("x"), true), "\x1b[1;31mx\x1b[0m");
  assert.equal(sgr("1;31", safe("x"), false), "x");
});
