/**
 * Where the README quotes the program, it quotes it word for word (issue
 * 8.11): the banner block is what the server's catalogue and banner module
 * print, the pipe-mode lines are what the renderer prints for those events,
 * and the catalogue texts it cites exist.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { clientText } from "../lib/client/text.ts";
import { translator } from "../lib/protocol/i18n.ts";
import { serverText } from "../lib/server/text.ts";
import { clientCommandLines, launchForm } from "../lib/server/banner.ts";
import { renderEvent } from "../lib/terminal/render_event.ts";

const README = await Deno.readTextFile(fileURLToPath(new URL("../README.md", import.meta.url)));

/** The fenced code blocks of the README, as arrays of lines. */
function blocks(): string[][] {
  return [...README.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) =>
    m[1].trimEnd().split("\n")
  );
}

Deno.test("README quotes the banner's connect block as the server prints it, from source and compiled", () => {
  const header = serverText.bannerClient.es;
  const quoted = blocks().filter((b) => b[0] === header);
  assert.equal(quoted.length, 2, `two quotes of «${header}»`);
  const params = {
    addresses: ["192.168.1.10"],
    placeholder: serverText.placeholderName.es,
    chatPort: 9009,
  };
  assert.deepEqual(
    quoted[0].slice(1),
    clientCommandLines({ kind: "source" }, params).map((l) => `  ${l}`),
  );
  const compiled = launchForm("C:\\PC3\\pc3-server.exe", "windows");
  assert.deepEqual(quoted[1].slice(1), clientCommandLines(compiled, params).map((l) => `  ${l}`));
  assert.ok(!README.includes("Conéctate con:"));
});

Deno.test("README's pipe-mode example lines are what the client prints for those events", () => {
  const block = blocks().find((b) => b[0] === "[Ana]: hola");
  assert.ok(block, "the pipe-mode example");
  const ctx = { t: translator(clientText, "es"), color: false, me: "Yo" };
  const file = {
    fileId: "k3f9ab",
    filename: "clase.mp4",
    size: 200 * 1024 * 1024,
    sha256: "",
    from: "Ana",
    ts: 0,
  };
  const expected = [
    ...renderEvent({
      type: "message",
      from: "Ana",
      text: "hola\nsegunda línea de un mensaje de varias líneas",
      own: false,
      history: false,
    }, ctx),
    ...renderEvent({ type: "join", name: "Luis" }, ctx),
    ...renderEvent({ type: "file", file, history: false }, ctx),
    ...renderEvent({
      type: "transfer_done",
      transfer: { id: 1, kind: "download", label: "clase.mp4", done: 1, total: 1, started: 0 },
      filename: "clase.mp4",
      size: file.size,
      sha256: "x",
      path: "downloads/clase.mp4",
    }, ctx),
    ...renderEvent({
      type: "call",
      action: "start",
      from: "Ana",
      first: true,
      ended: false,
      reason: "",
      members: [],
    }, ctx),
  ];
  assert.deepEqual(block.slice(0, expected.length), expected);
});
