/**
 * client.ts started on a terminal without --host (what a double click does),
 * in a real pty through util-linux `script`: it finds the server and Enter
 * joins; with nobody found it asks for the address, takes a join code, and
 * remembers the address for the next start. Skipped where `script` is missing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeJoinCode } from "../lib/protocol/join_code.ts";
import { parseServerArgs } from "../lib/server/args.ts";
import { type RunningServer, startServer } from "../server.ts";
import { withDeadline } from "./wait.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const quiet = { print: () => {}, error: () => {} };

function hasScript(): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const available = hasScript();
if (!available) console.log("discovery_start_test: skipped: needs Linux and util-linux `script`");

/** Strips escape sequences and carriage returns. */
function plain(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r/g, "");
}

/** A client.ts in a pty: what it printed so far, and a way to type. */
class PtyClient {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reading: Promise<void>;
  text = "";
  #changed: () => void = () => {};

  constructor(args: string[], env: Record<string, string>) {
    const command = [Deno.execPath(), "run", "-A", "client.ts", ...args].map((a) => `'${a}'`)
      .join(" ");
    this.#child = new Deno.Command("script", {
      args: ["-qfec", command, "/dev/null"],
      cwd: root,
      env: { ...env, TERM: "xterm", COLUMNS: "120", LINES: "30" },
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    const decoder = new TextDecoder();
    const stdout = this.#child.stdout;
    this.#reading = (async () => {
      for await (const chunk of stdout) {
        this.text += plain(decoder.decode(chunk, { stream: true }));
        this.#changed();
      }
      this.#changed();
    })();
  }

  /** Waits until the output matches `pattern` (deadline: a hang guard). */
  async waitFor(pattern: RegExp): Promise<void> {
    await withDeadline(
      (async () => {
        while (!pattern.test(this.text)) {
          await new Promise<void>((resolve) => this.#changed = resolve);
        }
      })(),
      20_000,
      `${pattern} in:\n${this.text}`,
    );
  }

  type(text: string): Promise<void> {
    return this.#writer.write(new TextEncoder().encode(text));
  }

  async quit(): Promise<number> {
    await this.type("/quit\r").catch(() => {});
    await this.#writer.close().catch(() => {});
    const status = await withDeadline(this.#child.status, 15_000, "the client to exit");
    await this.#reading;
    return status.code;
  }

  kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

async function withServer(fn: (s: RunningServer, config: string) => Promise<void>) {
  const storage = await Deno.makeTempDir({ prefix: "pc3-start-" });
  const config = await Deno.makeTempDir({ prefix: "pc3-start-config-" });
  const parsed = parseServerArgs([
    ...["--chat-port", "0", "--file-port", "0", "--media-port", "0"],
    ...["--storage", storage, "--room", "Aula 7"],
  ]);
  if (parsed.kind !== "run") throw new Error("Bad test flags");
  const server = await startServer(parsed.config, quiet);
  try {
    await fn(server, config);
  } finally {
    await server.close();
    await Deno.remove(storage, { recursive: true });
    await Deno.remove(config, { recursive: true });
  }
}

Deno.test({
  name: "client.ts on a terminal without --host offers the server it finds; Enter joins",
  ignore: !available,
  async fn() {
    await withServer(async (s, config) => {
      const client = new PtyClient(
        ["--lang", "en", "--video-view", "none", "--media-port", String(s.mediaPort)],
        { XDG_CONFIG_HOME: config },
      );
      try {
        await client.waitFor(/Server found: Aula 7 on .*Press Enter to join/);
        await client.type("\r");
        await client.waitFor(/Your name: /);
        await client.type("Ana\r");
        await client.waitFor(/Connected to \S+ as Ana/);
        assert.equal(await client.quit(), 0);
      } finally {
        client.kill();
      }
      // The address is remembered for the next start.
      const saved = JSON.parse(await Deno.readTextFile(join(config, "pc3", "client.json")));
      assert.equal(saved.chatPort, s.chatPort);
    });
  },
});

Deno.test({
  name: "client.ts on a terminal with no server found asks for the address and takes a join code",
  ignore: !available,
  async fn() {
    await withServer(async (s, config) => {
      // Discovery looks on a port where nobody answers.
      const silent = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
      const nobody = (silent.addr as Deno.NetAddr).port;
      silent.close();
      const code = encodeJoinCode({
        host: "127.0.0.1",
        chatPort: s.chatPort,
        filePort: s.filePort,
        mediaPort: s.mediaPort,
      });
      const client = new PtyClient(
        ["--lang", "en", "--name", "Bea", "--video-view", "none", "--media-port", String(nobody)],
        { XDG_CONFIG_HOME: config },
      );
      try {
        await client.waitFor(/No PC3 server was found/);
        await client.waitFor(/Server address \(IP or the code on the teacher's screen\): /);
        const typo = code.slice(0, -1) + (code.endsWith("7") ? "8" : "7");
        await client.type(`${typo}\r`);
        await client.waitFor(/has a typo/);
        await client.type(`${code.toLowerCase()}\r`);
        await client.waitFor(/Connected to 127\.0\.0\.1:\d+ as Bea/);
        assert.equal(await client.quit(), 0);
      } finally {
        client.kill();
      }
    });
  },
});
