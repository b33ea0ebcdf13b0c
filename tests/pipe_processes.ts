/**
 * Test helpers for the entry points run as subprocesses: server.ts waiting for
 * its ready line, client.ts in pipe mode, and their output collected line by
 * line so a test can wait for a pattern.
 *
 * Every wait here has a deadline, and a process that does not stop in time is
 * killed: a hung child fails its test with its output, never hangs the suite.
 * Tests call `kill()` in `finally`, so a failing test leaves no child behind.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DeadlineError, withDeadline } from "./wait.ts";

/** The project's root folder. */
export const root = fileURLToPath(new URL("..", import.meta.url));
const serverPath = join(root, "server.ts");
const clientPath = join(root, "client.ts");

/** How long a line is awaited by default (a loaded machine, a 200 MB transfer). */
export const LINE_DEADLINE_MS = 30_000;
/** How long a process has to exit after it was asked to; then it is killed. */
export const EXIT_DEADLINE_MS = 15_000;

/** Collects a stream's lines and lets a test wait for one matching a pattern. */
export class Lines {
  /** Every complete line so far (and the unterminated tail once the stream ended). */
  lines: string[] = [];
  /** Settles when the stream ended. */
  done: Promise<void>;
  #waiters = new Set<() => void>();
  #ended = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = this.#read(stream);
  }

  async #read(stream: ReadableStream<Uint8Array>): Promise<void> {
    let buf = "";
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      buf += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        this.lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
      this.#wake();
    }
    if (buf !== "") this.lines.push(buf);
    this.#ended = true;
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }

  /**
   * Resolves with the first line (from `from` on) matching `re`, and its
   * index; rejects when the stream ends without one or after `ms`.
   */
  async wait(
    re: RegExp,
    from = 0,
    what = String(re),
    ms = LINE_DEADLINE_MS,
  ): Promise<{ line: string; index: number; match: RegExpExecArray }> {
    let wake = () => {};
    const changed = () => new Promise<void>((r) => (wake = r));
    const waiter = () => wake();
    this.#waiters.add(waiter);
    const search = async () => {
      let next = changed();
      for (let i = from;; i++) {
        while (i >= this.lines.length) {
          if (this.#ended) throw new Error(`Stream ended without ${what}:\n${this.text()}`);
          await next;
          next = changed();
        }
        const match = re.exec(this.lines[i]);
        if (match) return { line: this.lines[i], index: i, match };
      }
    };
    try {
      return await withDeadline(search(), ms, what);
    } catch (e) {
      if (e instanceof DeadlineError) throw new DeadlineError(what, ms, this.text());
      throw e;
    } finally {
      this.#waiters.delete(waiter);
    }
  }

  /** The index of the first line matching `re`, or -1. */
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

  /** All lines, for failure messages. */
  text(): string {
    return this.lines.join("\n");
  }
}

/**
 * Waits for `child` to exit within `ms`; past it, kills it with SIGKILL and
 * rejects naming `what`, with the output so far. Output streams are drained either way.
 */
export async function exited(
  child: Deno.ChildProcess,
  streams: Lines[],
  ms: number,
  what: string,
): Promise<Deno.CommandStatus> {
  try {
    const status = await withDeadline(child.status, ms, `${what} to exit`);
    await withDeadline(Promise.all(streams.map((s) => s.done)), ms, `${what}'s output to end`);
    return status;
  } catch (e) {
    forceKill(child);
    await child.status;
    const drained = Promise.all(streams.map((s) => s.done));
    await withDeadline(drained, ms, `${what}'s output to end`).catch(() => {});
    throw new Error(`${e}\n${streams.map((s) => s.text()).join("\n")}`);
  }
}

/** SIGKILL, ignoring a child that already exited. */
function forceKill(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch { /* already exited */ }
}

/** A running server.ts and its ports. */
export interface Server {
  chat: number;
  files: number;
  media: number;
  /** Types `/stop` at its console (a clean stop on every OS); SIGKILL past {@link EXIT_DEADLINE_MS}. */
  stop(): Promise<void>;
  /** SIGKILL at once (a crash: nothing is flushed or announced), and waits for the exit. */
  crash(): Promise<void>;
  /** Everything the server printed so far (stdout then stderr), for failure messages. */
  output(): string;
}

/** Starts server.ts on free ports with `storage`; kills it if its ready line does not come. */
export async function startServer(storage: string, extra: string[] = []): Promise<Server> {
  const ports = ["--chat-port", "0", "--file-port", "0", "--media-port", "0"];
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      serverPath,
      ...ports,
      "--storage",
      storage,
      "--host",
      "127.0.0.1",
      ...extra,
    ],
    cwd: root,
    stdin: "piped", // the teacher's console: stop() types /stop there
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = new Lines(child.stdout);
  const err = new Lines(child.stderr);
  const console = child.stdin.getWriter();
  let ready;
  try {
    ready = await out.wait(/^PC3 ready chat=(\d+) files=(\d+) media=(\d+)/);
  } catch (e) {
    forceKill(child);
    await child.status;
    await console.close().catch(() => {});
    await Promise.all([out.done, err.done]);
    throw new Error(`${e}\n${err.text()}`);
  }
  let stopping: Promise<void> | null = null;
  return {
    chat: Number(ready.match[1]),
    files: Number(ready.match[2]),
    media: Number(ready.match[3]),
    stop() {
      // The console's /stop works on every OS (Windows has no SIGTERM for a child);
      // server_cli_test covers the signals.
      stopping ??= (async () => {
        await console.write(new TextEncoder().encode("/stop\n")).catch(() => {});
        await console.close().catch(() => {});
        await exited(child, [out, err], EXIT_DEADLINE_MS, "the server");
      })();
      return stopping;
    },
    crash() {
      stopping ??= (async () => {
        forceKill(child);
        await console.close().catch(() => {});
        await exited(child, [out, err], EXIT_DEADLINE_MS, "the killed server");
      })();
      return stopping;
    },
    output: () => `${out.text()}\n${err.text()}`,
  };
}

/** A running client.ts in pipe mode. */
export interface Client {
  out: Lines;
  err: Lines;
  send(line: string): Promise<void>;
  /**
   * Closes the input (the client finishes its transfers and quits) and waits
   * for the exit code; kills it and rejects past {@link EXIT_DEADLINE_MS}.
   */
  end(): Promise<number>;
  /** Kills the process (cleanup after a failure) and waits for it; safe after end(). */
  kill(): Promise<void>;
}

/** Starts client.ts as `name` against `server`, downloads into `downloads`. */
export function startClient(
  name: string,
  server: Server,
  downloads: string,
  extra: string[] = [],
): Client {
  const ports = [
    ...["--chat-port", String(server.chat), "--file-port", String(server.files)],
    ...["--media-port", String(server.media)],
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", clientPath, "--name", name, ...ports, "--downloads", downloads, ...extra],
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
      await writer.close().catch(() => {});
      const status = await exited(child, [out, err], EXIT_DEADLINE_MS, `client ${name}`);
      if (status.code !== 0) console.error(err.text());
      return status.code;
    },
    async kill() {
      forceKill(child);
      await child.status;
      await writer.close().catch(() => {});
      await Promise.all([out.done, err.done]);
    },
  };
}

/** The clients of one test: `kill()` in `finally` leaves no child behind, whatever failed. */
export class ClientGroup {
  #clients: Client[] = [];

  /** Starts a client (see {@link startClient}) that {@link ClientGroup.kill} will reap. */
  start(name: string, server: Server, downloads: string, extra: string[] = []): Client {
    const client = startClient(name, server, downloads, extra);
    this.#clients.push(client);
    return client;
  }

  /** Kills every client still running (a no-op for those that ended). */
  async kill(): Promise<void> {
    await Promise.all(this.#clients.splice(0).map((c) => c.kill()));
  }
}
