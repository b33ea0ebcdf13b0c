import assert from "node:assert/strict";
import { type Block, drawBlock, layoutBlock, updateBlock } from "../lib/terminal/block.ts";
import { safe } from "../lib/protocol/safe_text.ts";
import { Screen } from "./terminal_fakes.ts";

/** A block under the prompt `> ` with `text` typed. */
function block(bars: string[], text: string, cursorColumn = text.length): Block {
  return layoutBlock({
    bars: bars.map(safe),
    prompt: safe("> "),
    promptWidth: 2,
    line: { text: safe(text), cursorColumn },
    columns: 40,
  });
}

/** The screen after `drawn` was drawn under some chat lines and then updated to `next`. */
function screenAfter(drawn: Block, next: Block): Screen {
  const screen = new Screen(40, 8);
  screen.write("chat 1\r\nchat 2\r\n" + drawBlock(drawn) + updateBlock(drawn, next));
  return screen;
}

Deno.test("layoutBlock() puts the progress rows above the prompt row and the cursor after the prompt", () => {
  const b = block(["bar 1", "bar 2"], "hola", 2);
  assert.deepEqual(b.rows, ["bar 1", "bar 2", "> hola"]);
  assert.equal(b.cursorColumn, 4);
  assert.equal(drawBlock(b), "bar 1\r\nbar 2\r\n> hola\r\x1b[4C");
});

Deno.test("updateBlock() writes nothing when the block did not change", () => {
  const b = block(["bar"], "hola");
  assert.equal(updateBlock(b, block(["bar"], "hola")), "");
});

Deno.test("updateBlock() only moves the cursor when only the cursor moved", () => {
  assert.equal(updateBlock(block(["bar"], "hola"), block(["bar"], "hola", 1)), "\r\x1b[3C");
});

Deno.test("updateBlock() rewrites from the first changed row and leaves the rows above alone", () => {
  const drawn = block(["bar 1", "bar 2"], "hol");
  const next = block(["bar 1", "bar 2"], "hola");
  const update = updateBlock(drawn, next);
  assert.ok(!update.includes("bar"), JSON.stringify(update));
  const screen = screenAfter(drawn, next);
  assert.deepEqual(screen.lines(), ["chat 1", "chat 2", "bar 1", "bar 2", "> hola"]);
  assert.deepEqual([screen.row, screen.col], [4, 6]);
});

Deno.test("updateBlock() redraws the whole block when its height changes", () => {
  for (
    const [drawn, next] of [
      [block(["bar 1", "bar 2"], "x"), block(["bar 2"], "x")],
      [block([], "x"), block(["bar 9"], "xy")],
      [block(["bar 1"], "x"), block(["bar 1 50%"], "x")],
    ]
  ) {
    const screen = screenAfter(drawn, next);
    const fresh = new Screen(40, 8);
    fresh.write("chat 1\r\nchat 2\r\n" + drawBlock(next));
    assert.deepEqual(screen.lines(), fresh.lines());
    assert.deepEqual([screen.row, screen.col], [fresh.row, fresh.col]);
  }
});
