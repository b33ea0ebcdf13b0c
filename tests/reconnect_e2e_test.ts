/**
 * Reconnection end to end: server.ts and client.ts as subprocesses in pipe
 * mode. The server is killed with SIGKILL and started again on the same
 * ports and storage; a connection is cut by a proxy while the server keeps
 * running (the grace period); a download is cut by a server restart and by a
 * client restart and continues from its `.part`. Every wait has a deadline
 * (tests/pipe_processes.ts, tests/wait.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ClientGroup, type Lines, type Server, startServer } from "./pipe_processes.ts";
import { TcpProxy } from "./proxy.ts";
import { waitFor } from "./wait.ts";

const EN = ["--lang", "en"];
const LOST = /^\[SYSTEM\] The connection to the server was lost/;
const BACK = /^\[SYSTEM\] Connected again to /;

/** The ports of `server`, to start it again on the same ones. */
function samePorts(server: Server): string[] {
  return [
    ...["--chat-port", String(server.chat), "--file-port", String(server.files)],
    ...["--media-port", String(server.media)],
  ];
}

/** How many lines of `lines` are exactly `line`. */
function count(lines: Lines, line: string): number {
  return lines.lines.filter((l) => l === line).length;
}

/** The lines of `lines` that are chat messages, in order. */
function chat(lines: Lines): string[] {
  return lines.lines.filter((l) => /^\[(Ana|Beto)\]: /.test(l));
}

/** Waits until the history file holds `text` (it is written shortly after each event). */
async function persisted(storage: string, text: string): Promise<void> {
  await waitFor(
    async () =>
      (await Deno.readTextFile(join(storage, "history.json")).catch(() => "")).includes(text),
    { message: `history.json to hold ${text}`, timeoutMs: 15_000 },
  );
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pc3_reconnect_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("kill -9 and restart under two pipe clients: both come back, the gap's messages arrive once, in order", async () => {
  await withTemp(async (dir) => {
    const storage = join(dir, "storage");
    let server = await startServer(storage, EN);
    const group = new ClientGroup();
    try {
      const a = group.start("Ana", server, join(dir, "a"), EN);
      await a.out.wait(/^\[SYSTEM\] /);
      const b = group.start("Beto", server, join(dir, "b"), EN);
      await a.out.wait(/Beto joined/);
      await a.send("antes");
      await b.out.wait(/^\[Ana\]: antes$/);
      await persisted(storage, "antes");
      await server.crash();
      await a.out.wait(LOST);
      const lostAt = (await b.out.wait(LOST)).index;
      // Typed while away: refused here, never sent later.
      await b.send("perdido");
      await b.out.wait(/Not connected to the server; retrying/, lostAt);
      server = await startServer(storage, [...EN, ...samePorts(server)]);
      await a.out.wait(BACK);
      for (const n of [1, 2, 3]) await a.send(`durante ${n}`);
      await b.out.wait(BACK);
      await b.out.wait(/^\[Ana\]: durante 3$/);
      await b.send("después");
      await a.out.wait(/^\[Beto\]: después$/);
      await b.out.wait(/^\[Beto\]: después$/);
      const expected = [
        "[Ana]: antes",
        "[Ana]: durante 1",
        "[Ana]: durante 2",
        "[Ana]: durante 3",
        "[Beto]: después",
      ];
      assert.deepEqual(chat(b.out), expected, b.out.text());
      assert.deepEqual(chat(a.out), expected, a.out.text());
      assert.equal(
        count(
          a.out,
          "[SYSTEM] The connection to the server was lost. Retrying… (nothing you type is sent until it is back; /quit to leave)",
        ),
        1,
        "said once",
      );
      assert.equal(await a.end(), 0);
      assert.equal(await b.end(), 0);
    } finally {
      await group.kill();
      await server.stop();
    }
  });
});

Deno.test("a connection cut while the server runs: no leave or join for the others, the missed messages once", async () => {
  await withTemp(async (dir) => {
    const server = await startServer(join(dir, "storage"), EN);
    const proxy = TcpProxy.start(server.chat);
    const group = new ClientGroup();
    try {
      const a = group.start("Ana", server, join(dir, "a"), [
        ...EN,
        "--chat-port",
        String(proxy.port),
      ]);
      await a.out.wait(/^\[SYSTEM\] /);
      const b = group.start("Beto", server, join(dir, "b"), EN);
      await a.out.wait(/Beto joined/);
      proxy.refusing = true;
      proxy.cutAll();
      await a.out.wait(LOST);
      for (const n of [1, 2, 3]) await b.send(`mientras ${n}`);
      await b.out.wait(/^\[Beto\]: mientras 3$/);
      proxy.refusing = false;
      await a.out.wait(BACK);
      await a.out.wait(/^\[Beto\]: mientras 3$/);
      await a.send("vuelvo");
      await b.out.wait(/^\[Ana\]: vuelvo$/);
      await a.out.wait(/^\[Ana\]: vuelvo$/);
      assert.deepEqual(chat(a.out), [
        "[Beto]: mientras 1",
        "[Beto]: mientras 2",
        "[Beto]: mientras 3",
        "[Ana]: vuelvo",
      ]);
      assert.equal(b.out.index(/Ana left/), -1, b.out.text());
      assert.equal(b.out.lines.filter((l) => /Ana joined/.test(l)).length, 0, b.out.text());
      assert.equal(await a.end(), 0);
      assert.equal(await b.end(), 0);
    } finally {
      await group.kill();
      await proxy.close();
      await server.stop();
    }
  });
});

/** The `.part` files in `dir` and their sizes. */
async function parts(dir: string): Promise<number[]> {
  const sizes: number[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.name.endsWith(".part")) sizes.push((await Deno.stat(join(dir, e.name))).size);
    }
  } catch { /* not created yet */ }
  return sizes;
}

Deno.test("a download cut by a server restart and then by a client restart continues from its .part", async () => {
  await withTemp(async (dir) => {
    const storage = join(dir, "storage");
    let server = await startServer(storage, EN);
    // Downloads go through a slow proxy so they are still running when cut.
    const slow = TcpProxy.start(server.files, { bytesPerSecond: 2 * 1024 * 1024 });
    const group = new ClientGroup();
    try {
      const data = new Uint8Array(6 * 1024 * 1024).map((_, i) => (i * 7 + (i >> 13)) & 255);
      const src = join(dir, "clase.bin");
      await Deno.writeFile(src, data);
      const a = group.start("Ana", server, join(dir, "a"), EN);
      await a.send(`/upload ${src}`);
      const id = (await a.out.wait(/^\[OK\] Uploaded: .* \/download (\S+)$/)).match[1];
      const bDir = join(dir, "b");
      const slowFiles = ["--file-port", String(slow.port)];
      const b = group.start("Beto", server, bDir, [...EN, ...slowFiles]);
      await b.out.wait(/^\[SYSTEM\] /);
      await b.send(`/download ${id}`);
      await waitFor(async () => (await parts(bDir)).some((n) => n > 0), {
        message: "the download to be under way",
      });
      await server.crash();
      server = await startServer(storage, [...EN, ...samePorts(server)]);
      await b.out.wait(/resuming where it stopped/);
      await b.out.wait(BACK);
      // Now the client itself stops mid-way (killed), and a new one picks the part up.
      await waitFor(async () => (await parts(bDir)).some((n) => n > 2 * 1024 * 1024), {
        message: "more of the download",
      });
      await group.kill();
      const before = (await parts(bDir))[0];
      assert.ok(before > 0 && before < data.length, `part of ${before} bytes`);
      const b2 = group.start("Beto", server, bDir, [...EN, ...slowFiles]);
      await b2.out.wait(/^\[SYSTEM\] /);
      await b2.send(`/download ${id}`);
      await b2.out.wait(/Continuing the download of clase\.bin from/);
      await b2.out.wait(/^\[OK\] Downloaded: .*clase\.bin \(6\.0 MB, SHA-256 verified\)$/);
      assert.deepEqual(await Deno.readFile(join(bDir, "clase.bin")), data);
      const left = [];
      for await (const e of Deno.readDir(bDir)) left.push(e.name);
      assert.deepEqual(left, ["clase.bin"], "the part and its sidecar are gone");
      assert.equal(await b2.end(), 0);
    } finally {
      await group.kill();
      await slow.close();
      await server.stop();
    }
  });
});

Deno.test("an upload cut by a server restart resumes with the new session once the client is back", async () => {
  await withTemp(async (dir) => {
    const storage = join(dir, "storage");
    let server = await startServer(storage, EN);
    const slow = TcpProxy.start(server.files, { bytesPerSecond: 2 * 1024 * 1024 });
    const group = new ClientGroup();
    try {
      const data = new Uint8Array(6 * 1024 * 1024).map((_, i) => (i * 13 + (i >> 11)) & 255);
      const src = join(dir, "tarea.bin");
      await Deno.writeFile(src, data);
      const a = group.start("Ana", server, join(dir, "a"), [
        ...EN,
        "--file-port",
        String(slow.port),
      ]);
      await a.out.wait(/^\[SYSTEM\] /);
      await a.send(`/upload ${src}`);
      await waitFor(() => slow.forwarded > 1024 * 1024, { message: "the upload to be under way" });
      await server.crash();
      server = await startServer(storage, [...EN, ...samePorts(server)]);
      await a.out.wait(BACK);
      const id = (await a.out.wait(/^\[OK\] Uploaded: tarea\.bin .* \/download (\S+)$/)).match[1];
      assert.ok(a.out.index(/The upload of tarea\.bin was cut; resuming/) >= 0, a.out.text());
      const b = group.start("Beto", server, join(dir, "b"), EN);
      await b.out.wait(/^\[SYSTEM\] /);
      await b.send(`/download ${id}`);
      await b.out.wait(/^\[OK\] Downloaded: .*tarea\.bin \(6\.0 MB, SHA-256 verified\)$/);
      assert.deepEqual(await Deno.readFile(join(dir, "b", "tarea.bin")), data);
      assert.equal(await a.end(), 0);
      assert.equal(await b.end(), 0);
    } finally {
      await group.kill();
      await slow.close();
      await server.stop();
    }
  });
});
