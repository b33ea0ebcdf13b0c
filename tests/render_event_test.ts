import assert from "node:assert/strict";
import type { TransferInfo } from "../lib/client/events.ts";
import { clientText, formatDuration, formatSize, formatWhen } from "../lib/client/text.ts";
import { translator } from "../lib/protocol/i18n.ts";
import { renderEvent } from "../lib/terminal/render_event.ts";
import { nameStyle } from "../lib/terminal/style.ts";
import { welcomeEvent } from "./terminal_fakes.ts";

const es = translator(clientText, "es");
const en = translator(clientText, "en");

Deno.test("renderEvent() lists the newest shared files in the welcome and points to /files", () => {
  const ctx = { t: translator(clientText, "es"), color: false, me: "Ana" };
  const event = welcomeEvent("Ana");
  if (event.type !== "welcome") throw new Error("unreachable");
  event.welcome.files = Array.from({ length: 12 }, (_, i) => ({
    fileId: `id${i}`,
    filename: `f${i}.txt`,
    size: 1000,
    sha256: "",
    from: "Luis",
    ts: 0,
  }));
  const lines: string[] = renderEvent(event, ctx);
  assert.ok(lines.includes("[ARCHIVOS] 12 archivo(s) compartido(s):"), lines.join("\n"));
  assert.ok(!lines.some((l) => l.endsWith("/download id0") || l.endsWith("/download id1")));
  assert.ok(lines.some((l) => l.endsWith("/download id2")));
  assert.ok(lines.some((l) => l.endsWith("/download id11")));
  assert.ok(
    lines.includes(
      "[ARCHIVOS] … y 2 más: /files para verlos por páginas, /files TEXTO para buscar",
    ),
  );
});

Deno.test("formatWhen() shows the time for today and the date before that", () => {
  const now = new Date(2026, 10, 25, 18, 30).getTime();
  assert.equal(formatWhen(new Date(2026, 10, 25, 9, 5).getTime(), now), "09:05");
  assert.equal(formatWhen(new Date(2026, 10, 24, 23, 59).getTime(), now), "24/11/2026 23:59");
  assert.equal(formatWhen(0, now), "?");
});

Deno.test("formatSize() uses B, KB, MB and GB with one decimal", () => {
  assert.equal(formatSize(0), "0 B");
  assert.equal(formatSize(1023), "1023 B");
  assert.equal(formatSize(1536), "1.5 KB");
  assert.equal(formatSize(200 * 1024 * 1024), "200.0 MB");
  assert.equal(formatSize(1024 * 1024 * 1024 - 1), "1.0 GB");
  assert.equal(formatSize(5 * 1024 ** 3), "5.0 GB");
  assert.equal(formatDuration(75), "1:15");
  assert.equal(formatDuration(3725), "1:02:05");
  assert.equal(formatDuration(Infinity), "--:--");
});

Deno.test("renderEvent() prints the documented pipe-mode lines in Spanish and English", () => {
  const ctx = { t: es, color: false, me: "Ana" };
  const file = {
    fileId: "k3f9ab",
    filename: "video.mp4",
    size: 200 * 1024 * 1024,
    sha256: "",
    from: "Ana",
    ts: 0,
  };
  assert.deepEqual(
    renderEvent(
      { type: "message", from: "Luis", text: "hola\nmundo", own: false, history: false },
      ctx,
    ),
    // A multi-line message is one message: further lines indented under the author.
    ["[Luis]: hola", "    mundo"],
  );
  assert.deepEqual(renderEvent({ type: "file", file, history: false }, ctx), [
    "[ARCHIVO] Ana compartió video.mp4 (200.0 MB) — /download k3f9ab",
  ]);
  const transfer: TransferInfo = {
    id: 1,
    kind: "download",
    label: "video.mp4",
    done: 0,
    total: 0,
    started: 0,
  };
  assert.deepEqual(
    renderEvent({
      type: "transfer_done",
      transfer,
      filename: "video.mp4",
      size: 200 * 1024 * 1024,
      sha256: "",
      path: "downloads/video.mp4",
    }, ctx),
    ["[OK] Descargado: downloads/video.mp4 (200.0 MB, SHA-256 verificado)"],
  );
  assert.deepEqual(
    renderEvent(
      { type: "transfer_failed", transfer, code: "not_found", message: "file not found" },
      ctx,
    ),
    ["[ERROR] No se pudo descargar video.mp4: no hay ningún archivo con ese id (escribe /files)"],
  );
  assert.deepEqual(
    renderEvent({
      type: "call",
      action: "start",
      from: "Luis",
      first: true,
      ended: false,
      reason: "",
      members: [],
    }, ctx),
    ["[LLAMADA] Luis inició una videollamada — escribe /call start para unirte"],
  );
  assert.deepEqual(
    renderEvent({
      type: "call",
      action: "stop",
      from: "Luis",
      first: false,
      ended: false,
      reason: "left",
      members: [],
    }, ctx),
    ["[LLAMADA] Luis salió de la videollamada"],
  );
  assert.deepEqual(renderEvent({ type: "join", name: "Eva" }, { ...ctx, t: en }), [
    "[SYSTEM] Eva joined the chat",
  ]);
  assert.deepEqual(renderEvent({ type: "files", files: [file] }, { ...ctx, t: en }), [
    "[FILES] 1 shared file(s):",
    "[FILE] Ana shared video.mp4 (200.0 MB, ?) — /download k3f9ab",
  ]);
  const today = Date.now();
  assert.deepEqual(
    renderEvent({ type: "files", files: [{ ...file, ts: today }] }, ctx)[1],
    `[ARCHIVO] Ana compartió video.mp4 (200.0 MB, ${formatWhen(today)}) — /download k3f9ab`,
  );
  assert.deepEqual(
    renderEvent({ type: "notice", key: "messageTooLong", params: { bytes: 5000, max: 4096 } }, ctx),
    [
      "[ERROR] Mensaje demasiado largo: 5000 bytes (máximo 4096). No se envió",
    ],
  );
  const help = renderEvent({ type: "notice", key: "help" }, ctx).join("\n");
  for (
    const cmd of [
      "/upload",
      "/download",
      "/files",
      "/who",
      "/help",
      "/quit",
      "/call start",
      "/call stop",
      "/call stats",
    ]
  ) {
    assert.ok(help.includes(cmd), cmd);
  }
  assert.deepEqual(
    renderEvent({
      type: "closed",
      info: { reason: "server_error", code: "idle_timeout", message: "x" },
    }, ctx),
    [
      "[ERROR] El servidor cerró la conexión por inactividad (x)",
    ],
  );
  // No escape sequences at all in pipe mode.
  for (const line of renderEvent(welcomeEvent("Ana"), ctx)) assert.ok(!line.includes("\x1b"), line);
});

Deno.test("renderEvent() colours names in interactive mode without letting names inject sequences", () => {
  const [line] = renderEvent(
    { type: "message", from: "Evil\x1b[2J", text: "x\x1b]0;pwn\x07", own: false, history: false },
    { t: es, color: true, me: "Ana" },
  );
  assert.ok(line.includes("\x1b[" + nameStyle("Evil\x1b[2J", "Ana") + "m"));
  assert.ok(!line.includes("\x1b[2J"));
  assert.ok(!line.includes("\x1b]"));
});
