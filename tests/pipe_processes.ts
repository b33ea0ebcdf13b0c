/**
 * Test helpers for the entry points run as subprocesses: server.ts waiting for
 * its ready line, client.ts in pipe mode, and their output collected line by
 * line so a test can wait for a pattern (with a deadline, never forever).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project's root folder. */
export const root = fileURLToPath(new URL("..", import.meta.url));
const serverPath = join(root, "server.ts");
const clientPath = join(root, "client.ts");

/** Collects a stream's lines and lets a test wait for one matching a pattern. */
export class Lines {
  lines: string[] = [];
  #waiters: Array<() => void> = [];
  #ended = false;
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
          this.#wake();
        }
      }
      if (buf !== "") this.lines.push(buf);
      this.#ended = true;
      this.#wake();
    })();
  }
  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
  /** Resolves with the first line (from `from` on) matching `re`, and its index. */
  async wait(
    re: RegExp,
    from = 0,
    what = String(re),
  ): Promise<{ line: string; index: number; match: RegExpExecArray }> {
    const deadline = Date.now() + 30_000;
    while (true) {
      for (let i = from; i < this.lines.length; i++) {
        const match = re.exec(this.lines[i]);
        if (match) return { line: this.lines[i], index: i, match };
      }
      if (this.#ended) throw new Error(`Stream ended without ${what}:\n${this.lines.join("\n")}`);
      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting for ${what}:\n${this.lines.join("\n")}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        timer = setTimeout(r, 1000);
      });
      clearTimeout(timer);
    }
  }
  index(re: RegExp): number {
    return this.lines.findIndex((l) => re.test(l));
  }
  /** The first match of `re` in the lines from `from` on, or null. */
  find(re: RegExp, from = 0): RegExpExecArray | null {
    for (let i = from; i < this.lines.length; i++) {
      const match = re.exec(this.lines[i]);
      if (match) return match;
    }
    return null;
  }
}

export interface Server {
  chat: number;
  files: number;
  media: number;
  stop(): Promise<void>;
}

export async function startServer(storage: string, extra: string[] = []): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      serverPath,
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
      ...extra,
    ],
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = new Lines(child.stdout);
  const err = new Lines(child.stderr);
  let ready;
  try {
    ready = await out.wait(/^PC3 ready chat=(\d+) files=(\d+) media=(\d+)/);
  } catch (e) {
    child.kill("SIGKILL");
    await child.status;
    await Promise.all([out.done, err.done]);
    throw new Error(`${e}\n${err.lines.join("\n")}`);
  }
  return {
    chat: Number(ready.match[1]),
    files: Number(ready.match[2]),
    media: Number(ready.match[3]),
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await Promise.all([out.done, err.done]);
    },
  };
}

export interface Client {
  out: Lines;
  err: Lines;
  send(line: string): Promise<void>;
  /** Closes the input (the client finishes its transfers and quits) and waits for the exit code. */
  end(): Promise<number>;
  /** Kills the process (cleanup after a failure) and waits for it. */
  kill(): Promise<void>;
}

export function startClient(
  name: string,
  server: Server,
  downloads: string,
  extra: string[] = [],
): Client {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      clientPath,
      "--name",
      name,
      "--chat-port",
      String(server.chat),
      "--file-port",
      String(server.files),
      "--media-port",
      String(server.media),
      "--downloads",
      downloads,
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
  const encoder = new TextEncoder();
  return {
    out,
    err,
    send: (line) => writer.write(encoder.encode(line + "\n")),
    async end() {
      await writer.close();
      const status = await child.status;
      await Promise.all([out.done, err.done]);
      if (status.code !== 0) console.error(err.lines.join("\n"));
      return status.code;
    },
    async kill() {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already exited.
      }
      await child.status;
      await writer.close().catch(() => {});
      await Promise.all([out.done, err.done]);
    },
  };
}
