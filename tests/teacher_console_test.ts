/**
 * The teacher's controls end to end (issue 11.6): server.ts as a subprocess
 * with commands piped to its standard input (the console), and client.ts
 * with `--admin KEY` in pipe mode (a teacher client); students are raw
 * chat connections that see what happens to them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exited, Lines, root } from "./pipe_processes.ts";
import { RawClient } from "./chat_test_client.ts";
import type { Message } from "../lib/protocol/frame.ts";

const KEY = "ABCDE-FGHJK-MNPQR";

/** server.ts with a piped stdin (its console), on free ports. */
async function consoleServer(storage: string, extra: string[] = []) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      join(root, "server.ts"),
      "--host",
      "127.0.0.1",
      "--chat-port",
      "0",
      "--file-port",
      "0",
      "--media-port",
      "0",
      "--no-discovery",
      "--storage",
      storage,
      "--lang",
      "en",
      "--admin-key",
      KEY,
      ...extra,
    ],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = new Lines(child.stdout);
  const err = new Lines(child.stderr);
  const writer = child.stdin.getWriter();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await writer.close().catch(() => {});
    await exited(child, [out, err], 15_000, "the server");
  };
  try {
    const ready = await out.wait(/^PC3 ready chat=(\d+) files=(\d+)/);
    return {
      out,
      chat: Number(ready.match[1]),
      files: Number(ready.match[2]),
      type: (line: string) => writer.write(new TextEncoder().encode(line + "\n")),
      stop,
    };
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
}

const isError = (code: string) => (m: Message) => m.type === "error" && m.code === code;

Deno.test("server console: /kick, /mute, /lock and read-only work on real connections and are logged", async () => {
  const dir = await Deno.makeTempDir();
  const server = await consoleServer(dir);
  const open: RawClient[] = [];
  try {
    const { client: ana } = await RawClient.hello(server.chat, "Ana");
    const { client: beto } = await RawClient.hello(server.chat, "Beto");
    open.push(ana, beto);
    await server.out.wait(/Beto joined \(127\.0\.0\.1\)/);

    await server.type("/who");
    await server.out.wait(/^ {2}Beto {2}127\.0\.0\.1:\d+/);

    await server.type("/mute Ana");
    await ana.until((m) => m.event === "moderation" && m.action === "mute");
    await ana.send({ type: "message", text: "spam" });
    assert.ok(await ana.until(isError("muted")), "a muted member cannot post");
    await server.out.wait(/Teacher muted Ana/);

    await server.type("/kick Beto stop it");
    assert.ok(await beto.until(isError("kicked")), "Beto is told");
    assert.equal(await beto.until(() => false, 5_000), null, "and closed");
    await server.out.wait(/Teacher removed Beto \(127\.0\.0\.1\): stop it/);

    await server.type("/lock");
    await server.out.wait(/Teacher locked the room/);
    const late = await RawClient.open(server.chat);
    open.push(late);
    await late.send({ type: "hello", version: 2, name: "Carla" });
    // Same address as the kicked Beto: banned comes first; either way Carla is kept out.
    const refusal = await late.next();
    assert.equal(refusal?.type, "error");
    assert.ok(refusal?.code === "room_locked" || refusal?.code === "banned", String(refusal?.code));

    await server.type("Exam at 10");
    const notice = await ana.until((m) => m.event === "announce");
    assert.match(String(notice?.text), /Exam at 10/);
  } finally {
    for (const c of open) c.close();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--students-read-only: students read, only the console's /say reaches the room", async () => {
  const dir = await Deno.makeTempDir();
  const server = await consoleServer(dir, ["--students-read-only"]);
  try {
    await server.out.wait(/Read-only mode/);
    const { client: ana } = await RawClient.hello(server.chat, "Ana");
    try {
      await ana.send({ type: "message", text: "hola" });
      assert.ok(await ana.until(isError("read_only")));
      await server.type("/say Bienvenidos");
      assert.ok(
        await ana.until((m) => m.event === "announce" && /Bienvenidos/.test(String(m.text))),
      );
    } finally {
      ana.close();
    }
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a teacher client (pc3-client --admin KEY) kicks, mutes and locks with the console's words", async () => {
  const dir = await Deno.makeTempDir();
  const server = await consoleServer(dir);
  const teacher = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      join(root, "client.ts"),
      "--name",
      "Profe",
      "--host",
      "127.0.0.1",
      "--chat-port",
      String(server.chat),
      "--file-port",
      String(server.files),
      "--downloads",
      dir,
      "--lang",
      "en",
      "--admin",
      KEY.toLowerCase(),
    ],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = new Lines(teacher.stdout);
  const err = new Lines(teacher.stderr);
  const writer = teacher.stdin.getWriter();
  const type = (line: string) => writer.write(new TextEncoder().encode(line + "\n"));
  const open: RawClient[] = [];
  try {
    await out.wait(/You are a teacher in this room/);
    await server.out.wait(/Profe is a teacher \(127\.0\.0\.1\)/);
    const { client: beto } = await RawClient.hello(server.chat, "Beto");
    const { client: ana } = await RawClient.hello(server.chat, "Ana");
    open.push(beto, ana);
    await out.wait(/Ana/);

    await type("/who");
    await out.wait(/^\s+Ana\s+127\.0\.0\.1:\d+/);

    await type("/mute Ana");
    await ana.until((m) => m.event === "moderation" && m.action === "mute");
    await ana.send({ type: "message", text: "spam" });
    assert.ok(await ana.until(isError("muted")));

    await type("/kick Beto");
    assert.ok(await beto.until(isError("kicked")));
    await server.out.wait(/Profe removed Beto/);

    await type("/lock");
    await server.out.wait(/Profe locked the room/);
    // The teacher still chats as usual.
    await type("hello class");
    assert.ok(await ana.until((m) => m.type === "message" && m.text === "hello class"));
    await writer.close();
    const status = await exited(teacher, [out, err], 15_000, "the teacher client");
    assert.equal(status.code, 0, err.text());
  } finally {
    for (const c of open) c.close();
    try {
      teacher.kill("SIGKILL");
    } catch { /* exited */ }
    await writer.close().catch(() => {});
    await teacher.status;
    await Promise.all([out.done, err.done]);
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
