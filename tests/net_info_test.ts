import assert from "node:assert/strict";
import { clientCommands, lanAddresses, localLanAddresses } from "../lib/net/net_info.ts";

Deno.test("lanAddresses() keeps LAN IPv4 and skips loopback, link-local and IPv6", () => {
  const found = lanAddresses({
    lo: [{ address: "127.0.0.1", family: "IPv4", internal: true }],
    eth0: [
      { address: "203.0.113.7", family: "IPv4", internal: false },
      { address: "fe80::1", family: "IPv6", internal: false },
    ],
    wlan0: [
      { address: "192.168.1.20", family: 4, internal: false },
      { address: "169.254.3.4", family: "IPv4", internal: false },
    ],
    docker0: [{ address: "172.17.0.1", family: "IPv4", internal: false }],
    vpn: [{ address: "10.8.0.2", family: "IPv4", internal: false }],
    dup: [{ address: "10.8.0.2", family: "IPv4", internal: false }],
    none: undefined,
  });
  assert.deepEqual(found.map((a) => a.address), [
    "192.168.1.20",
    "10.8.0.2",
    "172.17.0.1",
    "203.0.113.7",
  ]);
  assert.equal(found[0].iface, "wlan0");
});

Deno.test("lanAddresses() of a machine without network is empty", () => {
  assert.deepEqual(
    lanAddresses({ lo: [{ address: "127.0.0.1", family: "IPv4", internal: true }] }),
    [],
  );
});

Deno.test("localLanAddresses() never includes loopback", () => {
  for (const a of localLanAddresses()) assert.ok(!a.address.startsWith("127."));
});

Deno.test("clientCommands() gives the executable and the deno task", () => {
  assert.deepEqual(clientCommands("192.168.1.20", "TU_NOMBRE"), [
    "pc3-client --name TU_NOMBRE --host 192.168.1.20",
    "deno task client -- --name TU_NOMBRE --host 192.168.1.20",
  ]);
});
