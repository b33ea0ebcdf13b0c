/**
 * client.ts on a real terminal (a pty through util-linux `script`) joining a
 * room with a password it was not given: it asks for it without showing
 * what is typed, asks again after a wrong one, and joins with the right one.
 * Skipped where `script` is missing.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startServer } from "../server.ts";
import { withDeadline } from "./wait.ts";
import { localServerConfig } from "./server_config.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

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
if (!available) console.log("password_pty_test: skipped: needs Linux and util-linux `script`");

Deno.test({
  name: "client.ts on a terminal asks for the room password hidden, again after a wrong one",
  ignore: !available,
  async fn() {
    const storage = await Deno.makeTempDir();
    const config = localServerConfig(storage, ["--password", "pizarra-verde"]);
    const server = await startServer(config, { print: () => {}, error: () => {} });
    const args = [
      Deno.execPath(),
      "run",
      "-A",
      "client.ts",
      "--lang",
      "en",
      "--name",
      "Ana",
      "--host",
      "127.0.0.1",
      "--chat-port",
      String(server.chatPort),
      "--video-view",
      "none",
    ].map((a) => `'${a}'`).join(" ");
    const child = new Deno.Command("script", {
      args: ["-qfec", args, "/dev/null"],
      cwd: root,
      env: { TERM: "xterm", COLUMNS: "100", LINES: "30" },
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const writer = child.stdin.getWriter();
    const type = (s: string) => writer.write(new TextEncoder().encode(s));
    let text = "";
    let changed = () => {};
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stdout) {
        // Escape sequences and carriage returns stripped: the text as a person reads it.
        text += decoder.decode(chunk, { stream: true })
          // deno-lint-ignore no-control-regex
          .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r/g, "");
        changed();
      }
      changed();
    })();
    /** Waits until the output from `from` on matches `re`. */
    const waitFor = (re: RegExp, from = 0) =>
      withDeadline(
        (async () => {
          while (!re.test(text.slice(from))) await new Promise<void>((r) => changed = r);
        })(),
        20_000,
        `${re}`,
      );
    try {
      await waitFor(/Room password: /);
      await type("tiza-roja\r");
      await waitFor(/Wrong password: type it again/);
      // Asked again, after the refusal.
      await waitFor(/Wrong password[^]*Room password: /);
      await type("pizarra-verde\r");
      await waitFor(/Connected to \S+ as Ana/);
      // The terminal never showed either password.
      assert.ok(!text.includes("tiza-roja"), text);
      assert.ok(!text.includes("pizarra-verde"), text);
      await type("/quit\r");
      await writer.close().catch(() => {});
      const status = await withDeadline(child.status, 15_000, "the client to exit");
      assert.equal(status.code, 0);
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await writer.close().catch(() => {});
      await child.status;
      await reading;
      await server.close();
      await Deno.remove(storage, { recursive: true });
    }
  },
});
