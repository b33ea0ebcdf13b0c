/**
 * server.ts wiring in-process: chat + file port + room announcements, and
 * what survives a restart (history, files).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { encodeFrame } from "../lib/protocol/frame.ts";
import { type RunningServer, startServer } from "../server.ts";
import { RawClient } from "./chat_test_client.ts";
import { localServerConfig } from "./server_config.ts";

const quiet = { print: () => {}, error: () => {} };

async function withServer(
  storage: string,
  fn: (s: RunningServer) => Promise<void>,
  extra: string[] = [],
) {
  const server = await startServer(localServerConfig(storage, extra), quiet);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

/** One request on the file port: header frame, raw bytes, optional trailer; returns the replies. */
async function fileRequest(
  port: number,
  header: Record<string, unknown>,
  body?: Uint8Array,
  trailer?: Record<string, unknown>,
  waitReady = false,
) {
  const c = await RawClient.open(port);
  try {
    await c.send(header);
    const replies = [];
    if (waitReady) replies.push(await c.next());
    if (body) await c.write(body);
    if (trailer) await c.write(encodeFrame(trailer));
    replies.push(...await c.rest());
    return replies;
  } finally {
    c.close();
  }
}

const hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

Deno.test("a v2 upload is announced to the room from the uploader's name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withServer(dir, async (s) => {
      const { client: ana, welcome } = await RawClient.hello(s.chatPort, "Ana");
      const { client: beto } = await RawClient.hello(s.chatPort, "Beto");
      try {
        assert.equal(welcome.file_port, s.filePort);
        const data = new TextEncoder().encode("hola mundo");
        const replies = await fileRequest(
          s.filePort,
          { type: "upload", token: welcome.token, filename: "hola.txt", size: data.length },
          data,
          { type: "upload_end", sha256: hex(data) },
          true,
        );
        assert.equal(replies[0]?.type, "upload_ready");
        const ok = replies.at(-1)!;
        assert.equal(ok.type, "upload_ok");
        const ev = await beto.until((m) => m.type === "file_available");
        assert.equal(ev?.from, "Ana");
        assert.equal(ev?.file_id, ok.file_id);
        assert.equal(ev?.sha256, hex(data));
        assert.equal(typeof ev?.seq, "number");
        await ana.send({ type: "files" });
        const list = await ana.until((m) => m.type === "files");
        assert.equal((list?.files as Array<{ file_id: string }>)[0].file_id, ok.file_id);
        // A dead token is refused.
        const bad = await fileRequest(s.filePort, {
          type: "upload",
          token: "0".repeat(32),
          filename: "x.txt",
          size: 1,
        });
        assert.equal(bad[0]?.code, "unauthorized");
      } finally {
        ana.close();
        beto.close();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a v1 upload is announced only after the uploader's file_available", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withServer(dir, async (s) => {
      const v1 = await RawClient.open(s.chatPort);
      const { client: beto } = await RawClient.hello(s.chatPort, "Beto");
      try {
        await v1.write(encodeFrame({ name: "Viejo" }));
        await v1.until((m) => m.type === "system");
        const data = new Uint8Array(1000).fill(7);
        const id = `${Date.now()}_datos.bin`;
        const replies = await fileRequest(
          s.filePort,
          { type: "upload", file_id: id, filename: "datos.bin", size: data.length },
          data,
        );
        assert.equal(replies[0]?.type, "upload_ok");
        // A fake id is refused with a v1 system line.
        await v1.send({ type: "file_available", file_id: "nope", filename: "x", size: 1 });
        const refusal = await v1.until((m) =>
          m.type === "system" && String(m.text).startsWith("Error")
        );
        assert.match(String(refusal?.text), /nope/);
        await v1.send({ type: "file_available", file_id: id, filename: "datos.bin", size: 1000 });
        const ev = await beto.until((m) => m.type === "file_available");
        assert.equal(ev?.from, "Viejo");
        assert.equal(ev?.file_id, id);
        assert.equal(ev?.size, 1000);
      } finally {
        v1.close();
        beto.close();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--no-v1 refuses v1 uploads", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withServer(dir, async (s) => {
      const replies = await fileRequest(
        s.filePort,
        { type: "upload", file_id: "1_a.txt", filename: "a.txt", size: 1 },
        new Uint8Array([1]),
      );
      assert.equal(replies[0]?.type, "error");
    }, ["--no-v1"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("history and shared files survive a restart", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let fileId = "";
    await withServer(dir, async (s) => {
      const { client: ana, welcome } = await RawClient.hello(s.chatPort, "Ana");
      try {
        const data = new Uint8Array([1, 2, 3]);
        const replies = await fileRequest(
          s.filePort,
          { type: "upload", token: welcome.token, filename: "abc.bin", size: 3 },
          data,
          { type: "upload_end", sha256: hex(data) },
          true,
        );
        fileId = String(replies.at(-1)!.file_id);
        await ana.send({ type: "message", text: "antes del reinicio" });
        await ana.until((m) => m.type === "message");
      } finally {
        ana.close();
      }
    });
    await withServer(dir, async (s) => {
      const { client: beto, welcome } = await RawClient.hello(s.chatPort, "Beto");
      try {
        assert.deepEqual((welcome.files as Array<{ file_id: string }>).map((f) => f.file_id), [
          fileId,
        ]);
        assert.equal((await beto.next())?.text, "antes del reinicio");
        const dl = await fileRequest(s.filePort, { type: "download", file_id: fileId });
        assert.equal(dl[0]?.type, "download_meta");
      } finally {
        beto.close();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
