/**
 * The shape of lib/ as DESIGN.md draws it, checked so it cannot drift: imports
 * point down the layers only, there are no import cycles, no module is over
 * ~400 lines and no function or method over ~80.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LIB = join(ROOT, "lib");

// Lower rank = lower layer. A module may import its own layer or any lower one;
// server and client share a rank and never import one another. Media (capture,
// codecs, call views) sits above the client, whose catalogue it speaks.
const RANK: Record<string, number> = {
  protocol: 0,
  net: 1,
  server: 2,
  client: 2,
  media: 3,
  terminal: 4,
};
const MAX_MODULE_LINES = 420;
const MAX_FUNCTION_LINES = 80;

function libModules(dir = LIB): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...libModules(path));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

function layerOf(path: string): string {
  return relative(LIB, path).split(/[\\/]/)[0];
}

/** Relative imports of a module (static `from "..."` and `import("...")`), resolved. */
function importsOf(path: string): string[] {
  // Doc examples import their own module; only code counts.
  const text = Deno.readTextFileSync(path).replace(/\/\*[\s\S]*?\*\//g, "");
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+\.ts)"/g)];
  return specifiers.map((m) => resolve(dirname(path), m[1]));
}

/**
 * Line spans of function bodies: declarations, methods and arrow functions with
 * a block body, signatures over several lines included. A heuristic for code
 * formatted by `deno fmt`: a body ends at the first later line that starts with
 * `}` at the indentation of the line that began the function.
 */
export function functionSpans(text: string): { name: string; lines: number }[] {
  const lines = text.split("\n");
  const spans: { name: string; lines: number }[] = [];
  const starts = [
    /^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\*?\s+(\w+)/,
    /^\s*(?:export\s+)?(?:const|let)\s+(\w+)\s*(?::[^=]+)?=\s*(?:async\s*)?(?:\(|\w+\s*=>)/,
    /^\s+(?:(?:static|private|public|protected|readonly|async|get|set|override)\s+)*\*?(#?\w+)\s*(?:<[^>]*>)?\(/,
  ];
  const keywords = new Set(["if", "for", "while", "switch", "catch", "return", "await", "super"]);
  for (let i = 0; i < lines.length; i++) {
    const match = starts.map((re) => re.exec(lines[i])).find((m) => m !== null);
    if (!match || keywords.has(match[1])) continue;
    // The body must open (a line ending in "{") before any statement ends (";").
    let open = -1;
    for (let j = i; j < Math.min(lines.length, i + 15); j++) {
      if (/\{\s*$/.test(lines[j])) {
        open = j;
        break;
      }
      if (/;\s*$/.test(lines[j])) break;
    }
    if (open < 0) continue;
    const indent = lines[i].match(/^\s*/)![0].length;
    for (let j = open + 1; j < lines.length; j++) {
      const close = lines[j].match(/^(\s*)\}/);
      if (close && close[1].length === indent) {
        spans.push({ name: match[1], lines: j - i + 1 });
        break;
      }
    }
  }
  return spans;
}

Deno.test("lib/ imports point down the layers only", () => {
  const problems: string[] = [];
  for (const path of libModules()) {
    const from = layerOf(path);
    for (const target of importsOf(path)) {
      if (!target.startsWith(LIB)) {
        problems.push(`${relative(ROOT, path)} imports outside lib/: ${relative(ROOT, target)}`);
        continue;
      }
      const to = layerOf(target);
      if (from === to) continue;
      if (RANK[to] === undefined || RANK[from] === undefined || RANK[to] >= RANK[from]) {
        problems.push(
          `${relative(ROOT, path)} (${from}) imports ${relative(ROOT, target)} (${to})`,
        );
      }
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("the protocol layer, the room and the relay's rules never touch Deno.*", () => {
  const pure = libModules().filter((p) => {
    const rel = relative(LIB, p).replaceAll("\\", "/");
    return rel.startsWith("protocol/") || rel.startsWith("server/room/") ||
      rel === "server/relay/relay.ts" || rel === "server/relay/types.ts";
  });
  assert.ok(pure.length > 10);
  const impure = pure.filter((p) => {
    const code = Deno.readTextFileSync(p).replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    return /\bDeno\./.test(code);
  });
  assert.deepEqual(impure.map((p) => relative(ROOT, p)), []);
});

Deno.test("lib/ has no import cycles", () => {
  const graph = new Map(libModules().map((p) => [p, importsOf(p)]));
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (node: string, path: string[]) => {
    if (state.get(node) === "done") return;
    if (state.get(node) === "open") {
      cycles.push(
        [...path.slice(path.indexOf(node)), node].map((p) => relative(LIB, p)).join(" -> "),
      );
      return;
    }
    state.set(node, "open");
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, "done");
  };
  for (const node of graph.keys()) visit(node, []);
  assert.deepEqual(cycles, []);
});

Deno.test("no module in lib/ or entry point is over ~400 lines", () => {
  const modules = [...libModules(), join(ROOT, "server.ts"), join(ROOT, "client.ts")];
  const big = modules
    .map((p) => ({ path: relative(ROOT, p), lines: Deno.readTextFileSync(p).split("\n").length }))
    .filter((m) => m.lines > MAX_MODULE_LINES);
  assert.deepEqual(big, []);
});

Deno.test("no function or method in lib/ or an entry point is over ~80 lines", () => {
  const modules = [...libModules(), join(ROOT, "server.ts"), join(ROOT, "client.ts")];
  const long: string[] = [];
  for (const path of modules) {
    for (const span of functionSpans(Deno.readTextFileSync(path))) {
      if (span.lines > MAX_FUNCTION_LINES) {
        long.push(`${relative(ROOT, path)}: ${span.name} (${span.lines} lines)`);
      }
    }
  }
  assert.deepEqual(long, []);
});

Deno.test("functionSpans() measures declarations, methods and block arrows", () => {
  const text = [
    "export function a(x: number): number {",
    "  return x;",
    "}",
    "class K {",
    "  async #b(y: string): Promise<void> {",
    "    if (y) {",
    "      return;",
    "    }",
    "  }",
    "}",
    "const c = async (z: number) => {",
    "  return z;",
    "};",
    "function d(",
    "  long: string,",
    "): void {",
    "  call(long);",
    "}",
  ].join("\n");
  assert.deepEqual(functionSpans(text), [
    { name: "a", lines: 3 },
    { name: "#b", lines: 5 },
    { name: "c", lines: 3 },
    { name: "d", lines: 5 },
  ]);
});
