/**
 * Speaks the original (v1) chat protocol byte for byte against the server.
 */
import assert from "node:assert/strict";
import { serveChat } from "../lib/server/chat_server.ts";
import { Room } from "../lib/server/room/room.ts";
import { RawClient } from "./chat_test_client.ts";

const enc = new TextEncoder();

/** A frame built by hand, as the Python client does: struct.pack(">I", len) + json bytes. */
function v1Frame(json: string): Uint8Array {
  const body = enc.encode(json);
  const out = new Uint8Array(4 + body.length);
  out[0] = (body.length >>> 24) & 0xff;
  out[1] = (body.length >>> 16) & 0xff;
  out[2] = (body.length >>> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 4);
  return out;
}

async function withServer(fn: (port: number) => Promise<void>, maxMessage?: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const chat = serveChat(listener, { room: new Room({ maxMessage }) });
  try {
    await fn((listener.addr as Deno.NetAddr).port);
  } finally {
    await chat.close();
  }
}

Deno.test("v1 hello without type: join, messages and leave in v1 shape", async () => {
  await withServer(async (port) => {
    const a = await RawClient.open(port);
    const b = await RawClient.open(port);
    try {
      await a.write(v1Frame('{"name": "Ana"}'));
      const join = await a.next();
      assert.equal(join?.type, "system");
      assert.equal(join?.text, "Ana se unió al chat");
      await b.write(v1Frame('{"name": "Beto"}'));
      await b.next();
      assert.equal((await a.next())?.text, "Beto se unió al chat");
      await a.write(v1Frame('{"type": "message", "text": "hola ñandú"}'));
      for (const c of [a, b]) {
        const m = await c.next();
        assert.equal(m?.type, "message");
        assert.equal(m?.from, "Ana");
        assert.equal(m?.text, "hola ñandú");
      }
      await b.write(v1Frame('{"type": "quit"}'));
      assert.deepEqual(await b.rest(), []);
      const leave = await a.next();
      assert.equal(leave?.type, "system");
      assert.equal(leave?.text, "Beto salió del chat");
    } finally {
      a.close();
      b.close();
    }
  });
});

Deno.test("v1 names are suffixed and the client is told its final name", async () => {
  await withServer(async (port) => {
    const a = await RawClient.open(port);
    const b = await RawClient.open(port);
    try {
      await a.write(v1Frame('{"name": "Ana"}'));
      await a.next();
      await b.write(v1Frame('{"name": "ana"}'));
      const told = await b.next();
      assert.equal(told?.type, "system");
      assert.match(String(told?.text), /«ana_2»/);
      assert.equal((await b.next())?.text, "ana_2 se unió al chat");
    } finally {
      a.close();
      b.close();
    }
  });
});

Deno.test("v1 hello without a name is named user_<port>", async () => {
  await withServer(async (port) => {
    const a = await RawClient.open(port);
    try {
      await a.write(v1Frame("{}"));
      const localPort = (a.conn.localAddr as Deno.NetAddr).port;
      const frames = [await a.next(), await a.next()];
      assert.equal(frames[1]?.text, `user_${localPort} se unió al chat`);
    } finally {
      a.close();
    }
  });
});

Deno.test("v1 text over the limit gets a system error line, never a cut message", async () => {
  await withServer(async (port) => {
    const a = await RawClient.open(port);
    try {
      await a.write(v1Frame('{"name": "Ana"}'));
      await a.next();
      await a.write(v1Frame(JSON.stringify({ type: "message", text: "x".repeat(11) })));
      const f = await a.next();
      assert.deepEqual(Object.keys(f!).sort(), ["text", "type"]);
      assert.equal(f?.type, "system");
      assert.match(String(f?.text), /^Error: Mensaje demasiado largo: 11 bytes/);
    } finally {
      a.close();
    }
  }, 10);
});

Deno.test("v1 announce of a file that does not exist is refused", async () => {
  await withServer(async (port) => {
    const a = await RawClient.open(port);
    try {
      await a.write(v1Frame('{"name": "Ana"}'));
      await a.next();
      await a.write(
        v1Frame('{"type":"file_available","filename":"x.txt","size":3,"file_id":"1_x.txt"}'),
      );
      const f = await a.next();
      assert.equal(f?.type, "system");
      assert.match(String(f?.text), /^Error: Archivo no encontrado: 1_x\.txt/);
    } finally {
      a.close();
    }
  });
});

Deno.test("v1 call start and stop are broadcast with from and action", async () => {
  await withServer(async (port) => {
    const a = await RawClient.open(port);
    try {
      await a.write(v1Frame('{"name": "Ana"}'));
      await a.next();
      await a.write(v1Frame('{"type":"call","action":"start"}'));
      const start = await a.next();
      assert.equal(start?.type, "call");
      assert.equal(start?.from, "Ana");
      assert.equal(start?.action, "start");
      await a.write(v1Frame('{"type":"call","action":"stop"}'));
      const stop = await a.next();
      assert.equal(stop?.action, "stop");
    } finally {
      a.close();
    }
  });
});
