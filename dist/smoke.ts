/**
 * Smoke test of a build: both programs answer `--version`, then a server and
 * two pipe-mode clients exchange a message and a file, on free local ports.
 * The release workflow runs it on each target's own OS against the compiled
 * executables; tests/smoke_test.ts runs it against `deno run` of the sources,
 * so the script itself is tested on every CI run.
 *
 * Usage: deno run -A dist/smoke.ts dist/<target> [v1.2.3]
 *   (the folder with pc3-server[.exe] and pc3-client[.exe]; with a version,
 *   both programs must report exactly it)
 *
 * @module
 */

import { join } from "node:path";

/** How to start a program: the executable and the arguments before PC3's own. */
export interface Program {
  cmd: string;
  args: string[];
}

/** Deadline of each step; a step that takes longer fails the smoke test. */
const STEP_MS = 30_000;

/** A child's output, line by line, with a deadline on each wait. */
class Output {
  lines: string[] = [];
  #ended = false;
  #wake = () => {};

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#read(stream);
  }

  async #read(stream: ReadableStream<Uint8Array>): Promise<void> {
    let tail = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (tail + text).split(/\r?\n/);
      tail = parts.pop()!;
      this.lines.push(...parts);
      this.#wake();
    }
    if (tail) this.lines.push(tail);
    this.#ended = true;
    this.#wake();
  }

  /** The first match of `re` in any line, waiting up to {@link STEP_MS}. */
  async wait(re: RegExp, what: string): Promise<RegExpExecArray> {
    const deadline = Date.now() + STEP_MS;
    for (let from = 0;;) {
      for (; from < this.lines.length; from++) {
        const match = re.exec(this.lines[from]);
        if (match) return match;
      }
      const left = deadline - Date.now();
      if (this.#ended || left <= 0) {
        throw new Error(`No ${what} (${re}); output:\n${this.lines.join("\n")}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }
}

function spawn(program: Program, args: string[], cwd: string, stdin: "piped" | "null") {
  const child = new Deno.Command(program.cmd, {
    args: [...program.args, ...args],
    cwd,
    stdin,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const out = new Output(child.stdout);
  const err = new Output(child.stderr);
  const kill = async () => {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
    await child.status;
  };
  return { child, out, err, kill };
}

/** Runs `--version` and checks it names the program. */
async function checkVersion(program: Program, name: string, expected?: string): Promise<string> {
  const { code, stdout } = await new Deno.Command(program.cmd, {
    args: [...program.args, "--version"],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(stdout).trim();
  const version = expected?.replace(/^v/, "").replaceAll(".", "\\.") ?? "\\d+\\.\\d+\\.\\d+";
  if (code !== 0 || !new RegExp(`^${name} ${version}$`).test(text)) {
    throw new Error(`${name} --version printed "${text}" (exit ${code})`);
  }
  return text;
}

/**
 * The smoke test. Resolves with a one-line summary; rejects with what failed
 * and the programs' output. Every child is killed before it settles.
 */
export async function smoke(
  server: Program,
  client: Program,
  version?: string,
): Promise<string> {
  const versions = [
    await checkVersion(server, "pc3-server", version),
    await checkVersion(client, "pc3-client", version),
  ];
  const work = await Deno.makeTempDir({ prefix: "pc3-smoke-" });
  const children: Array<{ kill(): Promise<void> }> = [];
  try {
    const srv = spawn(
      server,
      [
        ...["--host", "127.0.0.1", "--chat-port", "0", "--file-port", "0", "--media-port", "0"],
        ...["--storage", join(work, "server_storage")],
      ],
      work,
      "null",
    );
    children.push(srv);
    const ready = await srv.out.wait(/PC3 ready chat=(\d+) files=(\d+) media=(\d+)/, "ready line");
    const ports = ["--chat-port", ready[1], "--file-port", ready[2], "--media-port", ready[3]];
    const join2 = (name: string) => {
      const c = spawn(
        client,
        [
          ...["--name", name, "--host", "127.0.0.1", ...ports],
          ...["--downloads", join(work, `downloads-${name}`)],
        ],
        work,
        "piped",
      );
      children.push(c);
      const writer = c.child.stdin.getWriter();
      const say = (line: string) => writer.write(new TextEncoder().encode(line + "\n"));
      return { ...c, say, close: () => writer.close() };
    };
    const ana = join2("Ana");
    const luis = join2("Luis");
    await luis.out.wait(/Luis/, "Luis's welcome");
    const content = `PC3 smoke ${crypto.randomUUID()}\n`.repeat(1000);
    await Deno.writeTextFile(join(work, "prueba.txt"), content);
    await ana.say("hola desde Ana");
    await luis.out.wait(/hola desde Ana/, "Ana's message at Luis");
    await ana.say(`/upload ${join(work, "prueba.txt")}`);
    const offer = await luis.out.wait(/prueba\.txt.*\/download (\S+)/, "the file announcement");
    await luis.say(`/download ${offer[1]}`);
    const saved = join(work, "downloads-Luis", "prueba.txt");
    const deadline = Date.now() + STEP_MS;
    while ((await Deno.readTextFile(saved).catch(() => "")) !== content) {
      if (Date.now() > deadline) throw new Error(`${saved} never had the uploaded content`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return `smoke ok: ${versions.join(", ")}; message and ${content.length}-byte file exchanged`;
  } finally {
    await Promise.all(children.map((c) => c.kill()));
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const dir = Deno.args[0];
  if (!dir) {
    console.error("Usage: deno run -A dist/smoke.ts dist/<target> [version]");
    Deno.exit(2);
  }
  const exe = Deno.build.os === "windows" ? ".exe" : "";
  const at = (name: string): Program => ({ cmd: join(Deno.cwd(), dir, name + exe), args: [] });
  try {
    console.log(await smoke(at("pc3-server"), at("pc3-client"), Deno.args[1]));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(1);
  }
}
