/**
 * Discovery across a real network: servers and clients in their own network
 * namespaces (`ip netns`) joined by one bridge, each with its own addresses
 * and broadcast domain, like PCs on a lab switch.
 *
 *   subnet 10.231.1.0/24: server "Aula 1" (.1), server "Aula 2" (.2), client (.50)
 *   subnet 10.231.2.0/24: server "Aula 9" (.3)  -- same bridge, another subnet
 *   subnet 10.231.3.0/24: a lone client (.50)   -- no server on its subnet
 *
 * Needs root (or CAP_NET_ADMIN) and iproute2; skipped with a message
 * otherwise. Every name carries a random suffix so parallel runs never meet.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { withDeadline } from "./wait.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const suffix = crypto.randomUUID().slice(0, 4);

async function run(args: string[], allowFail = false): Promise<boolean> {
  const out = await new Deno.Command(args[0], {
    args: args.slice(1),
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success && !allowFail) {
    throw new Error(`${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return out.success;
}

/** Whether this machine lets us create network namespaces (root, iproute2, Linux). */
async function canUseNetns(): Promise<boolean> {
  if (Deno.build.os !== "linux") return false;
  try {
    const probe = `pc3probe-${suffix}`;
    if (!await run(["ip", "netns", "add", probe], true)) return false;
    await run(["ip", "netns", "del", probe], true);
    return true;
  } catch {
    return false;
  }
}

const available = await canUseNetns();
if (!available) {
  console.log(
    "discovery_netns_test: skipped: network namespaces need Linux, iproute2 and root (CAP_NET_ADMIN)",
  );
}

interface Host {
  ns: string;
  cidr: string;
}

/** The bridge namespace and one namespace per host, wired with veth pairs. */
class Lab {
  readonly bridge = `pc3br-${suffix}`;
  readonly hosts: Host[] = [];

  async setUp(hosts: Record<string, string>): Promise<void> {
    await run(["ip", "netns", "add", this.bridge]);
    await this.exec(this.bridge, ["ip", "link", "add", "br0", "type", "bridge"]);
    await this.exec(this.bridge, ["ip", "link", "set", "br0", "up"]);
    let i = 0;
    for (const [role, cidr] of Object.entries(hosts)) {
      const ns = `pc3${role}-${suffix}`;
      const inner = `v${suffix}${i}`;
      const outer = `b${suffix}${i}`;
      i++;
      await run(["ip", "netns", "add", ns]);
      this.hosts.push({ ns, cidr });
      await run(["ip", "link", "add", inner, "type", "veth", "peer", "name", outer]);
      await run(["ip", "link", "set", inner, "netns", ns]);
      await run(["ip", "link", "set", outer, "netns", this.bridge]);
      await this.exec(this.bridge, ["ip", "link", "set", outer, "master", "br0", "up"]);
      await this.exec(ns, ["ip", "addr", "add", cidr, "dev", inner]);
      await this.exec(ns, ["ip", "link", "set", inner, "up"]);
      await this.exec(ns, ["ip", "link", "set", "lo", "up"]);
      // A default route on the link, so 255.255.255.255 and other subnets are reachable.
      await this.exec(ns, ["ip", "route", "add", "default", "dev", inner]);
    }
  }

  ns(role: string): string {
    return `pc3${role}-${suffix}`;
  }

  exec(ns: string, args: string[]): Promise<boolean> {
    return run(["ip", "netns", "exec", ns, ...args]);
  }

  async tearDown(): Promise<void> {
    for (const h of this.hosts) await run(["ip", "netns", "del", h.ns], true);
    await run(["ip", "netns", "del", this.bridge], true);
  }
}

interface Server {
  child: Deno.ChildProcess;
  output: Promise<string>;
  storage: string;
}

/** Starts server.ts in `ns` on the default ports and waits for its ready line. */
async function startServer(lab: Lab, role: string, room: string): Promise<Server> {
  const storage = await Deno.makeTempDir({ prefix: "pc3-netns-" });
  const child = new Deno.Command("ip", {
    args: [
      ...["netns", "exec", lab.ns(role), Deno.execPath(), "run", "-A", `${root}server.ts`],
      ...["--storage", storage, "--room", room, "--lang", "en"],
    ],
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const decoder = new TextDecoder();
  let text = "";
  const { promise: ready, resolve } = Promise.withResolvers<void>();
  const output = (async () => {
    for await (const chunk of child.stdout) {
      text += decoder.decode(chunk, { stream: true });
      if (text.includes("PC3 ready")) resolve();
    }
    resolve();
    return text;
  })();
  await withDeadline(ready, 30_000, `server ${room} ready`);
  return { child, output, storage };
}

async function stopServer(s: Server): Promise<void> {
  try {
    s.child.kill("SIGTERM");
  } catch {
    // Already gone.
  }
  await withDeadline(s.child.status, 15_000, "the server to exit");
  await s.output;
  await Deno.remove(s.storage, { recursive: true });
}

/** Runs client.ts in `ns` with `args`; returns its exit code and standard output. */
async function client(lab: Lab, role: string, args: string[]) {
  const out = await withDeadline(
    new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        lab.ns(role),
        Deno.execPath(),
        "run",
        "-A",
        `${root}client.ts`,
        ...args,
      ],
      cwd: root,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output(),
    30_000,
    `client.ts ${args.join(" ")} in ${role}`,
  );
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, out: decode(out.stdout), err: decode(out.stderr) };
}

Deno.test({
  name: "discovery across network namespaces: several servers, another subnet, none",
  ignore: !available,
  async fn() {
    const lab = new Lab();
    const servers: Server[] = [];
    try {
      await lab.setUp({
        s1: "10.231.1.1/24",
        s2: "10.231.1.2/24",
        s9: "10.231.2.3/24",
        c: "10.231.1.50/24",
        lone: "10.231.3.50/24",
      });
      servers.push(
        ...await Promise.all([
          startServer(lab, "s1", "Aula 1"),
          startServer(lab, "s2", "Aula 2"),
          startServer(lab, "s9", "Aula 9"),
        ]),
      );

      // Several servers on the client's subnet: both listed, once each, with their codes.
      const found = await client(lab, "c", ["--discover", "--lang", "en"]);
      assert.equal(found.code, 0, found.out + found.err);
      const lines = found.out.trim().split("\n");
      assert.equal(lines[0], "PC3 servers on the local network:");
      assert.equal(lines.length, 3, found.out);
      assert.match(lines[1], /^ {2}1\. Aula 1 on .*: 10\.231\.1\.1:9009 · 0 online · code \S+$/);
      assert.match(lines[2], /^ {2}2\. Aula 2 on .*: 10\.231\.1\.2:9009 · 0 online · code \S+$/);
      // The server on the other subnet got the limited broadcast too, but never answers it.
      assert.ok(!found.out.includes("Aula 9"), found.out);

      // It is reachable all the same (the echo probe answers anyone): it is the rule that hides it.
      const check = await client(lab, "c", ["--check", "10.231.2.3", "--lang", "en"]);
      assert.match(check.out, /Calls \(UDP 9020\): works/, check.out);
      assert.match(check.out, /Chat \(TCP 9009\): works/, check.out);

      // The join code printed for Aula 1 leads to it.
      const code = /code (\S+)$/.exec(lines[1])![1];
      const joined = await client(lab, "c", ["--check", code, "--lang", "en"]);
      assert.match(joined.out, /^Checking 10\.231\.1\.1…/, joined.out);
      assert.equal(joined.code, 0, joined.out);

      // A client alone on its subnet finds nobody: every server refuses its query.
      const none = await client(lab, "lone", ["--discover", "--lang", "en"]);
      assert.equal(none.code, 1, none.out + none.err);
      assert.equal(none.out.trim(), "No PC3 server was found on the local network.");
    } finally {
      for (const s of servers) await stopServer(s);
      await lab.tearDown();
    }
  },
});
