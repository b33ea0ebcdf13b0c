/**
 * The start without --host: choosing the server (one found, several, none,
 * codes and typos), the remembered address, and when to wait for Enter.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { configPath, readClientConfig, writeClientConfig } from "../lib/client/config_file.ts";
import type { FoundServer } from "../lib/client/discovery.ts";
import {
  chooseServer,
  formatFound,
  parseAddress,
  type PromptIo,
  shouldPauseOnExit,
} from "../lib/client/start_prompt.ts";
import type { ServerInfo } from "../lib/protocol/discovery.ts";
import { encodeJoinCode } from "../lib/protocol/join_code.ts";

const INFO: ServerInfo = {
  instance: "a1b2c3d4",
  room: "Aula 3",
  server: "pc-profe",
  version: "0.1.0",
  chatPort: 9009,
  filePort: 9010,
  mediaPort: 9020,
  members: 4,
  password: false,
};

function found(address: string, info: Partial<ServerInfo> = {}): FoundServer {
  return { address, via: "answer", info: { ...INFO, ...info } };
}

/** A prompt that answers from a script and records what it printed and asked. */
function scripted(
  answers: Array<string | null>,
): PromptIo & { printed: string[]; asked: string[] } {
  const printed: string[] = [];
  const asked: string[] = [];
  return {
    printed,
    asked,
    print: (lines) => printed.push(...lines),
    ask: (prompt) => {
      asked.push(prompt);
      if (answers.length === 0) throw new Error(`Unexpected question: ${prompt}`);
      return Promise.resolve(answers.shift()!);
    },
  };
}

function choose(io: PromptIo, servers: FoundServer[], last?: { host?: string; chatPort?: number }) {
  return chooseServer({
    lang: "en",
    io,
    discover: () => Promise.resolve(servers),
    last,
    defaultChatPort: 9009,
  });
}

Deno.test("chooseServer(): one server found is offered and Enter joins it", async () => {
  const io = scripted([""]);
  const choice = await choose(io, [found("192.168.1.10", { chatPort: 12009, mediaPort: 12020 })]);
  assert.deepEqual(choice, {
    host: "192.168.1.10",
    chatPort: 12009,
    filePort: 9010,
    mediaPort: 12020,
  });
  assert.equal(io.printed[0], "Looking for PC3 servers on the local network…");
  assert.match(io.asked[0], /^Server found: Aula 3 on pc-profe \(192\.168\.1\.10\)/);
});

Deno.test("chooseServer(): with one server offered, another address can be typed", async () => {
  const io = scripted(["10.0.0.2:12009"]);
  const choice = await choose(io, [found("192.168.1.10")]);
  assert.deepEqual(choice, { host: "10.0.0.2", chatPort: 12009 });
});

Deno.test("chooseServer(): several servers are listed and picked by number", async () => {
  const io = scripted(["9", "", "2"]);
  const servers = [found("192.168.1.10"), found("192.168.1.20", { room: "Aula 4" })];
  const choice = await choose(io, servers);
  assert.equal(choice?.host, "192.168.1.20");
  assert.equal(io.printed[1], "PC3 servers on the local network:");
  assert.match(
    io.printed[2],
    /^ {2}1\. Aula 3 on pc-profe: 192\.168\.1\.10:9009 · 4 online · code /,
  );
  assert.match(io.printed[4], /«9» is not a number from the list/);
  assert.equal(io.asked.length, 3);
});

Deno.test("chooseServer(): none found says so; Enter takes the remembered address", async () => {
  const io = scripted([""]);
  const choice = await choose(io, [], { host: "192.168.1.10", chatPort: 9100 });
  assert.deepEqual(choice, { host: "192.168.1.10", chatPort: 9100 });
  assert.equal(io.printed[1], "No PC3 server was found on the local network.");
  assert.equal(io.asked[0], "Server address (IP or code; Enter = 192.168.1.10): ");
});

Deno.test("chooseServer(): none found and nothing remembered asks until something is typed", async () => {
  const code = encodeJoinCode({
    host: "172.16.0.9",
    chatPort: 9009,
    filePort: 9010,
    mediaPort: 9020,
  });
  const io = scripted(["", code.toLowerCase()]);
  const choice = await choose(io, []);
  assert.deepEqual(choice, { host: "172.16.0.9", chatPort: 9009, filePort: 9010, mediaPort: 9020 });
  assert.equal(io.asked[0], "Server address (IP or the code on the teacher's screen): ");
});

Deno.test("chooseServer(): a code with a typo is caught and asked again", async () => {
  const code = encodeJoinCode({
    host: "172.16.0.9",
    chatPort: 9009,
    filePort: 9010,
    mediaPort: 9020,
  });
  const typo = code.slice(0, 2) + (code[2] === "7" ? "8" : "7") + code.slice(3);
  const io = scripted([typo, code]);
  const choice = await choose(io, []);
  assert.equal(choice?.host, "172.16.0.9");
  assert.match(io.printed.at(-1)!, /has a typo/);
});

Deno.test("chooseServer(): Ctrl+C or the end of input gives up", async () => {
  assert.equal(await choose(scripted([null]), []), null);
  assert.equal(await choose(scripted([null]), [found("192.168.1.10")]), null);
});

/** No control character (C0) and no bidi override in `text`. */
function clean(text: string): boolean {
  return [...text].every((ch) => ch.charCodeAt(0) >= 0x20 && ch !== "\u202e");
}

Deno.test("chooseServer() and formatFound() sanitise what servers say about themselves", async () => {
  const evil = found("192.168.1.10", { room: "Aula\x1b[2J\u202e3", server: "pc\x07" });
  const io = scripted([""]);
  await choose(io, [evil]);
  assert.ok(clean(io.asked[0]), io.asked[0]);
  for (const line of formatFound([evil, found("10.0.0.1", { password: true, room: "" })], "es")) {
    assert.ok(clean(line), line);
  }
  const [, second] = formatFound([evil, found("10.0.0.1", { password: true, room: "" })], "es");
  assert.match(
    second,
    /^ {2}2\. Sala en pc-profe: 10\.0\.0\.1:9009 · 4 conectados · con contraseña/,
  );
});

Deno.test("parseAddress() reads addresses, host:port, pasted URLs and codes, and refuses junk", () => {
  const ok = (text: string) => {
    const p = parseAddress(text, 9009, "en");
    assert.ok(p.ok, text);
    return p.choice;
  };
  assert.deepEqual(ok(" 192.168.1.10 "), { host: "192.168.1.10", chatPort: 9009 });
  assert.deepEqual(ok("pc-profe:9100"), { host: "pc-profe", chatPort: 9100 });
  assert.deepEqual(ok("http://192.168.1.10:9100/"), { host: "192.168.1.10", chatPort: 9100 });
  for (const bad of ["", "1.2.3.4:0", "1.2.3.4:70000", "a b", "42", "K7M2-QX4U"]) {
    assert.equal(parseAddress(bad, 9009, "en").ok, false, bad);
  }
});

Deno.test("configPath() follows each platform's convention", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(
    configPath("windows", env({ APPDATA: "C:\\Users\\ana\\AppData\\Roaming" })),
    join("C:\\Users\\ana\\AppData\\Roaming", "pc3", "client.json"),
  );
  assert.equal(configPath("windows", env({})), null);
  assert.equal(
    configPath("linux", env({ XDG_CONFIG_HOME: "/x", HOME: "/h" })),
    join("/x", "pc3", "client.json"),
  );
  assert.equal(
    configPath("darwin", env({ HOME: "/h" })),
    join("/h", ".config", "pc3", "client.json"),
  );
  assert.equal(configPath("linux", env({})), null);
});

Deno.test("the config file remembers the last address and shrugs off damage", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pc3-config-" });
  try {
    const path = join(dir, "pc3", "client.json");
    assert.deepEqual(await readClientConfig(path), {});
    assert.equal(await writeClientConfig(path, { host: "192.168.1.10", chatPort: 9009 }), true);
    assert.deepEqual(await readClientConfig(path), { host: "192.168.1.10", chatPort: 9009 });
    await Deno.writeTextFile(path, "{not json");
    assert.deepEqual(await readClientConfig(path), {});
    await Deno.writeTextFile(path, JSON.stringify({ host: 5, chatPort: 99999, extra: true }));
    assert.deepEqual(await readClientConfig(path), {});
    await Deno.writeTextFile(path, " ".repeat(20_000));
    assert.deepEqual(await readClientConfig(path), {});
    // A folder where the file should be: the save fails quietly.
    const blocked = join(dir, "blocked");
    await Deno.mkdir(join(blocked, "client.json"), { recursive: true });
    assert.equal(await writeClientConfig(join(blocked, "client.json"), { host: "x" }), false);
    assert.deepEqual([...Deno.readDirSync(blocked)].map((e) => e.name), ["client.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("shouldPauseOnExit(): only a Windows console of its own waits for Enter", () => {
  const ctx = (os: string, interactive: boolean, vars: Record<string, string> = {}) => ({
    os,
    interactive,
    env: (name: string) => vars[name],
  });
  assert.equal(shouldPauseOnExit([], ctx("windows", true)), true);
  assert.equal(shouldPauseOnExit(["--name", "Ana"], ctx("windows", true)), false);
  assert.equal(shouldPauseOnExit([], ctx("windows", true, { PROMPT: "$P$G" })), false);
  assert.equal(shouldPauseOnExit([], ctx("windows", false)), false);
  assert.equal(shouldPauseOnExit([], ctx("linux", true)), false);
  assert.equal(shouldPauseOnExit(["--host", "x"], ctx("linux", true, { PC3_PAUSE: "1" })), true);
  assert.equal(shouldPauseOnExit([], ctx("windows", true, { PC3_PAUSE: "0" })), false);
});
