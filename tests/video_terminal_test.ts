import assert from "node:assert/strict";
import jpeg from "jpeg-js";
import { decodeJpeg, render, TerminalView } from "../lib/media/video_terminal.ts";
import { FakeClock } from "./fake_clock.ts";

// deno-lint-ignore no-control-regex
const ESC = /\x1b\[[0-9;]*m/g;
const visible = (line: string) => [...line.replace(ESC, "")].length;

function solid(w: number, h: number, top: number[], bottom: number[]) {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = y < h / 2 ? top : bottom;
      data.set([c[0], c[1], c[2], 255], (y * w + x) * 4);
    }
  }
  return { width: w, height: h, data };
}

Deno.test("render() draws tiles side by side with names, exactly columns x rows", () => {
  const lines = render([
    { name: "Ana", image: solid(32, 24, [255, 0, 0], [0, 0, 255]) },
    { name: "Luis", image: solid(32, 24, [0, 255, 0], [0, 255, 0]) },
  ], { columns: 60, rows: 10 });
  assert.equal(lines.length, 10);
  for (const line of lines) assert.equal(visible(line), 60, JSON.stringify(line));
  assert.match(lines[0], /Ana/);
  assert.match(lines[0], /Luis/);
  assert.ok(lines[0].indexOf("Ana") < lines[0].indexOf("Luis"));
  const body = lines.slice(1).join("\n");
  assert.ok(body.includes("\x1b[38;2;255;0;0m"), "red top pixels as foreground");
  assert.ok(body.includes("\x1b[48;2;0;0;255m"), "blue bottom pixels as background");
  assert.ok(body.includes("\x1b[38;2;0;255;0m"));
  assert.ok(body.includes("▀"));
  for (const line of lines) assert.ok(line.endsWith("\x1b[0m") || line.endsWith(" "));
});

Deno.test("render() shows the note of a tile without video", () => {
  const lines = render([{ name: "Eva", image: null, note: "sin vídeo" }], {
    columns: 30,
    rows: 6,
  });
  assert.equal(lines.length, 6);
  assert.ok(lines.some((l) => l.includes("sin vídeo")));
  assert.ok(!lines.join("").includes("▀"));
  for (const line of lines) assert.equal(visible(line), 30);
});

Deno.test("render() leaves out tiles that do not fit and draws nothing in a tiny pane", () => {
  const many = Array.from({ length: 10 }, (_, i) => ({ name: `P${i}`, image: null, note: "x" }));
  const lines = render(many, { columns: 20, rows: 4 });
  assert.ok(lines[0].includes("P0") && lines[0].includes("P1"));
  assert.ok(!lines[0].includes("P2"));
  assert.deepEqual(render(many, { columns: 5, rows: 4 }), []);
  assert.deepEqual(render(many, { columns: 80, rows: 1 }), []);
  assert.deepEqual(render([], { columns: 80, rows: 20 }), []);
});

Deno.test("render() strips control characters from names", () => {
  const lines = render([{ name: "A\x1b[31mna", image: null, note: "-" }], { columns: 20, rows: 3 });
  assert.ok(!lines[0].includes("\x1b[31m"));
});

Deno.test("decodeJpeg() decodes a JPEG and refuses garbage", () => {
  const img = solid(16, 8, [200, 10, 10], [10, 10, 200]);
  const bytes = new Uint8Array(jpeg.encode(img, 90).data);
  const decoded = decodeJpeg(bytes);
  assert.equal(decoded?.width, 16);
  assert.equal(decoded?.height, 8);
  assert.equal(decodeJpeg(Uint8Array.of(0xff, 0xd8, 1, 2, 3)), undefined);
  assert.equal(decodeJpeg(new Uint8Array(100)), undefined);
});

Deno.test("TerminalView paints decoded frames through paint() at its next tick and clears on close() (fake clock)", () => {
  const painted: (readonly string[] | null)[] = [];
  const clock = new FakeClock();
  const view = new TerminalView({
    paint: (lines) => painted.push(lines),
    paneSize: () => ({ columns: 40, rows: 8 }),
    fps: 20,
    clock,
  });
  const bytes = new Uint8Array(jpeg.encode(solid(16, 16, [255, 255, 0], [0, 0, 0]), 90).data);
  view.update([
    { id: 1, name: "Ana", jpeg: bytes, note: "sin vídeo" },
    { id: 2, name: "Luis", jpeg: null, note: "sin vídeo" },
  ]);
  assert.equal(painted.length, 0, "nothing drawn before the tick");
  clock.advance(50); // 20 fps: one tick
  assert.equal(painted.length, 1);
  clock.advance(500);
  assert.equal(painted.length, 1, "no repaint without a change");
  view.close();
  view.close();
  assert.equal(clock.pending, 0, "the timer is cleared");
  const lines = painted.find((p) => p !== null)!;
  assert.equal(lines.length, 8);
  assert.match(lines[0], /Ana/);
  assert.ok(lines.some((l) => l.includes("sin vídeo")));
  assert.ok(lines.join("").includes("▀"));
  assert.equal(painted.at(-1), null);
  assert.equal(painted.filter((p) => p === null).length, 1);
});
