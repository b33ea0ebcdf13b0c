import assert from "node:assert/strict";
import {
  discoverServers,
  type FoundServer,
  mergeFound,
  queryTargets,
} from "../lib/client/discovery.ts";
import { subnetsOf } from "../lib/net/net_info.ts";
import {
  decodeDiscovery,
  ECHO_SIZE,
  encodeAnswer,
  encodeEchoReply,
  encodeEchoRequest,
  encodeQuery,
  isDiscoveryDatagram,
  QUERY_SIZE,
  type ServerInfo,
} from "../lib/protocol/discovery.ts";
import { broadcastOf, inSubnet, parseIpv4, prefixOfMask } from "../lib/protocol/ipv4.ts";
import { encodeMediaPacket, MediaKind } from "../lib/protocol/media_packet.ts";
import { DiscoveryResponder, type LiveInfo } from "../lib/server/discovery.ts";
import {
  bannerLabLines,
  cachedSubnets,
  discoveryFor,
  startAnnouncer,
} from "../lib/server/discovery_service.ts";
import { parseServerArgs } from "../lib/server/args.ts";
import { serveMedia } from "../lib/server/relay/udp_server.ts";
import { FakeClock } from "./fake_clock.ts";
import { FakeRoom } from "./relay_fake_room.ts";
import { portOf, receive, to, udp } from "./udp_helpers.ts";
import { waitFor } from "./wait.ts";

const INFO: ServerInfo = {
  instance: "a1b2c3d4",
  room: "Aula 3",
  server: "pc-profe",
  version: "0.1.0",
  chatPort: 9009,
  filePort: 9010,
  mediaPort: 9020,
  members: 3,
  password: true,
};

const LIVE: LiveInfo = {
  room: "Aula 3",
  server: "pc-profe",
  chatPort: 9009,
  filePort: 9010,
  mediaPort: 9020,
  members: 3,
  password: false,
};

const LAN = { address: parseIpv4("192.168.1.10")!, prefix: 24 };

function responder(options: Partial<ConstructorParameters<typeof DiscoveryResponder>[0]> = {}) {
  const logs: unknown[] = [];
  const r = new DiscoveryResponder({
    info: () => LIVE,
    subnets: () => [LAN],
    log: (e) => logs.push(e),
    instance: "00ff00ff",
    ...options,
  });
  return { r, logs };
}

Deno.test("ipv4: parse, masks, subnets and broadcasts", () => {
  assert.equal(parseIpv4("10.0.0.2"), 0x0a000002);
  for (const bad of ["10.0.0", "10.0.0.256", "010.0.0.1", "1.2.3.4 ", "a.b.c.d", ""]) {
    assert.equal(parseIpv4(bad), null, bad);
  }
  assert.equal(prefixOfMask("255.255.255.0"), 24);
  assert.equal(prefixOfMask("255.255.252.0"), 22);
  assert.equal(prefixOfMask("255.0.255.0"), null);
  assert.equal(broadcastOf({ address: parseIpv4("10.1.2.3")!, prefix: 22 }), "10.1.3.255");
  assert.equal(broadcastOf({ address: parseIpv4("10.1.2.3")!, prefix: 32 }), null);
  assert.ok(inSubnet(parseIpv4("192.168.1.200")!, LAN));
  assert.ok(!inSubnet(parseIpv4("192.168.2.1")!, LAN));
});

Deno.test("subnetsOf() reads addresses with their netmasks; queryTargets() broadcasts to each", () => {
  const subnets = subnetsOf({
    lo: [{ address: "127.0.0.1", family: "IPv4", internal: true, netmask: "255.0.0.0" }],
    eth0: [{ address: "192.168.1.10", family: "IPv4", internal: false, netmask: "255.255.255.0" }],
    wlan0: [
      { address: "10.20.30.40", family: 4, internal: false, netmask: "255.255.0.0" },
      { address: "fe80::1", family: "IPv6", internal: false, netmask: "ffff::" },
    ],
    odd: [{ address: "10.9.9.9", family: "IPv4", internal: false }],
  });
  assert.deepEqual(subnets.map((s) => [s.iface, s.prefix]), [["lo", 8], ["eth0", 24], [
    "wlan0",
    16,
  ]]);
  assert.deepEqual(queryTargets(subnets), [
    "192.168.1.255",
    "10.20.255.255",
    "255.255.255.255",
    "127.0.0.1",
  ]);
});

Deno.test("discovery datagrams: magic kept apart from media datagrams", () => {
  assert.ok(isDiscoveryDatagram(encodeQuery(1)));
  assert.ok(isDiscoveryDatagram(encodeEchoRequest(1)));
  const media = encodeMediaPacket({
    kind: MediaKind.Keepalive,
    clientId: 1,
    seq: 1,
    ts: 1,
    payload: new Uint8Array(0),
  });
  assert.ok(!isDiscoveryDatagram(media));
  assert.ok(!isDiscoveryDatagram(Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 5, 0xff, 0xd8)));
  assert.equal(decodeDiscovery(media), null);
});

Deno.test("discovery datagrams: query, answer and echo round-trip; answers fit in the query", () => {
  assert.deepEqual(decodeDiscovery(encodeQuery(0xdeadbeef)), { kind: "query", id: 0xdeadbeef });
  assert.equal(encodeQuery(1).length, QUERY_SIZE);
  const answer = encodeAnswer("answer", 42, INFO);
  assert.deepEqual(decodeDiscovery(answer), { kind: "answer", id: 42, info: INFO });
  const long = { ...INFO, room: "ñ".repeat(200), server: "🖥".repeat(200) };
  const cut = encodeAnswer("announce", 0, long, QUERY_SIZE);
  assert.ok(cut.length <= QUERY_SIZE, `${cut.length} bytes`);
  const decoded = decodeDiscovery(cut);
  assert.equal(decoded?.kind, "announce");
  const echo = { seen: "10.0.0.5:53122", chatPort: 1, filePort: 2, mediaPort: 3, version: "0.1.0" };
  const reply = encodeEchoReply(9, echo, ECHO_SIZE);
  assert.ok(reply.length <= ECHO_SIZE);
  assert.deepEqual(decodeDiscovery(reply), { kind: "echo_reply", id: 9, info: echo });
  assert.deepEqual(decodeDiscovery(encodeEchoReply(9, echo, 20)), {
    kind: "echo_reply",
    id: 9,
    info: null,
  });
});

Deno.test("discovery datagrams: short, oversized, bad version and bad bodies are malformed, never thrown", () => {
  const short = encodeQuery(1).subarray(0, QUERY_SIZE - 1);
  assert.deepEqual(decodeDiscovery(short), { kind: "malformed", reason: "short" });
  assert.deepEqual(
    decodeDiscovery(
      new Uint8Array(2000).fill(0x50).map((v, i) => i === 1 ? 0x33 : i === 2 ? 0x44 : v),
    ),
    {
      kind: "malformed",
      reason: "too_large",
    },
  );
  const badVersion = encodeQuery(1);
  badVersion[4] = 9;
  assert.deepEqual(decodeDiscovery(badVersion), { kind: "malformed", reason: "version" });
  const answer = encodeAnswer("answer", 1, INFO);
  for (let cutAt = 9; cutAt < answer.length; cutAt++) {
    assert.equal(decodeDiscovery(answer.subarray(0, cutAt))?.kind, "malformed");
  }
  const body = (json: string) => {
    const b = new TextEncoder().encode(json);
    const out = new Uint8Array(9 + b.length);
    out.set(answer.subarray(0, 9));
    out.set(b, 9);
    return out;
  };
  for (const json of ['{"instance":"x"}', "[]", "null", '{"instance":"ab","room":1}', "\xff"]) {
    assert.equal(decodeDiscovery(body(json))?.kind, "malformed", json);
  }
  // Random bytes behind a valid prefix: decoding never throws.
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 255;
  for (let i = 0; i < 2000; i++) {
    const bytes = Uint8Array.from({ length: 9 + (i % 300) }, random);
    bytes.set([0x50, 0x33, i % 2 ? 0x44 : 0x45, [0x3f, 0x21, 0x2a][i % 3], 1]);
    decodeDiscovery(bytes);
  }
});

Deno.test("DiscoveryResponder answers a query from its own subnet, never larger than the query", () => {
  const { r } = responder();
  const query = encodeQuery(77);
  const reply = r.receive(query, { hostname: "192.168.1.50", port: 4000 }, 0);
  assert.ok(reply !== null);
  assert.deepEqual(reply.to, { hostname: "192.168.1.50", port: 4000 });
  assert.ok(reply.bytes.length <= query.length);
  const decoded = decodeDiscovery(reply.bytes);
  assert.equal(decoded?.kind, "answer");
  if (decoded?.kind === "answer") {
    assert.equal(decoded.id, 77);
    assert.equal(decoded.info.instance, "00ff00ff");
    assert.equal(decoded.info.members, 3);
  }
  // The machine itself (loopback) is local too.
  assert.ok(r.receive(query, { hostname: "127.0.0.1", port: 4000 }, 0) !== null);
});

Deno.test("DiscoveryResponder never answers a query from outside its subnets, and logs the refusal", () => {
  const { r, logs } = responder();
  for (const hostname of ["192.168.2.50", "8.8.8.8", "10.0.0.1", "::1", "not-an-ip"]) {
    assert.equal(r.receive(encodeQuery(1), { hostname, port: 4000 }, 0), null, hostname);
  }
  assert.deepEqual(logs[0], { kind: "refused", what: "discovery", ip: "192.168.2.50", count: 1 });
  assert.equal(r.stats().answered, 0);
});

Deno.test("DiscoveryResponder ignores short queries, answers, announcements and junk", () => {
  const { r } = responder();
  const from = { hostname: "192.168.1.50", port: 4000 };
  assert.equal(r.receive(encodeQuery(1).subarray(0, 100), from, 0), null);
  assert.equal(r.receive(encodeAnswer("answer", 1, INFO), from, 0), null);
  assert.equal(r.receive(encodeAnswer("announce", 0, INFO), from, 0), null);
  assert.equal(r.receive(Uint8Array.of(0x50, 0x33, 0x44), from, 0), null);
  assert.equal(r.stats().answered, 0);
});

Deno.test("DiscoveryResponder rate-limits per source and overall (time passed in, no waiting)", () => {
  const { r, logs } = responder({ perSourceRate: 5, totalRate: 20 });
  const ask = (hostname: string, now: number) =>
    r.receive(encodeQuery(1), { hostname, port: 1 }, now) !== null;
  let answered = 0;
  for (let i = 0; i < 50; i++) if (ask("192.168.1.50", 0)) answered++;
  assert.equal(answered, 10); // a burst of twice the rate
  assert.ok(logs.some((e) => (e as { kind: string }).kind === "rate_limited"));
  assert.ok(ask("192.168.1.50", 1000)); // refilled a second later
  // Many sources: the total bucket caps the answers.
  let total = 0;
  for (let i = 0; i < 100; i++) if (ask(`192.168.1.${100 + i % 100}`, 5000)) total++;
  assert.ok(total <= 20, `${total} answers`);
});

Deno.test("DiscoveryResponder answers an echo probe from anywhere, no larger than the probe", () => {
  const { r } = responder();
  const probe = encodeEchoRequest(5);
  const reply = r.receive(probe, { hostname: "172.20.0.9", port: 5555 }, 0);
  assert.ok(reply !== null);
  assert.ok(reply.bytes.length <= probe.length);
  const decoded = decodeDiscovery(reply.bytes);
  assert.equal(decoded?.kind, "echo_reply");
  if (decoded?.kind === "echo_reply") {
    assert.equal(decoded.info?.seen, "172.20.0.9:5555");
    assert.equal(decoded.info?.filePort, 9010);
  }
  assert.equal(
    r.receive(probe.subarray(0, ECHO_SIZE - 1), { hostname: "1.2.3.4", port: 1 }, 0),
    null,
  );
});

Deno.test("DiscoveryResponder announces to each subnet's directed broadcast on the default and own media port", () => {
  const { r } = responder({
    info: () => ({ ...LIVE, mediaPort: 12020 }),
    subnets: () => [
      LAN,
      { address: parseIpv4("10.0.0.2")!, prefix: 8 },
      { address: parseIpv4("127.0.0.1")!, prefix: 8 },
      { address: parseIpv4("192.168.1.11")!, prefix: 24 },
    ],
  });
  const out = r.announcements();
  assert.deepEqual(out.map((o) => `${o.to.hostname}:${o.to.port}`), [
    "192.168.1.255:9020",
    "192.168.1.255:12020",
    "10.255.255.255:9020",
    "10.255.255.255:12020",
  ]);
  assert.equal(decodeDiscovery(out[0].bytes)?.kind, "announce");
});

Deno.test("startAnnouncer() sends at once and then on the clock, until closed", () => {
  const { r } = responder();
  const clock = new FakeClock();
  const sent: string[] = [];
  const announcer = startAnnouncer(r, {
    clock,
    everyMs: 1000,
    send: (_bytes, to) => {
      sent.push(to.hostname);
      return Promise.resolve();
    },
  });
  assert.equal(sent.length, 1);
  clock.advance(3000);
  assert.equal(sent.length, 4);
  announcer.close();
  announcer.close();
  clock.advance(3000);
  assert.equal(sent.length, 4);
});

Deno.test("cachedSubnets() reads the interfaces at most once per period", () => {
  const clock = new FakeClock();
  let reads = 0;
  const get = cachedSubnets(() => (reads++, [LAN]), clock, 10_000);
  get();
  get();
  clock.advance(9_999);
  get();
  assert.equal(reads, 1);
  clock.advance(1);
  get();
  assert.equal(reads, 2);
});

Deno.test("bannerLabLines() shows one join code, or one per address, and the discovery line", () => {
  const t = (key: string, p: Record<string, string | number> = {}) => `${key} ${JSON.stringify(p)}`;
  const ports = { chatPort: 9009, filePort: 9010, mediaPort: 9020, discovery: true };
  const one = bannerLabLines(t, ["192.168.1.10"], ports);
  assert.equal(one.length, 2);
  assert.match(one[0], /^bannerJoinCode .*"code":"[0-9A-Z]{4}-[0-9A-Z]{4}"/);
  const two = bannerLabLines(t, ["192.168.1.10", "10.0.0.2", "fe80::1"], {
    ...ports,
    discovery: false,
  });
  assert.equal(two.length, 2);
  assert.match(two[1], /^bannerJoinCodeFor .*10\.0\.0\.2/);
});

Deno.test("discoverServers() finds a relay's responder on this machine and lists it once", async () => {
  const socket = udp();
  const mediaPort = portOf(socket);
  const { r } = responder({ info: () => ({ ...LIVE, mediaPort }), subnets: () => [] });
  const server = serveMedia(socket, { room: new FakeRoom(), acceptV1: true, side: r });
  try {
    const found = await discoverServers({
      port: mediaPort,
      targets: ["127.0.0.1", "127.0.0.1"],
      hearAnnouncements: false,
      windowMs: 3000,
      settleMs: 100,
    });
    assert.equal(found.length, 1);
    assert.equal(found[0].address, "127.0.0.1");
    assert.equal(found[0].info.room, "Aula 3");
    assert.equal(found[0].info.mediaPort, mediaPort);
    const stats = server.stats();
    assert.equal(stats.received, 0, "the relay itself saw no datagram");
  } finally {
    await server.close();
  }
});

Deno.test("discoverServers() with nobody answering ends after its window with an empty list", async () => {
  const silent = udp(); // a port where nobody answers
  try {
    const found = await discoverServers({
      port: portOf(silent),
      targets: ["127.0.0.1"],
      hearAnnouncements: false,
      windowMs: 300,
    });
    assert.deepEqual(found, []);
  } finally {
    silent.close();
  }
});

Deno.test("discoverServers() survives having no socket at all", async () => {
  const found = await discoverServers({
    targets: ["127.0.0.1"],
    windowMs: 100,
    listen: () => {
      throw new Deno.errors.PermissionDenied("no");
    },
  });
  assert.deepEqual(found, []);
});

Deno.test("mergeFound() keeps one entry per server: answers over announcements, LAN over loopback", () => {
  const f = (address: string, via: FoundServer["via"], instance = INFO.instance): FoundServer => ({
    address,
    via,
    info: { ...INFO, instance },
  });
  const merged = mergeFound([
    f("127.0.0.1", "answer"),
    f("192.168.1.10", "announce"),
    f("192.168.1.10", "answer"),
    f("192.168.1.20", "announce", "0000beef"),
  ]);
  assert.deepEqual(merged.map((m) => `${m.address}/${m.via}`), [
    "192.168.1.10/answer",
    "192.168.1.20/announce",
  ]);
});

Deno.test("an echo probe through the relay's real socket gets its reply", async () => {
  const socket = udp();
  const { r } = responder({ subnets: () => [] });
  const server = serveMedia(socket, { room: new FakeRoom(), acceptV1: true, side: r });
  const client = udp();
  try {
    await client.send(encodeEchoRequest(3), to(portOf(socket)));
    const decoded = decodeDiscovery(await receive(client));
    assert.equal(decoded?.kind, "echo_reply");
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("DiscoveryResponder with queries turned off (--no-discovery) still answers echo probes", () => {
  const { r } = responder({ answerQueries: false });
  const from = { hostname: "192.168.1.50", port: 4000 };
  assert.equal(r.receive(encodeQuery(1), from, 0), null);
  assert.ok(r.receive(encodeEchoRequest(1), from, 0) !== null);
});

Deno.test("discoverServers() hears a server's announcement on its port, without any answer", async () => {
  const probe = udp();
  const port = portOf(probe);
  probe.close();
  const sender = udp();
  const searching = discoverServers({ port, targets: [], windowMs: 3000, settleMs: 50 });
  // Announce until the search has bound the port and heard one (the search ends then).
  const announce = setInterval(() => {
    sender.send(encodeAnswer("announce", 0, INFO), to(port)).catch(() => {});
  }, 50);
  try {
    const found = await searching;
    assert.equal(found.length, 1);
    assert.equal(found[0].via, "announce");
    assert.equal(found[0].address, "127.0.0.1");
  } finally {
    clearInterval(announce);
    sender.close();
  }
});

Deno.test("discoverServers() ignores answers to other queries and junk on its socket", async () => {
  const socket = udp();
  const mediaPort = portOf(socket);
  // A fake "server" that answers every query with the wrong id, junk, then nothing.
  const serving = (async () => {
    try {
      while (true) {
        const [data, from] = await socket.receive();
        const q = decodeDiscovery(data);
        if (q?.kind !== "query") continue;
        await socket.send(encodeAnswer("answer", q.id + 1, INFO), from);
        await socket.send(Uint8Array.of(0x50, 0x33, 0x44, 0x21, 1, 0, 0, 0), from);
        await socket.send(new Uint8Array(2000), from);
      }
    } catch {
      // Closed.
    }
  })();
  try {
    const found = await discoverServers({
      port: mediaPort,
      targets: ["127.0.0.1"],
      hearAnnouncements: false,
      windowMs: 500,
    });
    assert.deepEqual(found, []);
  } finally {
    socket.close();
    await serving;
  }
});

Deno.test("server flags: --room names the room, --no-discovery turns discovery off", () => {
  const parsed = parseServerArgs(["--room", "  Aula 3 ", "--no-discovery"]);
  assert.equal(parsed.kind, "run");
  if (parsed.kind === "run") {
    assert.equal(parsed.config.roomName, "Aula 3");
    assert.equal(parsed.config.discovery, false);
  }
  const defaults = parseServerArgs([]);
  if (defaults.kind === "run") {
    assert.equal(defaults.config.roomName, "");
    assert.equal(defaults.config.discovery, true);
  }
  const bad = parseServerArgs(["--room", "x".repeat(49), "--lang", "en"]);
  assert.equal(bad.kind, "error");
  if (bad.kind === "error") assert.match(bad.message, /up to 48 characters/);
});

Deno.test("a flood of queries through the relay's socket gets at most a burst of answers", async () => {
  const clock = new FakeClock(); // time stands still: no refill during the flood
  const socket = udp();
  const { r } = responder({ subnets: () => [] });
  const server = serveMedia(socket, { room: new FakeRoom(), acceptV1: true, side: r, clock });
  const flooder = udp();
  try {
    const query = encodeQuery(1);
    const seen = () => r.stats().answered + r.stats().dropped;
    // One at a time, so the kernel's receive buffer never drops any of them.
    for (let i = 1; i <= 40; i++) {
      await flooder.send(query, to(portOf(socket)));
      await waitFor(() => seen() >= i, { message: `query ${i} to be handled` });
    }
    // A datagram too large to be a query: dropped, never a crash.
    const large = new Uint8Array(1500);
    large.set(query.subarray(0, 9));
    await flooder.send(large, to(portOf(socket)));
    await waitFor(() => seen() >= 41, { message: "the large datagram to be dropped" });
    assert.equal(r.stats().answered, 10);
    // A second later (same address: the limit is per address) the echo probe is answered.
    clock.advance(1000);
    const other = udp();
    try {
      await other.send(encodeEchoRequest(2), to(portOf(socket)));
      assert.equal(decodeDiscovery(await receive(other))?.kind, "echo_reply");
    } finally {
      other.close();
    }
    assert.equal(server.stats().received, 0, "nothing of it reached the relay");
  } finally {
    flooder.close();
    await server.close();
  }
});

Deno.test("discoveryFor(): a server bound to one address announces only on its network; --no-discovery answers no query", () => {
  const ports = { chatPort: 9009, filePort: 9010, mediaPort: 9020 };
  const loopOnly = discoveryFor(
    { roomName: "Aula 3", discovery: true, host: "127.0.0.1" },
    ports,
    { size: 2 },
    { password: "secreto" },
  );
  try {
    assert.deepEqual(loopOnly.announcements(), []);
    const reply = loopOnly.receive(encodeQuery(4), { hostname: "127.0.0.1", port: 1 }, 0);
    const decoded = reply === null ? null : decodeDiscovery(reply.bytes);
    assert.equal(decoded?.kind, "answer");
    if (decoded?.kind === "answer") {
      assert.equal(decoded.info.room, "Aula 3");
      assert.equal(decoded.info.members, 2);
      assert.equal(decoded.info.password, true);
      assert.notEqual(decoded.info.server, "");
    }
  } finally {
    loopOnly.close();
  }
  const off = discoveryFor(
    { roomName: "", discovery: false, host: "0.0.0.0" },
    ports,
    { size: 0 },
    {},
  );
  try {
    assert.equal(off.receive(encodeQuery(4), { hostname: "127.0.0.1", port: 1 }, 0), null);
    assert.ok(off.receive(encodeEchoRequest(4), { hostname: "127.0.0.1", port: 1 }, 0) !== null);
  } finally {
    off.close();
  }
});
