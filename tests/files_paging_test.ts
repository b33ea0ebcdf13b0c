import assert from "node:assert/strict";
import type { Message } from "../lib/protocol/frame.ts";
import { translator } from "../lib/protocol/i18n.ts";
import { decodeWelcome } from "../lib/protocol/wire.ts";
import { decodeChatServerMessage } from "../lib/protocol/wire_chat.ts";
import { parseCommand } from "../lib/client/commands.ts";
import { type CommandTarget, FILES_PAGE, runCommand } from "../lib/client/run_command.ts";
import { clientText } from "../lib/client/text.ts";
import type { ClientEvent } from "../lib/client/events.ts";
import { renderEvent } from "../lib/terminal/render_event.ts";

const ctx = { t: translator(clientText, "es"), color: false, me: "Ana" };

function file(i: number) {
  return { fileId: `id${i}`, filename: `f${i}.txt`, size: 1000, sha256: "", from: "Luis", ts: 0 };
}

/** What runCommand() sends for one typed line. */
function sent(line: string): Message[] {
  const out: Message[] = [];
  const target = {
    emit: () => {},
    send: (m: Message) => out.push(m),
    maxMessage: 4096,
    connected: true,
  } as unknown as CommandTarget;
  runCommand(parseCommand(line), target);
  return out;
}

Deno.test("/files asks for the newest page, /files N for page N, /files TEXT searches", () => {
  assert.deepEqual(sent("/files"), [{ type: "files" }]);
  assert.deepEqual(sent("/files 3"), [{
    type: "files",
    offset: 2 * FILES_PAGE,
    limit: FILES_PAGE,
  }]);
  assert.deepEqual(sent("/archivos tema 2"), [{ type: "files", query: "tema 2" }]);
  assert.deepEqual(sent("/files 0"), [{ type: "files", query: "0" }]);
  assert.equal((sent("/files " + "q".repeat(500))[0].query as string).length, 100);
});

Deno.test("a files page is decoded with its place in the list; old servers' replies still work", () => {
  const page = decodeChatServerMessage({
    type: "files",
    files: [{ file_id: "a", filename: "a.txt", size: 1, sha256: "", from: "Ana", ts: 1 }],
    total: 3000,
    offset: 50,
    more: 2949,
    query: "a",
  });
  assert.deepEqual(
    page && { ...page, files: page.type === "files" ? page.files.length : -1 },
    { type: "files", files: 1, total: 3000, offset: 50, more: 2949, query: "a" },
  );
  const old = decodeChatServerMessage({ type: "files", files: [], total: "x" });
  assert.deepEqual(old, { type: "files", files: [] });
  assert.equal(
    decodeWelcome({ name: "A", token: "t", files: [], files_total: 3000 }).filesTotal,
    3000,
  );
});

Deno.test("renderEvent() shows a files page, where it stands and how to get the next one", () => {
  const event: ClientEvent = {
    type: "files",
    files: Array.from({ length: 50 }, (_, i) => file(i)),
    total: 3000,
    offset: 50,
    more: 2900,
  };
  const lines: string[] = renderEvent(event, ctx);
  assert.equal(lines[0], "[ARCHIVOS] Archivos 51–100 de 3000 (los más nuevos al final):");
  assert.equal(lines.at(-1), "[ARCHIVOS] … y 2900 más antiguos: /files 3");
  assert.equal(lines.length, 52);
});

Deno.test("renderEvent() shows a search, its misses, and a server name that tries escapes", () => {
  const found: string[] = renderEvent(
    { type: "files", files: [file(1)], total: 40, offset: 0, more: 39, query: "f\u001b[2Jx" },
    ctx,
  );
  assert.equal(found[0], "[ARCHIVOS] 40 archivo(s) con «fx»:");
  assert.match(found.at(-1)!, /afinar la búsqueda/);
  const none: string[] = renderEvent({ type: "files", files: [], total: 0, query: "zz" }, ctx);
  assert.deepEqual(none, ["[ARCHIVOS] Ningún archivo contiene «zz»"]);
});

Deno.test("renderEvent() counts every shared file in the welcome, not just those listed", () => {
  const lines: string[] = renderEvent({
    type: "welcome",
    host: "10.0.0.1",
    port: 9009,
    welcome: {
      name: "Ana",
      token: "t",
      server: "",
      filePort: 9010,
      mediaPort: 9020,
      maxMessage: 4096,
      maxFrame: 65536,
      maxUpload: 1,
      members: [],
      files: Array.from({ length: 50 }, (_, i) => file(i)),
      filesTotal: 3000,
      call: [],
    },
  }, ctx);
  assert.ok(lines.includes("[ARCHIVOS] 3000 archivo(s) compartido(s):"), lines.join("\n"));
  assert.ok(lines.some((l) => l.includes("… y 2990 más: /files para verlos por páginas")));
});
