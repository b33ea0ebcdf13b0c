import assert from "node:assert/strict";
import type { ClientEvent, TransferInfo, Welcome } from "../lib/client/chat_client.ts";
import { clientText, formatDuration, formatSize, formatWhen } from "../lib/client/text.ts";
import { translator } from "../lib/protocol/i18n.ts";
import {
  displayWidth,
  InteractiveTerminal,
  LineEditor,
  nameStyle,
  OutputQueue,
  PipeTerminal,
  renderEvent,
  renderProgress,
  sanitize,
} from "../lib/terminal/terminal.ts";

const es = translator(clientText, "es");
const en = translator(clientText, "en");

/**
 * A tiny VT emulator: enough of CR, LF, CUU/CUD/CUF/CUB, CUP, ED, EL, SGR,
 * DECSTBM and DECSC/DECRC to check what the screen shows and where the
 * cursor is. Wide characters take two cells.
 */
class Screen {
  cells: string[][];
  row = 0;
  col = 0;
  top = 0;
  bottom: number;
  saved: [number, number] = [0, 0];
  constructor(public columns: number, public rows: number) {
    this.cells = Array.from({ length: rows }, () => Array(columns).fill(" "));
    this.bottom = rows - 1;
  }
  #scroll(): void {
    this.cells.splice(this.top, 1);
    this.cells.splice(this.bottom, 0, Array(this.columns).fill(" "));
  }
  #lf(): void {
    if (this.row === this.bottom) this.#scroll();
    else this.row = Math.min(this.rows - 1, this.row + 1);
  }
  write(text: string): void {
    const chars = [...text];
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i];
      if (ch === "\r") this.col = 0;
      else if (ch === "\n") this.#lf();
      else if (ch === "\x1b") {
        const next = chars[i + 1];
        if (next === "7") {
          this.saved = [this.row, this.col];
          i++;
        } else if (next === "8") {
          [this.row, this.col] = this.saved;
          i++;
        } else if (next === "[") {
          let j = i + 2;
          let params = "";
          while (/[0-9;?]/.test(chars[j])) params += chars[j++];
          const final = chars[j];
          i = j;
          const nums = params.replace("?", "").split(";").map((p) => p === "" ? NaN : Number(p));
          const n = Number.isNaN(nums[0]) ? 1 : nums[0];
          switch (final) {
            case "A":
              this.row = Math.max(0, this.row - n);
              break;
            case "B":
              this.row = Math.min(this.rows - 1, this.row + n);
              break;
            case "C":
              this.col = Math.min(this.columns - 1, this.col + n);
              break;
            case "D":
              this.col = Math.max(0, this.col - n);
              break;
            case "H":
              this.row = (Number.isNaN(nums[0]) ? 1 : nums[0]) - 1;
              this.col = (Number.isNaN(nums[1] ?? NaN) ? 1 : nums[1]) - 1;
              break;
            case "J":
              for (let c = this.col; c < this.columns; c++) this.cells[this.row][c] = " ";
              for (let r = this.row + 1; r < this.rows; r++) this.cells[r].fill(" ");
              break;
            case "K":
              this.cells[this.row].fill(" ");
              break;
            case "r":
              this.top = Number.isNaN(nums[0]) ? 0 : nums[0] - 1;
              this.bottom = Number.isNaN(nums[1] ?? NaN) ? this.rows - 1 : nums[1] - 1;
              this.row = 0;
              this.col = 0;
              break;
            default:
              break; // m (SGR), l/h (cursor visibility)
          }
        }
      } else {
        const w = displayWidth(ch);
        if (w === 0) continue;
        if (this.col + w > this.columns) {
          this.col = 0;
          this.#lf();
        }
        this.cells[this.row][this.col] = ch;
        if (w === 2) this.cells[this.row][this.col + 1] = "";
        this.col += w;
      }
    }
  }
  line(r: number): string {
    return this.cells[r].join("").trimEnd();
  }
  lines(): string[] {
    const out = this.cells.map((_, r) => this.line(r));
    while (out.length > 0 && out[out.length - 1] === "") out.pop();
    return out;
  }
}

function fakeOutput() {
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  return {
    chunks,
    text: () => chunks.join(""),
    writer: {
      write(p: Uint8Array): Promise<number> {
        chunks.push(decoder.decode(p));
        return Promise.resolve(p.length);
      },
    },
  };
}

function fakeInput() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => controller = c });
  const encoder = new TextEncoder();
  return {
    stream,
    type: (text: string) => controller.enqueue(encoder.encode(text)),
    bytes: (b: Uint8Array) => controller.enqueue(b),
    end: () => controller.close(),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

function welcomeEvent(name: string): ClientEvent {
  const welcome: Welcome = {
    name,
    token: "t",
    server: "s",
    filePort: 9010,
    mediaPort: 9020,
    maxMessage: 4096,
    maxFrame: 65536,
    maxUpload: 1,
    members: [{ name, since: 0, protocol: 2, inCall: false }, {
      name: "Luis",
      since: 0,
      protocol: 1,
      inCall: false,
    }],
    files: [],
    call: [],
  };
  return { type: "welcome", welcome, host: "127.0.0.1", port: 9009 };
}

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
  const lines = renderEvent(event, ctx);
  assert.ok(lines.includes("[ARCHIVOS] 12 archivo(s) compartido(s):"), lines.join("\n"));
  assert.ok(!lines.some((l) => l.endsWith("/download id0") || l.endsWith("/download id1")));
  assert.ok(lines.some((l) => l.endsWith("/download id2")));
  assert.ok(lines.some((l) => l.endsWith("/download id11")));
  assert.ok(lines.includes("[ARCHIVOS] … y 2 más: escribe /files para verlos todos"));
});

// ---------------------------------------------------------------------------
// Pure helpers

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

Deno.test("sanitize() removes escape sequences and line breaks from other users' text", () => {
  assert.equal(sanitize("a\x1b[2Jb\nc\u202ed\u009b"), "a [2Jb cd ");
});

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
    [
      "[Luis]: hola mundo",
    ],
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

Deno.test("renderProgress() shows percent, speed and time left within the width", () => {
  const info: TransferInfo = {
    id: 1,
    kind: "upload",
    label: "video.mp4",
    done: 50 * 1024 * 1024,
    total: 100 * 1024 * 1024,
    started: 0,
  };
  const line = renderProgress(info, { t: es, now: 10_000, columns: 200, color: false });
  assert.match(
    line,
    /^↑ video\.mp4 \[█{10}░{10}\] 50% {2}50\.0 MB\/100\.0 MB {2}5\.0 MB\/s {2}quedan 0:10$/,
  );
  const narrow = renderProgress(info, { t: es, now: 10_000, columns: 30, color: false });
  assert.ok(displayWidth(narrow) <= 29);
});

// ---------------------------------------------------------------------------
// Line editor

Deno.test("LineEditor edits with arrows, home/end, backspace and delete, split escape sequences included", () => {
  const ed = new LineEditor();
  assert.deepEqual(ed.feed("hla"), []);
  ed.feed("\x1b[D\x1b");
  ed.feed("[D");
  ed.feed("o");
  assert.equal(ed.text, "hola");
  ed.feed("\x1b[H\x1b[3~");
  assert.equal(ed.text, "ola");
  ed.feed("\x1b[F!!\x7f");
  assert.equal(ed.text, "ola!");
  ed.feed("\x01¡\x05");
  assert.equal(ed.text, "¡ola!");
  assert.equal(ed.cursor, 5);
  assert.deepEqual(ed.feed("\r\n"), [{ type: "submit", line: "¡ola!" }]);
  assert.equal(ed.text, "");
});

Deno.test("LineEditor keeps a history for up and down and restores the draft", () => {
  const ed = new LineEditor();
  ed.feed("uno\rdos\r");
  ed.feed("bor");
  ed.feed("\x1b[A");
  assert.equal(ed.text, "dos");
  ed.feed("\x1b[A\x1b[A");
  assert.equal(ed.text, "uno");
  ed.feed("\x1b[B\x1b[B");
  assert.equal(ed.text, "bor");
});

Deno.test("LineEditor treats graphemes and wide characters as one cursor step", () => {
  const ed = new LineEditor();
  ed.feed("a日本e\u0301👍🏽");
  assert.equal(ed.cursor, 5);
  ed.feed("\x7f");
  assert.equal(ed.text, "a日本e\u0301");
  ed.feed("\x7f");
  assert.equal(ed.text, "a日本");
  assert.deepEqual(ed.view(80), { text: "a日本", cursorColumn: 5 });
  ed.feed("\x1b[D\x1b[D");
  assert.deepEqual(ed.view(80), { text: "a日本", cursorColumn: 1 });
});

Deno.test("LineEditor scrolls a long line so the cursor stays visible", () => {
  const ed = new LineEditor();
  ed.feed("x".repeat(50) + "END");
  const v = ed.view(20);
  assert.ok(v.text.endsWith("END"));
  assert.ok(displayWidth(v.text) <= 19);
  assert.equal(v.cursorColumn, displayWidth(v.text));
  ed.feed("\x1b[H");
  assert.equal(ed.view(20).cursorColumn, 0);
});

Deno.test("LineEditor reports Ctrl+C, Ctrl+D on an empty line, and Ctrl+L", () => {
  const ed = new LineEditor();
  assert.deepEqual(ed.feed("\x03"), [{ type: "interrupt" }]);
  assert.deepEqual(ed.feed("\x04"), [{ type: "eof" }]);
  ed.feed("ab\x1b[D\x04");
  assert.equal(ed.text, "a");
  assert.deepEqual(ed.feed("\x0c"), [{ type: "clear" }]);
  ed.feed("uno dos\x17");
  assert.equal(ed.text, "auno ");
});

// ---------------------------------------------------------------------------
// Terminals with fake streams

Deno.test("InteractiveTerminal prints incoming lines above a half-typed line without garbling it", async () => {
  const out = fakeOutput();
  const input = fakeInput();
  let raw = false;
  const term = new InteractiveTerminal({
    input: input.stream,
    output: out.writer,
    lang: "es",
    size: () => ({ columns: 40, rows: 10 }),
    setRaw: (on) => raw = on,
  });
  assert.equal(raw, true);
  term.show(welcomeEvent("Ana"));
  const items = term.input();
  const first = items.next();
  input.type("hola qu");
  await tick();
  input.type("\x1b[D\x1b[D");
  await tick();
  term.show({ type: "message", from: "Luis", text: "buenas", own: false, history: false });
  term.show({ type: "join", name: "Eva" });
  await tick();
  const screen = new Screen(40, 10);
  screen.write(out.text());
  const lines = screen.lines();
  assert.equal(lines.at(-1), "Ana> hola qu");
  assert.equal(lines.at(-2), "[SISTEMA] Eva se unió al chat");
  assert.equal(lines.at(-3), "[Luis]: buenas");
  assert.equal(screen.row, lines.length - 1);
  assert.equal(screen.col, "Ana> hola ".length);
  // Typing goes on where the cursor was.
  input.type("é\r");
  assert.deepEqual((await first).value, { type: "line", line: "hola équ" });
  input.end();
  assert.deepEqual((await items.next()).value, { type: "eof" });
  await term.close();
  assert.equal(raw, false);
});

Deno.test("InteractiveTerminal draws progress bars above the prompt and removes them when done", async () => {
  const out = fakeOutput();
  const input = fakeInput();
  let now = 0;
  const term = new InteractiveTerminal({
    input: input.stream,
    output: out.writer,
    lang: "en",
    size: () => ({ columns: 100, rows: 8 }),
    now: () => now,
    redrawMs: 0,
  });
  term.setName("Ana");
  input.type("typing");
  const items = term.input();
  const pending = items.next();
  await tick();
  const info: TransferInfo = {
    id: 1,
    kind: "download",
    label: "big.iso",
    done: 0,
    total: 1000,
    started: 0,
  };
  term.show({ type: "transfer_start", transfer: info });
  now = 1000;
  term.show({ type: "transfer_progress", transfer: { ...info, done: 500 } });
  await new Promise((r) => setTimeout(r, 5));
  let screen = new Screen(100, 8);
  screen.write(out.text());
  let lines = screen.lines();
  assert.equal(lines.at(-1), "Ana> typing");
  assert.match(lines.at(-2)!, /^↓ big\.iso \[.*\] 50% .* left$/);
  assert.equal(lines.at(-3), "[TRANSFER] Downloading big.iso…");
  term.show({
    type: "transfer_done",
    transfer: info,
    filename: "big.iso",
    size: 1000,
    sha256: "",
    path: "downloads/big.iso",
  });
  await tick();
  screen = new Screen(100, 8);
  screen.write(out.text());
  lines = screen.lines();
  assert.equal(lines.at(-1), "Ana> typing");
  assert.equal(lines.at(-2), "[OK] Downloaded: downloads/big.iso (1000 B, SHA-256 verified)");
  assert.ok(!lines.some((l) => l.startsWith("↓")));
  input.end();
  await pending;
  await term.close();
});

Deno.test("InteractiveTerminal paints a pane at the top and keeps the chat below it", async () => {
  const out = fakeOutput();
  const input = fakeInput();
  const term = new InteractiveTerminal({
    input: input.stream,
    output: out.writer,
    lang: "es",
    size: () => ({ columns: 30, rows: 12 }),
  });
  term.setName("Ana");
  const size = term.paneSize();
  assert.equal(size.columns, 30);
  assert.ok(size.rows > 0 && size.rows < 12);
  term.paint(["VIDEO 1", "VIDEO 2"]);
  for (let i = 0; i < 20; i++) {
    term.show({ type: "message", from: "Luis", text: `m${i}`, own: false, history: false });
  }
  term.paint(["VIDEO A", "VIDEO B"]);
  await tick();
  let screen = new Screen(30, 12);
  screen.write(out.text());
  assert.equal(screen.line(0), "VIDEO A");
  assert.equal(screen.line(1), "VIDEO B");
  assert.equal(screen.line(11), "Ana>");
  assert.equal(screen.line(10), "[Luis]: m19");
  term.paint(null);
  term.show({ type: "message", from: "Luis", text: "fin", own: false, history: false });
  await tick();
  screen = new Screen(30, 12);
  screen.write(out.text());
  assert.ok(!screen.lines().includes("VIDEO A"));
  assert.equal(screen.line(10), "[Luis]: fin");
  input.end();
  await term.close();
});

Deno.test("InteractiveTerminal.ask() reads a name and close() ends a pending read", async () => {
  const out = fakeOutput();
  const input = fakeInput();
  const term = new InteractiveTerminal({ input: input.stream, output: out.writer, lang: "es" });
  const asking = term.ask("Tu nombre: ");
  input.type("  \rMaría José\r");
  assert.equal(await asking, "María José");
  const items = term.input();
  const pending = items.next();
  await term.close();
  assert.deepEqual((await pending).value, { type: "eof" });
});

Deno.test("PipeTerminal reads one command per line and prints plain lines", async () => {
  const out = fakeOutput();
  const input = fakeInput();
  const term = new PipeTerminal({ input: input.stream, output: out.writer, lang: "es" });
  term.show(welcomeEvent("Ana"));
  term.show({ type: "message", from: "Luis", text: "hola", own: false, history: false });
  input.type("uno\r\ndo");
  input.type('s\n/upload "a b.txt"');
  input.end();
  const got = [];
  for await (const item of term.input()) got.push(item);
  assert.deepEqual(got, [
    { type: "line", line: "uno" },
    { type: "line", line: "dos" },
    { type: "line", line: '/upload "a b.txt"' },
    { type: "eof" },
  ]);
  await term.close();
  assert.equal(
    out.text(),
    [
      "[SISTEMA] Conectado a 127.0.0.1:9009 como Ana. Escribe /help para ver los comandos",
      "[SISTEMA] En línea (2): Ana, Luis",
      "[Luis]: hola",
      "",
    ].join("\n"),
  );
});

Deno.test("PipeTerminal splits a multi-byte character across reads", async () => {
  const out = fakeOutput();
  const input = fakeInput();
  const term = new PipeTerminal({ input: input.stream, output: out.writer, lang: "es" });
  const bytes = new TextEncoder().encode("ñandú\n");
  for (const b of bytes) input.bytes(new Uint8Array([b]));
  input.end();
  const got = [];
  for await (const item of term.input()) got.push(item);
  assert.deepEqual(got[0], { type: "line", line: "ñandú" });
  await term.close();
});

Deno.test("OutputQueue never blocks the caller and drops what does not fit when output stalls", async () => {
  let release!: () => void;
  const stalled = new Promise<void>((r) => release = r);
  let written = 0;
  const q = new OutputQueue({
    async write(p) {
      await stalled;
      written += p.length;
      return p.length;
    },
  }, { maxQueued: 1000 });
  for (let i = 0; i < 100; i++) q.write("x".repeat(100));
  release();
  await q.flush();
  assert.ok(written > 0 && written <= 1000);
});
