/**
 * The commands PC3 prints work exactly as printed (issue 8.1): the server is
 * started the way the README says (`deno task serve -- …`), and every client
 * command its banner prints and every `deno task client …` command the README
 * quotes is run as a subprocess against it. Only the name placeholder is
 * filled in, and README examples get this server's address and chat port in
 * place of the example ones.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { withDeadline } from "./wait.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const READY = /^PC3 ready chat=(\d+) files=(\d+) media=(\d+)$/m;
/** Hang guard for one subprocess on a loaded machine (never expected to expire). */
const DEADLINE_MS = 60_000;

interface Server {
  child: Deno.ChildProcess;
  banner: string;
  chatPort: number;
  rest: Promise<string>;
}

/** Starts the server with the README's `deno task serve -- …` form and reads its banner. */
async function startServer(storage: string): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "serve", "--", "--chat-port", "0", "--file-port", "0", "--media-port", "0"]
      .concat(["--storage", storage]),
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let banner = "";
  const read = async () => {
    while (!READY.test(banner)) {
      const r = await reader.read();
      if (r.done) throw new Error(`The server ended before it was ready:\n${banner}`);
      banner += r.value;
    }
  };
  try {
    await withDeadline(read(), DEADLINE_MS, "the server's ready line");
  } catch (e) {
    child.kill("SIGKILL");
    await child.status;
    throw e;
  }
  const rest = (async () => {
    let text = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
    return text;
  })();
  return { child, banner, chatPort: Number(READY.exec(banner)![1]), rest };
}

/** Runs one printed command line (`[printf '…' |] deno task client …`) with its input. */
async function runCommand(line: string): Promise<{ code: number; out: string }> {
  let input = "hola\n";
  let command = line;
  const pipe = /^printf '([^']*)' \| (.*)$/.exec(line);
  if (pipe !== null) {
    input = pipe[1].replaceAll("\\n", "\n");
    command = pipe[2];
  }
  const [program, ...args] = command.trim().split(/\s+/);
  assert.equal(program, "deno", line);
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const result = await withDeadline(child.output(), DEADLINE_MS, line).catch(async (e) => {
    child.kill("SIGKILL");
    await child.status;
    throw e;
  });
  const out = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
  return { code: result.code, out };
}

/** Every `deno task client …` command the README quotes, in code blocks or inline code. */
function readmeClientCommands(readme: string): string[] {
  const found = new Set<string>();
  for (const m of readme.matchAll(/^(?:printf .*\| )?deno task client .*$/gm)) found.add(m[0]);
  for (const m of readme.matchAll(/`((?:printf [^`]*\| )?deno task client [^`]*)`/g)) {
    found.add(m[1]);
  }
  return [...found];
}

Deno.test("every client command the banner and the README print works as printed", async () => {
  const storage = await Deno.makeTempDir();
  const server = await startServer(storage);
  try {
    const lines = server.banner.split("\n");
    const header = lines.findIndex((l) => /^(Para conectarse|To connect)/.test(l));
    assert.ok(header >= 0, server.banner);
    // The block of commands under the header, and any other banner line naming the client.
    const commands = lines.slice(header + 1).filter((l) => /^ {2}deno task client /.test(l))
      .map((l) => l.trim().replace("TU_NOMBRE", "Banner"));
    assert.ok(commands.length > 0, server.banner);
    for (const l of lines) {
      const join = /\((deno task client --join \S+?),/.exec(l);
      if (join !== null) commands.push(`${join[1]} --name Codigo`);
    }
    assert.ok(!/pc3-client --|task client -- /.test(server.banner), server.banner);
    // The README's examples, pointed at this server.
    const host = /--host (\S+)/.exec(commands[0])![1];
    const readme = await Deno.readTextFile(`${ROOT}/README.md`);
    const fromReadme = readmeClientCommands(readme);
    assert.ok(fromReadme.length >= 2, fromReadme.join("\n"));
    for (const c of fromReadme.filter((c) => c.includes("--version"))) {
      const { code, out } = await runCommand(c);
      assert.equal(code, 0, c);
      assert.match(out, /^pc3-client \d+\.\d+\.\d+$/m, c);
    }
    for (const c of fromReadme.filter((c) => !c.includes("--version"))) {
      commands.push(
        `${
          c.replaceAll("192.168.1.10", host).replaceAll("<IP>", host)
            .replace(/TU_NOMBRE|YOUR_NAME|\bNAME\b/, "Leido")
        } ` +
          `--chat-port ${server.chatPort}`,
      );
    }
    for (const command of commands) {
      const { code, out } = await runCommand(command);
      assert.equal(code, 0, `${command}\n${out}`);
      assert.match(out, /(Conectado a|Connected to) \S+ (como|as) /, `${command}\n${out}`);
    }
  } finally {
    server.child.kill("SIGINT");
    await withDeadline(server.child.status, DEADLINE_MS, "the server to stop");
    await server.rest;
    await Deno.remove(storage, { recursive: true });
  }
});
