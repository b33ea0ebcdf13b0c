/**
 * Call end to end: server.ts (chat + relay) and two client.ts processes in
 * pipe mode with `--video-source test --video-view none`: both join the call,
 * each receives the other's video through the real relay (checked with
 * `/call stats`), and leaving removes the participant.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

class Lines {
  lines: string[] = [];
  done: Promise<void>;
  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      let buf = "";
      const dec = new TextDecoder();
      for await (const chunk of stream) {
        buf += dec.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          this.lines.push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      }
      if (buf !== "") this.lines.push(buf);
    })();
  }
  find(re: RegExp, from = 0): RegExpExecArray | null {
    for (let i = from; i < this.lines.length; i++) {
      const m = re.exec(this.lines[i]);
      if (m) return m;
    }
    return null;
  }
}

async function until<T>(
  what: string,
  check: () => T | null | undefined | false,
  dump: () => string,
) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const v = check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out waiting for ${what}:\n${dump()}`);
}

function spawn(script: string, args: string[], stdin: "piped" | "null") {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(root, script), ...args],
    cwd: root,
    stdin,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return { child, out: new Lines(child.stdout), err: new Lines(child.stderr) };
}

Deno.test("call e2e: two pipe-mode clients exchange test video through the real server and relay", async () => {
  const storage = await Deno.makeTempDir({ prefix: "pc3-call-e2e-" });
  const server = spawn(
    "server.ts",
    [
      "--chat-port",
      "0",
      "--file-port",
      "0",
      "--media-port",
      "0",
      "--storage",
      storage,
      "--host",
      "127.0.0.1",
    ],
    "null",
  );
  const clients: ReturnType<typeof spawn>[] = [];
  try {
    const ready = await until(
      "server ready",
      () => server.out.find(/^PC3 ready chat=(\d+) files=(\d+) media=(\d+)/),
      () => server.out.lines.concat(server.err.lines).join("\n"),
    );
    const ports = [
      "--chat-port",
      ready[1],
      "--file-port",
      ready[2],
      "--media-port",
      ready[3],
      "--video-source",
      "test",
      "--video-view",
      "none",
      "--video-size",
      "160x120",
      "--fps",
      "15",
    ];
    const enc = new TextEncoder();
    const start = (name: string) => {
      const c = spawn(
        "client.ts",
        ["--name", name, "--downloads", join(storage, name), ...ports],
        "piped",
      );
      clients.push(c);
      const writer = c.child.stdin.getWriter();
      return { ...c, writer, send: (line: string) => writer.write(enc.encode(line + "\n")) };
    };
    const ana = start("Ana");
    await until("Ana connected", () => ana.out.find(/como Ana/), () => ana.out.lines.join("\n"));
    const luis = start("Luis");
    const dump = () =>
      [
        "--- Ana",
        ...ana.out.lines,
        ...ana.err.lines,
        "--- Luis",
        ...luis.out.lines,
        ...luis.err.lines,
      ]
        .join("\n");
    await until("both online", () => ana.out.find(/Luis se unió al chat/), dump);
    await ana.send("/call start");
    await luis.send("/call start");
    await until("Ana on the relay", () => ana.out.find(/Conectado al relé de vídeo/), dump);
    await until("Luis on the relay", () => luis.out.find(/Conectado al relé de vídeo/), dump);

    // Poll /call stats until each side has received more than 10 frames of the other.
    const received = async (c: typeof ana, other: string) => {
      const re = new RegExp(`${other}: ([\\d.]+) fps, (\\d+) recibidos, (\\d+) perdidos`);
      let mark = 0;
      return await until(`${other}'s frames`, () => {
        const m = c.out.find(re, mark);
        if (m && Number(m[2]) > 10) return m;
        if (Date.now() % 500 < 60) {
          mark = c.out.lines.length;
          c.send("/call stats");
        }
        return null;
      }, dump);
    };
    const atAna = await received(ana, "Luis");
    const atLuis = await received(luis, "Ana");
    assert.ok(Number(atAna[1]) > 0 && Number(atLuis[1]) > 0);
    assert.ok(ana.out.find(/Vídeo: enviando [\d.]+ fps \(\d+ enviados/));
    assert.ok(ana.out.find(/registrado/));

    // Luis leaves the call: Ana's stats stop listing him.
    await luis.send("/call stop");
    await until("Luis left the call", () => ana.out.find(/Luis salió de la videollamada/), dump);
    const mark = ana.out.lines.length;
    await ana.send("/call stats");
    await until("nobody else", () => ana.out.find(/Nadie más en la llamada/, mark), dump);

    for (const c of [ana, luis]) {
      await c.writer.close();
      const status = await c.child.status;
      await Promise.all([c.out.done, c.err.done]);
      assert.equal(status.code, 0, dump());
    }
    clients.length = 0;
  } finally {
    for (const c of clients) {
      try {
        c.child.kill("SIGKILL");
      } catch { /* gone */ }
      await c.child.status;
      await Promise.all([c.out.done, c.err.done]);
    }
    server.child.kill("SIGTERM");
    await server.child.status;
    await Promise.all([server.out.done, server.err.done]);
    await Deno.remove(storage, { recursive: true });
  }
});
