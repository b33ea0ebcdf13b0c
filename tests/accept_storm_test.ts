import assert from "node:assert/strict";
import { serveChat } from "../lib/server/chat_server.ts";
import { serveFiles } from "../lib/server/file_server.ts";
import { FileStore } from "../lib/server/file_store.ts";
import type { ServerLogEvent } from "../lib/server/log_event.ts";
import { Room } from "../lib/server/room/room.ts";
import { RawClient as ChatClient } from "./chat_test_client.ts";
import { bytes, RawClient, sha256hex, startFileServer, TOKEN } from "./file_test_helpers.ts";
import { canStorm, startResetStorm } from "./reset_storm.ts";
import { withDeadline } from "./wait.ts";

/** Uploads `data` as Ana over the file port; returns its file id. */
async function upload(port: number, data: Uint8Array): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    await c.send({ type: "upload", token: TOKEN, filename: "tema.pdf", size: data.length });
    assert.equal((await c.next())?.type, "upload_ready");
    await c.send(data);
    await c.send({ type: "upload_end", sha256: await sha256hex(data) });
    const ok = await c.next();
    assert.equal(ok?.type, "upload_ok");
    return String(ok!.file_id);
  } finally {
    c.close();
  }
}

/** Asks for a download and reads its first frame (`download_meta`): the download has started. */
async function startDownload(port: number, id: string): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    await c.send({ type: "download", file_id: id });
    assert.equal((await c.next())?.type, "download_meta");
  } finally {
    c.close();
  }
}

Deno.test("serveFiles(): a flood of connections reset before accept does not delay a download", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pc3_storm_" });
  const store = await FileStore.open(dir);
  const real = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (real.addr as Deno.NetAddr).port;
  // 300 connections reset before accept(): Linux reports them as these errors.
  let resets = 300;
  const kinds = [
    Deno.errors.ConnectionReset,
    Deno.errors.ConnectionAborted,
    Deno.errors.NotConnected,
  ];
  const flaky = {
    accept(): Promise<Deno.Conn> {
      if (resets-- > 0) return Promise.reject(new kinds[resets % 3]("reset by peer"));
      return real.accept();
    },
    close: () => real.close(),
    addr: real.addr,
  } as unknown as Deno.Listener;
  const logs: ServerLogEvent[] = [];
  const files = serveFiles(flaky, {
    store,
    sessionName: (t) => t === TOKEN ? "Ana" : undefined,
    onPublished: () => {},
    log: (e) => logs.push(e),
  });
  try {
    const id = await withDeadline(upload(port, bytes(1000)), 3000, "an upload past 300 resets");
    await withDeadline(startDownload(port, id), 3000, "a download");
    assert.ok(resets < 0, "every scripted reset was taken");
    // A per-connection accept error is not worth a log line (nor a pause).
    assert.deepEqual(logs.filter((e) => String(e.error ?? "").includes("accept")), []);
  } finally {
    await files.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "200 real connect-then-reset per second on each port: joins and downloads still start",
  ignore: !(await canStorm()),
  async fn() {
    const files = await startFileServer();
    const chatListener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const chatPort = (chatListener.addr as Deno.NetAddr).port;
    const chat = serveChat(chatListener, { room: new Room() });
    try {
      const id = await upload(files.port, bytes(4096));
      const storm = await startResetStorm("127.0.0.1", [chatPort, files.port], {
        perSecond: 200,
        seconds: 2,
        // Another address than the client measured, as on a LAN (Linux routes all of 127/8).
        ...(Deno.build.os === "linux" ? { source: "127.0.0.3" } : {}),
      });
      // Joins and downloads during the storm, each with a deadline far above the goal (100 ms)
      // and far below what the old accept loops gave (seconds, then timeouts).
      for (let i = 0; i < 5; i++) {
        const { client } = await withDeadline(
          ChatClient.hello(chatPort, `Ana${i}`),
          2000,
          "a join during the storm",
        );
        client.close();
        await withDeadline(startDownload(files.port, id), 2000, "a download during the storm");
      }
      const sent = await withDeadline(storm.done, 10_000, "the storm to end");
      assert.ok(sent > 200, `only ${sent} resets sent`);
      // Both services still serve after it.
      await withDeadline(startDownload(files.port, id), 2000, "a download after the storm");
    } finally {
      await chat.close();
      await files.close();
    }
  },
});
