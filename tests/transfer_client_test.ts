import assert from "node:assert/strict";
import { join, sep } from "node:path";
import { encodeFrame, type Message } from "../lib/protocol/frame.ts";
import { downloadFile, type Progress, TransferError, uploadFile } from "../lib/client/transfers.ts";
import {
  blobCount,
  bytes,
  concat,
  readAll,
  sha256hex,
  startFileServer,
  TOKEN,
  WAIT_MS,
  walk,
  writeAll,
} from "./file_test_helpers.ts";
import { FakeClock } from "./fake_clock.ts";
import { TcpProxy } from "./proxy.ts";
import { withDeadline } from "./wait.ts";

/**
 * A one-shot fake file server: reads the request frame and answers with
 * `reply(request)`; `answered` resolves once the answer is written.
 */
function fakeServer(
  reply: (request: Message) => Uint8Array | Promise<Uint8Array>,
  options: { hold?: boolean } = {},
): { port: number; done: Promise<void>; answered: Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const answered = Promise.withResolvers<void>();
  const done = (async () => {
    const conn = await listener.accept();
    listener.close();
    try {
      const head = new Uint8Array(4);
      let got = 0;
      while (got < 4) got += (await conn.read(head.subarray(got))) ?? 4;
      const n = new DataView(head.buffer).getUint32(0);
      const body = new Uint8Array(n);
      got = 0;
      while (got < n) got += (await conn.read(body.subarray(got))) ?? n;
      await writeAll(conn, await reply(JSON.parse(new TextDecoder().decode(body))));
      answered.resolve();
      if (options.hold) await readAll(conn); // until the client closes
    } finally {
      conn.close();
    }
  })();
  done.catch(() => {}).finally(() => answered.resolve());
  return {
    port,
    done: withDeadline(done, WAIT_MS, "the fake server to finish"),
    answered: answered.promise,
  };
}

function isCode(code: string) {
  return (e: unknown) => {
    assert.ok(e instanceof TransferError, String(e));
    assert.equal(e.code, code, e.message);
    return true;
  };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pc3_client_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A clock for the pauses between retries that does not make a test wait a real second. */
const INSTANT = {
  setTimeout: (fn: () => void) => setTimeout(fn, 0),
  clearTimeout: (id: unknown) => clearTimeout(id as number),
};

/** A port nothing listens on. */
function deadPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("uploadFile() refuses a missing file or a directory before connecting", async () => {
  await withDir(async (dir) => {
    const port = deadPort();
    const opts = { host: "127.0.0.1", port, token: TOKEN };
    await assert.rejects(uploadFile(join(dir, "nope.txt"), opts), isCode("file_missing"));
    await assert.rejects(uploadFile(dir, opts), isCode("not_a_file"));
  });
});

Deno.test("uploadFile() and downloadFile() map a refused connection to connect_failed", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "a.txt"), "a");
    const port = deadPort();
    await assert.rejects(
      uploadFile(join(dir, "a.txt"), { host: "127.0.0.1", port, token: TOKEN }),
      (e: unknown) => {
        isCode("connect_failed")(e);
        assert.equal(((e as Error).cause as Error).name, "ConnectionRefused");
        return true;
      },
    );
    await assert.rejects(
      downloadFile("abc123", { host: "127.0.0.1", port, dir }),
      isCode("connect_failed"),
    );
  });
});

Deno.test("uploadFile() then downloadFile() round trip with throttled progress", async () => {
  const s = await startFileServer();
  try {
    const data = bytes(5 * 1024 * 1024 + 3, 8);
    const src = join(s.parent, "movie.mkv");
    await Deno.writeFile(src, data);
    const ups: Progress[] = [];
    const up = await uploadFile(src, {
      host: "127.0.0.1",
      port: s.port,
      token: TOKEN,
      onProgress: (p) => ups.push(p),
    });
    assert.equal(up.filename, "movie.mkv");
    assert.equal(up.size, data.length);
    assert.equal(up.sha256, await sha256hex(data));
    assert.deepEqual(ups.at(-1), { done: data.length, total: data.length });
    assert.ok(ups.every((p, i) => i === 0 || p.done >= ups[i - 1].done));

    const downs: Progress[] = [];
    const dir = join(s.parent, "downloads");
    const down = await downloadFile(up.file_id, {
      host: "127.0.0.1",
      port: s.port,
      dir,
      onProgress: (p) => downs.push(p),
    });
    assert.equal(down.path, join(dir, "movie.mkv"));
    assert.deepEqual(await Deno.readFile(down.path), data);
    assert.deepEqual(downs.at(-1), { done: data.length, total: data.length });
  } finally {
    await s.close();
  }
});

Deno.test("uploadFile() resumes an upload whose connection is cut, from the bytes the server has", async () => {
  const s = await startFileServer();
  const proxy = TcpProxy.start(s.port, { cutAfter: 2 * 1024 * 1024 });
  try {
    const data = bytes(6 * 1024 * 1024 + 5, 3);
    const src = join(s.parent, "clase.mp4");
    await Deno.writeFile(src, data);
    const retries: string[] = [];
    const up = await uploadFile(src, {
      host: "127.0.0.1",
      port: proxy.port,
      token: TOKEN,
      onRetry: (attempt, code) => retries.push(`${attempt}:${code}`),
      retryClock: INSTANT,
    });
    assert.ok(retries.length >= 1, "the cut connection was retried");
    assert.match(retries[0], /^1:(connection_lost|stalled)$/);
    assert.equal(up.sha256, await sha256hex(data));
    const down = await downloadFile(up.file_id, {
      host: "127.0.0.1",
      port: s.port,
      dir: join(s.parent, "dl"),
    });
    assert.deepEqual(await Deno.readFile(down.path), data);
  } finally {
    await proxy.close();
    await s.close();
  }
});

Deno.test("downloadFile() continues a cut download from the bytes it has", async () => {
  const s = await startFileServer();
  try {
    const data = bytes(6 * 1024 * 1024 + 7, 5);
    const src = join(s.parent, "iso.img");
    await Deno.writeFile(src, data);
    const up = await uploadFile(src, { host: "127.0.0.1", port: s.port, token: TOKEN });
    // The server's answer travels through the proxy's second direction: cut that one.
    const proxy = TcpProxy.start(s.port, { cutReplyAfter: 2 * 1024 * 1024 });
    try {
      const retries: string[] = [];
      const progress: number[] = [];
      const down = await downloadFile(up.file_id, {
        host: "127.0.0.1",
        port: proxy.port,
        dir: join(s.parent, "dl"),
        onRetry: (attempt, code) => retries.push(`${attempt}:${code}`),
        onProgress: (p) => progress.push(p.done),
        retryClock: INSTANT,
      });
      assert.deepEqual(retries, ["1:connection_lost"]);
      assert.deepEqual(await Deno.readFile(down.path), data);
      assert.equal(down.sha256, up.sha256);
      assert.ok(progress.every((n, i) => i === 0 || n >= progress[i - 1]), "never went back");
      assert.deepEqual(await walk(join(s.parent, "dl")), [join(s.parent, "dl", "iso.img")]);
    } finally {
      await proxy.close();
    }
  } finally {
    await s.close();
  }
});

Deno.test("uploadFile() gives up after its retries and reports the last failure", async () => {
  const s = await startFileServer();
  // Every connection is cut after 1 MiB: the upload can never finish.
  const proxy = TcpProxy.start(s.port, { cutAfter: 1024 * 1024, every: true });
  try {
    const src = join(s.parent, "big.bin");
    await Deno.writeFile(src, bytes(3 * 1024 * 1024, 4));
    const retries: number[] = [];
    await assert.rejects(
      uploadFile(src, {
        host: "127.0.0.1",
        port: proxy.port,
        token: TOKEN,
        retries: 1,
        onRetry: (attempt) => retries.push(attempt),
        retryClock: INSTANT,
      }),
      (e: unknown) => {
        assert.ok(e instanceof TransferError);
        assert.ok(["connection_lost", "bad_request"].includes(e.code), e.code);
        return true;
      },
    );
    assert.deepEqual(retries, [1]);
    assert.equal(await blobCount(s), 0, "nothing was published");
  } finally {
    await proxy.close();
    await s.close();
  }
});

Deno.test("uploadFile() passes the server's refusal code through", async () => {
  const s = await startFileServer();
  try {
    const src = join(s.parent, "a.txt");
    await Deno.writeTextFile(src, "hola");
    await assert.rejects(
      uploadFile(src, { host: "127.0.0.1", port: s.port, token: "not-a-session" }),
      isCode("unauthorized"),
    );
    await assert.rejects(
      downloadFile("zzzzzz", { host: "127.0.0.1", port: s.port, dir: join(s.parent, "dl") }),
      isCode("not_found"),
    );
  } finally {
    await s.close();
  }
});

Deno.test("downloadFile() never overwrites: a second copy gets a numbered name", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "notes.txt"), "mine");
    const data = bytes(1000);
    const sha = await sha256hex(data);
    for (const expected of ["notes (1).txt", "notes (2).txt"]) {
      const fake = fakeServer(() =>
        concat(
          encodeFrame({
            type: "download_meta",
            filename: "notes.txt",
            size: data.length,
            sha256: sha,
          }),
          data,
        )
      );
      const r = await downloadFile("id", { host: "127.0.0.1", port: fake.port, dir });
      await fake.done;
      assert.equal(r.filename, expected);
      assert.deepEqual(await Deno.readFile(r.path), data);
    }
    assert.equal(await Deno.readTextFile(join(dir, "notes.txt")), "mine");
  });
});

Deno.test("downloadFile() keeps hostile server file names inside the directory", async () => {
  await withDir(async (parent) => {
    const dir = join(parent, "downloads", "deep");
    const cases: Array<[string, string]> = [
      ["../../evil", "evil"],
      ["C:\\x", "x"],
      ["con.txt", "_con.txt"],
      ["/etc/passwd", "passwd"],
      ["..", "download"],
      ["a\u0000b", "a_b"],
    ];
    for (const [name, safe] of cases) {
      const fake = fakeServer(() =>
        concat(encodeFrame({ type: "download_meta", filename: name, size: 3 }), bytes(3))
      );
      const r = await downloadFile("id", { host: "127.0.0.1", port: fake.port, dir });
      await fake.done;
      assert.equal(r.filename, safe, name);
      assert.equal(r.path, join(dir, safe));
    }
    const all = await walk(parent);
    assert.ok(all.every((p) => p.startsWith(dir + sep)), all.join(", "));
    assert.equal(all.length, cases.length);
  });
});

Deno.test("downloadFile() deletes the data and throws hash_mismatch on a wrong SHA-256", async () => {
  await withDir(async (dir) => {
    const fake = fakeServer(() =>
      concat(
        encodeFrame({
          type: "download_meta",
          filename: "a.bin",
          size: 100,
          sha256: "00".repeat(32),
        }),
        bytes(100),
      )
    );
    await assert.rejects(
      downloadFile("id", { host: "127.0.0.1", port: fake.port, dir }),
      isCode("hash_mismatch"),
    );
    await fake.done;
    assert.deepEqual(await walk(dir), []);
  });
});

Deno.test("downloadFile() throws connection_lost on a short download and keeps its part for the next one", async () => {
  await withDir(async (dir) => {
    const data = bytes(100_000, 6);
    const sha256 = await sha256hex(data);
    const meta = { type: "download_meta", filename: "a.bin", size: data.length, sha256 };
    const fake = fakeServer(() => concat(encodeFrame(meta), data.subarray(0, 10)));
    await assert.rejects(
      downloadFile("id", { host: "127.0.0.1", port: fake.port, dir, retries: 0 }),
      isCode("connection_lost"),
    );
    await fake.done;
    assert.deepEqual(await walk(dir), [join(dir, ".pc3-id.part"), join(dir, ".pc3-id.part.json")]);
    // The next download of the same file asks for the rest only.
    let asked: Message | null = null;
    const rest = fakeServer((request) => {
      asked = request;
      return concat(encodeFrame({ ...meta, offset: 10 }), data.subarray(10));
    });
    const continued: number[] = [];
    const down = await downloadFile("id", {
      host: "127.0.0.1",
      port: rest.port,
      dir,
      onContinue: (done) => continued.push(done),
    });
    await rest.done;
    assert.equal(asked!.offset, 10);
    assert.deepEqual(continued, [10]);
    assert.equal(down.verified, true);
    assert.deepEqual(await Deno.readFile(down.path), data);
    assert.deepEqual(await walk(dir), [join(dir, "a.bin")], "the part and its sidecar are gone");
  });
});

Deno.test("downloadFile() rejects malformed replies with bad_reply", async () => {
  await withDir(async (dir) => {
    const replies = [
      encodeFrame({ type: "download_meta", filename: "a", size: -1 }),
      encodeFrame({ type: "download_meta", filename: "a", size: "5" }),
      encodeFrame({ type: "upload_ok" }),
      new Uint8Array([0, 0, 0, 3, 0x7b, 0x7b, 0x7b]),
      new Uint8Array([0x7f, 0, 0, 0]),
    ];
    for (const reply of replies) {
      const fake = fakeServer(() => reply);
      await assert.rejects(
        downloadFile("id", { host: "127.0.0.1", port: fake.port, dir }),
        isCode("bad_reply"),
      );
      await fake.done;
    }
    assert.deepEqual(await walk(dir), []);
  });
});

Deno.test("downloadFile() stops when its signal aborts and keeps the partial file for later", async () => {
  await withDir(async (dir) => {
    const abort = new AbortController();
    const fake = fakeServer(
      () =>
        concat(
          encodeFrame({ type: "download_meta", filename: "a.bin", size: 1_000_000 }),
          bytes(10),
        ),
      { hold: true },
    );
    // The server sends 10 of 1,000,000 bytes and waits: the user cancels on the first progress.
    const download = downloadFile("id", {
      host: "127.0.0.1",
      port: fake.port,
      dir,
      signal: abort.signal,
      onProgress: () => abort.abort(),
    });
    await assert.rejects(download, isCode("cancelled"));
    await fake.done;
    assert.deepEqual(await walk(dir), [join(dir, ".pc3-id.part"), join(dir, ".pc3-id.part.json")]);
  });
});

Deno.test("downloadFile() gives up with stalled when the server stops sending", async () => {
  await withDir(async (dir) => {
    // 10 of 1,000,000 bytes, then silence with the connection still open.
    const fake = fakeServer(
      () =>
        concat(
          encodeFrame({ type: "download_meta", filename: "a.bin", size: 1_000_000 }),
          bytes(10),
        ),
      { hold: true },
    );
    const clock = new FakeClock();
    const download = downloadFile("id", {
      host: "127.0.0.1",
      port: fake.port,
      dir,
      stallMs: 300,
      retries: 0,
      clock,
    });
    await withDeadline(fake.answered, WAIT_MS, "the fake server's answer");
    clock.advance(300);
    await assert.rejects(download, isCode("stalled"));
    await fake.done;
    assert.deepEqual(await walk(dir), []);
  });
});

Deno.test("uploadFile() gives up with stalled when the server never answers the request", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "a.txt");
    await Deno.writeTextFile(path, "hola");
    // The server reads the request and never replies (no upload_ready).
    const fake = fakeServer(() => new Uint8Array(0), { hold: true });
    const clock = new FakeClock();
    const upload = uploadFile(path, {
      host: "127.0.0.1",
      port: fake.port,
      token: TOKEN,
      stallMs: 300,
      clock,
    });
    await withDeadline(fake.answered, WAIT_MS, "the request to reach the fake server");
    clock.advance(300);
    await assert.rejects(upload, isCode("stalled"));
    await fake.done;
  });
});

Deno.test("uploadFile() streams a file it sends exactly as the server expects", async () => {
  await withDir(async (dir) => {
    const data = bytes(3 * 1024 * 1024 + 1, 12);
    await Deno.writeFile(join(dir, "u.bin"), data);
    let received: Uint8Array = new Uint8Array(0);
    let request: Message = {};
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    const server = (async () => {
      const conn = await listener.accept();
      listener.close();
      const buf = new Uint8Array(64 * 1024);
      let pending: Uint8Array = new Uint8Array(0);
      // Header frame.
      while (pending.length < 4 || pending.length < 4 + new DataView(pending.buffer).getUint32(0)) {
        const n = await conn.read(buf);
        pending = concat(pending, buf.subarray(0, n!));
      }
      const n = new DataView(pending.buffer).getUint32(0);
      request = JSON.parse(new TextDecoder().decode(pending.subarray(4, 4 + n)));
      await writeAll(conn, encodeFrame({ type: "upload_ready", upload_id: "u1", offset: 0 }));
      // The client waits for upload_ready, so nothing raw came before it; read the rest up to EOF-less end.
      let all: Uint8Array = pending.subarray(4 + n);
      while (all.length < data.length + 4) {
        const k = await conn.read(buf);
        all = concat(all, buf.subarray(0, k!));
      }
      const endLen = new DataView(all.buffer, all.byteOffset + data.length).getUint32(0);
      while (all.length < data.length + 4 + endLen) {
        const k = await conn.read(buf);
        all = concat(all, buf.subarray(0, k!));
      }
      received = all.subarray(0, data.length);
      const end = JSON.parse(new TextDecoder().decode(all.subarray(data.length + 4)));
      await writeAll(
        conn,
        encodeFrame({
          type: "upload_ok",
          file_id: "k3f9ab",
          filename: "u.bin",
          size: data.length,
          sha256: end.sha256,
        }),
      );
      await readAll(conn);
      conn.close();
    })();
    const r = await uploadFile(join(dir, "u.bin"), { host: "127.0.0.1", port, token: TOKEN });
    await server;
    assert.deepEqual(request, {
      type: "upload",
      token: TOKEN,
      filename: "u.bin",
      size: data.length,
    });
    assert.deepEqual(received, data);
    assert.equal(r.sha256, await sha256hex(data));
    assert.equal(r.file_id, "k3f9ab");
  });
});

Deno.test("uploadFile() stops at once on a refusal sent while it is still sending, even if its writes are blocked", async () => {
  await withDir(async (dir) => {
    // Larger than loopback's socket buffers, so the client's writes block once the server
    // stops reading: only reading while sending can notice the refusal.
    const data = bytes(24 * 1024 * 1024, 5);
    await Deno.writeFile(join(dir, "grande.bin"), data);
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    const server = (async () => {
      const conn = await listener.accept();
      listener.close();
      const buf = new Uint8Array(64 * 1024);
      let pending: Uint8Array = new Uint8Array(0);
      while (pending.length < 4 || pending.length < 4 + new DataView(pending.buffer).getUint32(0)) {
        const n = await conn.read(buf);
        pending = concat(pending, buf.subarray(0, n!));
      }
      await writeAll(conn, encodeFrame({ type: "upload_ready", upload_id: "u1", offset: 0 }));
      await writeAll(
        conn,
        encodeFrame({ type: "error", code: "quota_exceeded", message: "no queda espacio" }),
      );
      return conn; // held open and never read again
    })();
    const upload = uploadFile(join(dir, "grande.bin"), {
      host: "127.0.0.1",
      port,
      token: TOKEN,
      clock: new FakeClock(), // the stall timer never fires by itself
    });
    await assert.rejects(
      withDeadline(upload, WAIT_MS, "the upload to stop on the refusal"),
      isCode("quota_exceeded"),
    );
    (await server).close();
  });
});
