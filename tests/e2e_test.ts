/**
 * End to end: server.ts and client.ts as subprocesses in pipe mode, plus a
 * raw v1 client speaking the original protocol byte for byte.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { decodeMessage, encodeFrame, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import { type Client, ClientGroup, root, startServer } from "./pipe_processes.ts";
import { waitFor, withDeadline } from "./wait.ts";

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  const buf = new Uint8Array(1024 * 1024);
  while (true) {
    const n = await file.read(buf);
    if (n === null) break;
    hash.update(buf.subarray(0, n));
  }
  return hash.digest("hex");
}

/** Writes `mib` MiB of varied bytes quickly: one random block, each copy stamped with its index. */
async function makeFile(path: string, mib: number): Promise<string> {
  const block = crypto.getRandomValues(new Uint8Array(1024 * 1024 / 16)); // getRandomValues caps at 64 KiB
  const chunk = new Uint8Array(1024 * 1024);
  for (let i = 0; i < 16; i++) chunk.set(block, i * block.length);
  const hash = createHash("sha256");
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  for (let i = 0; i < mib; i++) {
    new DataView(chunk.buffer).setUint32(i % 1000 * 64, i);
    chunk[1_000_000] = i & 0xff;
    hash.update(chunk);
    let written = 0;
    while (written < chunk.length) written += await file.write(chunk.subarray(written));
  }
  return hash.digest("hex");
}

// ---------------------------------------------------------------------------
// A raw v1 client, byte for byte as the original Python program.

class V1Chat {
  conn: Deno.Conn;
  frames: Message[] = [];
  #decoder = new FrameDecoder({ maxFrame: 1024 * 1024 });
  #reading: Promise<void>;
  private constructor(conn: Deno.Conn) {
    this.conn = conn;
    this.#reading = this.#read();
  }
  async #read(): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    while (true) {
      let n: number | null;
      try {
        n = await this.conn.read(buf);
      } catch {
        break;
      }
      if (n === null) break;
      this.#decoder.push(buf.subarray(0, n));
      let p: Uint8Array | null;
      while ((p = this.#decoder.next()) !== null) this.frames.push(decodeMessage(p));
    }
  }
  static async connect(port: number, name: string): Promise<V1Chat> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const c = new V1Chat(conn);
    await c.send({ name });
    return c;
  }
  async send(m: Message): Promise<void> {
    const bytes = encodeFrame(m);
    let w = 0;
    while (w < bytes.length) w += await this.conn.write(bytes.subarray(w));
  }
  /** The first frame received matching `pred`; fails after 30 s listing the frames. */
  async wait(pred: (m: Message) => boolean, what: string): Promise<Message> {
    await waitFor(() => this.frames.some(pred), {
      message: `the v1 client to receive ${what}`,
      timeoutMs: 30_000,
      detail: () => JSON.stringify(this.frames),
    });
    return this.frames.find(pred)!;
  }
  async close(): Promise<void> {
    await this.send({ type: "quit" }).catch(() => {});
    try {
      await withDeadline(this.#reading, 10_000, "the server to close the v1 connection");
    } finally {
      try {
        this.conn.close();
      } catch { /* closed by the server */ }
    }
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let w = 0;
  while (w < bytes.length) w += await conn.write(bytes.subarray(w));
}

/** Reads one frame and then every raw byte until the server closes; closes `conn` after 30 s. */
async function readFrameAndRest(
  conn: Deno.Conn,
  what: string,
): Promise<{ frame: Message; rest: Uint8Array }> {
  try {
    return await withDeadline(readToEnd(conn), 30_000, what);
  } catch (e) {
    try {
      conn.close();
    } catch { /* already closed */ }
    throw e;
  }
}

async function readToEnd(conn: Deno.Conn): Promise<{ frame: Message; rest: Uint8Array }> {
  const dec = new FrameDecoder();
  const buf = new Uint8Array(64 * 1024);
  let frame: Message | null = null;
  const parts: Uint8Array[] = [];
  while (true) {
    const n = await conn.read(buf);
    if (n === null) break;
    if (frame === null) {
      dec.push(buf.subarray(0, n));
      const p = dec.next();
      if (p !== null) {
        frame = decodeMessage(p);
        parts.push(dec.takeRest());
      }
    } else {
      parts.push(buf.slice(0, n));
    }
  }
  if (frame === null) throw new Error("No frame before EOF");
  const total = parts.reduce((a, p) => a + p.length, 0);
  const rest = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    rest.set(p, at);
    at += p.length;
  }
  return { frame, rest };
}

// ---------------------------------------------------------------------------

Deno.test("e2e: two clients chat and both see the messages in the same order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pc3_e2e_" });
  const clients = new ClientGroup();
  const server = await startServer(join(dir, "storage"));
  try {
    const ana = clients.start("Ana", server, join(dir, "dl_ana"));
    await ana.out.wait(/^\[SISTEMA\] Conectado/);
    const luis = clients.start("Luis", server, join(dir, "dl_luis"));
    await ana.out.wait(/Luis se unió al chat/);
    for (let i = 0; i < 10; i++) {
      await ana.send(`a${i}`);
      await luis.send(`l${i}`);
    }
    await ana.out.wait(/^\[Luis\]: l9$/);
    await ana.out.wait(/^\[Ana\]: a9$/);
    await luis.out.wait(/^\[Ana\]: a9$/);
    await luis.out.wait(/^\[Luis\]: l9$/);
    const chat = (c: Client) => c.out.lines.filter((l) => /^\[(Ana|Luis)\]: [al]\d$/.test(l));
    assert.equal(chat(ana).length, 20);
    assert.deepEqual(chat(ana), chat(luis));
    // Each sender's own messages keep their order.
    assert.deepEqual(
      chat(ana).filter((l) => l.startsWith("[Ana]")),
      Array.from({ length: 10 }, (_, i) => `[Ana]: a${i}`),
    );
    assert.equal(await ana.end(), 0);
    assert.equal(await luis.end(), 0);
  } finally {
    await clients.kill();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("e2e: a 200 MB upload and download verify SHA-256 while both clients keep chatting", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pc3_e2e_" });
  const clients = new ClientGroup();
  const server = await startServer(join(dir, "storage"));
  try {
    const src = join(dir, "video grande.bin");
    const sha = await makeFile(src, 200);
    const ana = clients.start("Ana", server, join(dir, "dl_ana"));
    await ana.out.wait(/^\[SISTEMA\] Conectado/);
    const luis = clients.start("Luis", server, join(dir, "dl_luis"));
    await ana.out.wait(/Luis se unió al chat/);
    await ana.send(`/upload "${src}"`);
    await ana.send("subiendo ya");
    const shared = await luis.out.wait(
      /^\[ARCHIVO\] Ana compartió video grande\.bin \(200\.0 MB\) — \/download ([a-z0-9]+)$/,
    );
    // The message sent after /upload arrived before the upload finished.
    const msg = await luis.out.wait(/^\[Ana\]: subiendo ya$/);
    assert.ok(msg.index < shared.index, luis.out.lines.join("\n"));
    const id = shared.match[1];
    await luis.send(`/download ${id}`);
    await luis.send("bajando ya");
    const done = await luis.out.wait(
      /^\[OK\] Descargado: (.*) \(200\.0 MB, SHA-256 verificado\)$/,
    );
    const during = await luis.out.wait(/^\[Luis\]: bajando ya$/);
    assert.ok(during.index < done.index, luis.out.lines.join("\n"));
    await ana.out.wait(/^\[Luis\]: bajando ya$/);
    await ana.out.wait(/^\[OK\] Subido: video grande\.bin \(200\.0 MB, SHA-256 verificado\)/);
    const path = done.match[1];
    const full = resolve(root, path); // absolute as printed, or relative to the project
    assert.equal(await sha256File(full), sha);
    assert.equal(await ana.end(), 0);
    assert.equal(await luis.end(), 0);
  } finally {
    await clients.kill();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("e2e: a raw v1 client and a v2 client chat and exchange files both ways", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pc3_e2e_" });
  const clients = new ClientGroup();
  const server = await startServer(join(dir, "storage"));
  try {
    const luis = clients.start("Luis", server, join(dir, "dl_luis"));
    await luis.out.wait(/^\[SISTEMA\] Conectado/);
    const v1 = await V1Chat.connect(server.chat, "Viejo");
    await luis.out.wait(/Viejo se unió al chat/);
    // Chat both ways.
    await luis.send("hola v1");
    const got = await v1.wait((m) => m.type === "message" && m.text === "hola v1", "hola v1");
    assert.equal(got.from, "Luis");
    await v1.send({ type: "message", text: "hola v2, soy el cliente viejo" });
    await luis.out.wait(/^\[Viejo\]: hola v2, soy el cliente viejo$/);

    // v1 -> v2: upload with its own id, announce, the v2 client downloads.
    const content = new TextEncoder().encode("apuntes del cliente v1\n".repeat(1000));
    // The original client's id: <unix ms>_<file name>, spaces included.
    const fileId = `${Date.now()}_apuntes v1.txt`;
    const up = await Deno.connect({ hostname: "127.0.0.1", port: server.files });
    await writeAll(
      up,
      encodeFrame({
        type: "upload",
        file_id: fileId,
        filename: "apuntes v1.txt",
        size: content.length,
      }),
    );
    await writeAll(up, content);
    const ok = await readFrameAndRest(up, "the upload's reply");
    up.close();
    assert.equal(ok.frame.type, "upload_ok", JSON.stringify(ok.frame));
    await v1.send({
      type: "file_available",
      filename: "apuntes v1.txt",
      size: content.length,
      file_id: fileId,
    });
    const shared = await luis.out.wait(
      /^\[ARCHIVO\] Viejo compartió apuntes v1\.txt \(.*\) — \/download (.+)$/,
    );
    assert.equal(shared.match[1], fileId);
    await luis.send(`/download ${fileId}`);
    const done = await luis.out.wait(/^\[OK\] Descargado: (.*) \(.*SHA-256 verificado\)$/);
    const path = resolve(root, done.match[1]); // absolute (any OS) or relative to the project
    assert.deepEqual(await Deno.readFile(path), content);

    // v2 -> v1: the v2 client uploads, the v1 client sees file_available and downloads.
    const src = join(dir, "para el viejo.bin");
    const data = crypto.getRandomValues(new Uint8Array(50_000));
    await Deno.writeFile(src, data);
    await luis.send(`/upload ${src}`);
    const avail = await v1.wait(
      (m) => m.type === "file_available" && m.filename === "para el viejo.bin",
      "the file_available of para el viejo.bin",
    );
    assert.equal(avail.from, "Luis");
    const down = await Deno.connect({ hostname: "127.0.0.1", port: server.files });
    await writeAll(down, encodeFrame({ type: "download", file_id: avail.file_id as string }));
    const r = await readFrameAndRest(down, "the download");
    down.close();
    assert.equal(r.frame.type, "download_meta");
    assert.equal(r.frame.filename, "para el viejo.bin");
    assert.equal(r.frame.size, data.length);
    assert.deepEqual(r.rest, data);

    await v1.close();
    assert.equal(await luis.end(), 0);
  } finally {
    await clients.kill();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("e2e: after a restart on the same storage files are listed and downloadable and history is shown", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pc3_e2e_" });
  const clients = new ClientGroup();
  const storage = join(dir, "storage");
  let server = await startServer(storage);
  try {
    const src = join(dir, "clase.pdf");
    const data = crypto.getRandomValues(new Uint8Array(60_000));
    await Deno.writeFile(src, data);
    const ana = clients.start("Ana", server, join(dir, "dl_ana"));
    await ana.out.wait(/^\[SISTEMA\] Conectado/);
    await ana.send("mensaje antes del reinicio");
    await ana.send(`/upload ${src}`);
    const up = await ana.out.wait(/^\[OK\] Subido: clase\.pdf .* — \/download ([a-z0-9]+)$/);
    const id = up.match[1];
    await ana.out.wait(/^\[Ana\]: mensaje antes del reinicio$/);
    assert.equal(await ana.end(), 0);
    await server.stop();

    server = await startServer(storage);
    const eva = clients.start("Eva", server, join(dir, "dl_eva"));
    await eva.out.wait(/^\[Ana\]: mensaje antes del reinicio$/);
    await eva.send("/files");
    await eva.out.wait(
      new RegExp(`^\\[ARCHIVO\\] Ana compartió clase\\.pdf \\(.*\\) — /download ${id}$`),
    );
    await eva.send(`/download ${id}`);
    const done = await eva.out.wait(/^\[OK\] Descargado: (.*) \(.*SHA-256 verificado\)$/);
    const path = resolve(root, done.match[1]); // absolute (any OS) or relative to the project
    assert.deepEqual(await Deno.readFile(path), data);
    assert.equal(await eva.end(), 0);
  } finally {
    await clients.kill();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
