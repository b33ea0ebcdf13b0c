/**
 * configurar_firewall.ps1 cannot run here (no PowerShell), so it is parsed with
 * the tree-sitter PowerShell grammar, which catches syntax errors (a planted one
 * proves it), and its text is checked against what Windows PowerShell 5.1 and
 * the README need: a BOM for the accents, the rule names its help promises,
 * the default ports of lib/protocol/limits.ts, and every parameter documented.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Language, type Node, Parser } from "web-tree-sitter";
import {
  DEFAULT_CHAT_PORT,
  DEFAULT_FILE_PORT,
  DEFAULT_MEDIA_PORT,
} from "../lib/protocol/limits.ts";
import { root } from "./pipe_processes.ts";

const bytes = Deno.readFileSync(join(root, "configurar_firewall.ps1"));
const script = new TextDecoder().decode(bytes).replace(/^\uFEFF/, "");

async function powershellParser(): Promise<Parser> {
  const require = createRequire(import.meta.url);
  const wasm = require.resolve("tree-sitter-powershell/tree-sitter-powershell.wasm");
  await Parser.init();
  const parser = new Parser();
  parser.setLanguage(await Language.load(Deno.readFileSync(wasm)));
  return parser;
}

/** The first node with a syntax error, as `line:column`, or null. */
function firstError(node: Node): string | null {
  if (node.isError || node.isMissing) {
    return `${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
  }
  if (!node.hasError) return null;
  for (const child of node.children) {
    const found = child && firstError(child);
    if (found) return found;
  }
  return null;
}

Deno.test("configurar_firewall.ps1 parses as PowerShell, and a planted syntax error is caught", async () => {
  const parser = await powershellParser();
  const tree = parser.parse(script)!;
  assert.equal(firstError(tree.rootNode), null, "the script has a syntax error");
  const planted = script.replace("function Set-Pc3Rules {", "function Set-Pc3Rules ");
  assert.notEqual(planted, script);
  assert.notEqual(firstError(parser.parse(planted)!.rootNode), null, "a missing brace is caught");
});

Deno.test("configurar_firewall.ps1 starts with a UTF-8 BOM so Windows PowerShell 5.1 reads its accents", () => {
  const nonAscii = script.split("").some((c) => c.charCodeAt(0) > 0x7f);
  if (nonAscii) assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
});

Deno.test("configurar_firewall.ps1 creates exactly the rules its help names, on the default ports", () => {
  const help = script.slice(0, script.indexOf("#>"));
  const code = script.slice(script.indexOf("#>"));
  const ruleName = /"(PC3 [a-zá-ú]+ \((?:TCP|UDP)\))"/g;
  const promised = [...help.matchAll(ruleName)].map((m) => m[1]).sort();
  const created = [...code.matchAll(/Name = "(PC3 [^"]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(promised, ["PC3 archivos (TCP)", "PC3 chat (TCP)", "PC3 videollamadas (UDP)"]);
  assert.deepEqual(created, promised);
  for (
    const [param, port] of [
      ["PuertoChat", DEFAULT_CHAT_PORT],
      ["PuertoArchivos", DEFAULT_FILE_PORT],
      ["PuertoMedia", DEFAULT_MEDIA_PORT],
    ] as const
  ) {
    assert.match(code, new RegExp(`\\[int\\]\\$${param} = ${port}\\b`));
    assert.match(help, new RegExp(`\\.PARAMETER ${param}\\b[^.]*por defecto ${port}`));
  }
});

Deno.test("every parameter of configurar_firewall.ps1 is documented, and the README names the public ones", () => {
  const param = script.slice(script.indexOf("param("), script.indexOf("$ErrorActionPreference"));
  const names = [...param.matchAll(/\$([A-Za-z]+)/g)].map((m) => m[1]);
  assert.ok(names.length >= 8, names.join(","));
  const readme = Deno.readTextFileSync(join(root, "README.md"));
  for (const name of names) {
    if (name === "Registro") continue; // Internal: the elevated relaunch's log file.
    assert.match(script, new RegExp(`\\.PARAMETER ${name}\\b`), `${name} has no help`);
    assert.ok(readme.includes(`-${name}`), `README does not mention -${name}`);
  }
});

Deno.test("configurar_firewall.ps1 accepts the profile and origin words in Spanish and English", () => {
  for (const word of ["privada", "private", "dominio", "domain", "publica", "public", "any"]) {
    assert.match(script, new RegExp(`"${word}" = "`), `-Perfil ${word}`);
  }
  for (const word of ["subred", "localsubnet", "todo", "any"]) {
    assert.match(script, new RegExp(`"${word}"`), `-Origen ${word}`);
  }
});
