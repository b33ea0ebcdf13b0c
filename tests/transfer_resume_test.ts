/**
 * The client's transfers across cuts, restarts and odd replies
 * (lib/client/transfers/): the `.part` and its sidecar, long names, names
 * with bidi controls, downloads without a SHA-256, an `upload_ok` that never
 * comes, `upload_running` retried on an injected clock, and transfers that
 * wait for the chat to come back.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { downloadFile, TransferError, uploadFile } from "../lib/client/transfers.ts";
import { partStem } from "../lib/client/transfers/part_file.ts";
import { OnlineGate } from "../lib/client/reconnect.ts";
import { decodeMessage, encodeFrame, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import { bytes, concat, sha256hex, startFileServer, TOKEN, walk } from "./file_test_helpers.ts";
import { FakeClock } from "./fake_clock.ts";
import { waitFor, withDeadline } from "./wait.ts";

/** A clock for the pauses between retries that does not make a test wait a real second. */
const INSTANT = {
  setTimeout: (fn: () => void) => setTimeout(fn, 0),
  clearTimeout: (id: unknown) => clearTimeout(id as number),
};

/**
 * A scripted fake file server: connection number `i` gets `script[i]`,
 * which reads what it wants and writes its answer, then the connection is
 * closed. Each connection's first frame is recorded in `requests`.
 */
function scripted(
  script: Array<(io: ScriptIo) => Promise<void>>,
): { port: number; requests: Message[]; done: Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const requests: Message[] = [];
  const done = (async () => {
    for (const step of script) {
      const conn = await listener.accept();
      const io = new ScriptIo(conn);
      try {
        requests.push(await io.frame());
        await step(io);
      } catch {
        /* the client went away */
      } finally {
        try {
          conn.close();
        } catch { /* closed */ }
      }
    }
    listener.close();
  })();
  return { port: listener.addr.port, requests, done };
}

/** Frames and raw bytes on one connection of {@link scripted}. */
class ScriptIo {
  #decoder = new FrameDecoder({ maxFrame: 1 << 20 });
  #buf = new Uint8Array(64 * 1024);
  constructor(readonly conn: Deno.Conn) {}
  async frame(): Promise<Message> {
    while (true) {
      const p = this.#decoder.next();
      if (p !== null) return decodeMessage(p);
      const n = await this.conn.read(this.#buf);
      if (n === null) throw new Error("EOF");
      this.#decoder.push(this.#buf.subarray(0, n));
    }
  }
  /** Reads `n` raw bytes (those left in the decoder first). */
  async raw(n: number): Promise<void> {
    let got = this.#decoder.takeRest().length;
    while (got < n) {
      const r = await this.conn.read(this.#buf.subarray(0, Math.min(this.#buf.length, n - got)));
      if (r === null) throw new Error("EOF");
      got += r;
    }
  }
  async send(m: Message | Uint8Array): Promise<void> {
    let bytes = m instanceof Uint8Array ? m : encodeFrame(m);
    while (bytes.length > 0) bytes = bytes.subarray(await this.conn.write(bytes));
  }
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pc3_resume_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("partStem() is short and safe whatever the id", () => {
  assert.equal(partStem("K3F9AB"), "k3f9ab");
  assert.match(partStem("../../x"), /^[0-9a-f]{32}$/);
  assert.match(partStem("a".repeat(200)), /^[0-9a-f]{32}$/);
  assert.notEqual(partStem("a/b"), partStem("a\\b"));
});

Deno.test("downloadFile() saves names of 251 to 255 bytes (the temporary name is short)", async () => {
  const s = await startFileServer();
  try {
    for (const length of [251, 253, 255]) {
      const name = "n".repeat(length - 4) + ".txt";
      const src = join(s.parent, "src.txt");
      await Deno.writeTextFile(src, `largo ${length}`);
      const up = await uploadFile(src, { host: "127.0.0.1", port: s.port, token: TOKEN });
      // The server keeps the name given in the request: upload under the long name.
      const long = join(s.parent, name);
      await Deno.rename(src, long);
      const up2 = await uploadFile(long, { host: "127.0.0.1", port: s.port, token: TOKEN });
      assert.equal(new TextEncoder().encode(up2.filename).length, length);
      const dir = join(s.parent, `dl${length}`);
      const down = await downloadFile(up2.file_id, { host: "127.0.0.1", port: s.port, dir });
      assert.equal(down.filename, name, "the user's name is never shortened");
      assert.equal(await Deno.readTextFile(down.path), `largo ${length}`);
      assert.deepEqual(await walk(dir), [join(dir, name)]);
      await Deno.remove(long);
      assert.ok(up.file_id);
    }
  } finally {
    await s.close();
  }
});

Deno.test("downloadFile() strips bidi controls from the saved name and says when nothing was verified", async () => {
  await withDir(async (dir) => {
    const data = new TextEncoder().encode("no es un pdf");
    const fake = scripted([async (io) => {
      await io.send(concat(
        encodeFrame({ type: "download_meta", filename: "tarea\u202efdp.exe", size: data.length }),
        data,
      ));
    }]);
    const down = await downloadFile("x1", { host: "127.0.0.1", port: fake.port, dir });
    await withDeadline(fake.done, 10_000, "the fake server");
    assert.equal(down.filename, "tareafdp.exe");
    assert.equal(down.verified, false, "no SHA-256 from the server: not verified");
    assert.deepEqual(await walk(dir), [join(dir, "tareafdp.exe")]);
  });
});

Deno.test("downloadFile() starts over when the part left behind belongs to another file", async () => {
  await withDir(async (dir) => {
    const data = bytes(5000, 9);
    const sha256 = await sha256hex(data);
    // A part from an earlier file with the same id: longer than this one.
    await Deno.writeFile(join(dir, ".pc3-same.part"), bytes(8000, 1));
    await Deno.writeTextFile(
      join(dir, ".pc3-same.part.json"),
      JSON.stringify({ fileId: "same", size: 9000, sha256: "00", name: "viejo.bin" }),
    );
    const fake = scripted([
      async (io) => {
        await io.send({ type: "error", code: "bad_request", message: "offset past the end" });
      },
      async (io) => {
        await io.send(concat(
          encodeFrame({ type: "download_meta", filename: "nuevo.bin", size: data.length, sha256 }),
          data,
        ));
      },
    ]);
    const down = await downloadFile("same", { host: "127.0.0.1", port: fake.port, dir });
    await withDeadline(fake.done, 10_000, "the fake server");
    assert.deepEqual(fake.requests.map((r) => r.offset), [8000, undefined]);
    assert.deepEqual(await Deno.readFile(down.path), data);
    assert.deepEqual(await walk(dir), [join(dir, "nuevo.bin")]);
  });
});

Deno.test("uploadFile() never waits for ever for upload_ok: no_reply on the injected clock", async () => {
  await withDir(async (dir) => {
    const src = join(dir, "a.bin");
    await Deno.writeFile(src, bytes(1000, 2));
    let gotEnd = false;
    const release = Promise.withResolvers<void>();
    const fake = scripted([async (io) => {
      await io.send({ type: "upload_ready", upload_id: "u1", offset: 0 });
      await io.raw(1000);
      assert.equal((await io.frame()).type, "upload_end");
      gotEnd = true;
      await release.promise; // Silence: the confirmation never comes.
    }]);
    const clock = new FakeClock();
    const upload = uploadFile(src, {
      host: "127.0.0.1",
      port: fake.port,
      token: TOKEN,
      clock,
      confirmMs: 5_000,
      retries: 0,
    });
    await waitFor(() => gotEnd, { message: "the upload_end" });
    await waitFor(() => clock.pending > 0, { message: "the confirmation timer" });
    clock.advance(4_999);
    clock.advance(1);
    await assert.rejects(upload, (e: unknown) => {
      assert.ok(e instanceof TransferError);
      assert.equal(e.code, "no_reply");
      return true;
    });
    release.resolve();
    await withDeadline(fake.done, 10_000, "the fake server");
  });
});

Deno.test("uploadFile() retries upload_running on its retry clock and resumes with the current token", async () => {
  await withDir(async (dir) => {
    const data = bytes(3000, 4);
    const src = join(dir, "b.bin");
    await Deno.writeFile(src, data);
    const sha256 = await sha256hex(data);
    const fake = scripted([
      async (io) => {
        await io.send({ type: "upload_ready", upload_id: "u7", offset: 0 });
        await io.raw(1000); // Then the connection is cut.
      },
      async (io) => {
        await io.send({ type: "error", code: "upload_running", message: "still running" });
      },
      async (io) => {
        await io.send({ type: "upload_ready", upload_id: "u7", offset: 1000 });
        await io.raw(2000);
        const end = await io.frame();
        assert.equal(end.sha256, sha256);
        await io.send({
          type: "upload_ok",
          file_id: "f1",
          filename: "b.bin",
          size: data.length,
          sha256,
        });
      },
    ]);
    const retries: string[] = [];
    let session = 0;
    const up = await uploadFile(src, {
      host: "127.0.0.1",
      port: fake.port,
      token: () => `token${session++}`,
      retryClock: INSTANT,
      onRetry: (attempt, code) => retries.push(`${attempt}:${code}`),
    });
    await withDeadline(fake.done, 10_000, "the fake server");
    assert.equal(up.file_id, "f1");
    assert.deepEqual(retries, ["1:connection_lost", "2:upload_running"]);
    assert.deepEqual(fake.requests.map((r) => [r.token, r.resume]), [
      ["token0", undefined],
      ["token1", "u7"],
      ["token2", "u7"],
    ]);
  });
});

Deno.test("downloadFile() waits for the chat to come back and then continues from its part", async () => {
  await withDir(async (dir) => {
    const data = bytes(4000, 3);
    const sha256 = await sha256hex(data);
    const meta = { type: "download_meta", filename: "c.bin", size: data.length, sha256 };
    const gate = new OnlineGate();
    // First connection: 1000 bytes, then the "server" dies; the chat goes away with it.
    const first = scripted([async (io) => {
      await io.send(concat(encodeFrame(meta), data.subarray(0, 1000)));
      gate.set(false);
    }]);
    const port = first.port;
    const retries: string[] = [];
    const download = downloadFile("c1", {
      host: "127.0.0.1",
      port,
      dir,
      retries: 1,
      retryClock: INSTANT,
      waitOnline: (signal) => gate.wait(signal),
      onRetry: (attempt, code) => retries.push(`${attempt}:${code}`),
    });
    await withDeadline(first.done, 10_000, "the first server");
    // The retry waits for the chat: its one retry is renewed once the chat is back.
    await waitFor(() => retries.length >= 1, { message: "the first retry" });
    const back = Deno.listen({ hostname: "127.0.0.1", port });
    const asked = (async () => {
      const conn = await back.accept();
      back.close();
      const io = new ScriptIo(conn);
      const request = await io.frame();
      await io.send(concat(encodeFrame({ ...meta, offset: 1000 }), data.subarray(1000)));
      conn.close();
      return request;
    })();
    gate.set(true);
    const down = await download;
    assert.equal((await asked).offset, 1000);
    assert.deepEqual(await Deno.readFile(down.path), data);
    assert.deepEqual(await walk(dir), [join(dir, "c.bin")]);
  });
});

Deno.test("downloadFile() refuses a second download of the same file into the same folder while one runs", async () => {
  await withDir(async (dir) => {
    const release = Promise.withResolvers<void>();
    const fake = scripted([async (io) => {
      await io.send(
        concat(encodeFrame({ type: "download_meta", filename: "d.bin", size: 10 }), bytes(2)),
      );
      await release.promise;
    }]);
    const abort = new AbortController();
    const first = downloadFile("d1", {
      host: "127.0.0.1",
      port: fake.port,
      dir,
      signal: abort.signal,
      retries: 0,
    });
    await waitFor(() => fake.requests.length === 1, { message: "the first download" });
    await assert.rejects(
      downloadFile("D1", { host: "127.0.0.1", port: fake.port, dir }),
      (e: unknown) => e instanceof TransferError && e.code === "already_running",
    );
    abort.abort();
    await assert.rejects(first);
    release.resolve();
    await withDeadline(fake.done, 10_000, "the fake server");
  });
});
