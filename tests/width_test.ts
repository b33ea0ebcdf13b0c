import assert from "node:assert/strict";
import { displayWidth, graphemes, truncate } from "../lib/terminal/width.ts";

Deno.test("displayWidth() counts wide characters as two columns and combining marks as none", () => {
  assert.equal(displayWidth("abc"), 3);
  assert.equal(displayWidth("a日本"), 5);
  assert.equal(displayWidth("e\u0301"), 1);
  assert.equal(displayWidth("👍🏽"), 2);
  assert.equal(displayWidth(""), 0);
});

Deno.test("graphemes() keeps a letter with its accent and an emoji with its modifier together", () => {
  assert.deepEqual(graphemes("e\u0301a👍🏽"), ["e\u0301", "a", "👍🏽"]);
});

Deno.test("truncate() cuts to a number of columns without splitting a wide character", () => {
  assert.equal(truncate("a日本", 3), "a日");
  assert.equal(truncate("a日本", 2), "a");
  assert.equal(truncate("hola", 10), "hola");
  assert.equal(truncate("hola", 0), "");
});
