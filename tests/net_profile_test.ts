/** The Windows network check at server start, with recorded PowerShell outputs. */
import assert from "node:assert/strict";
import {
  checkWindowsNetwork,
  type CommandRunner,
  netProfileLines,
  parseProbeOutput,
  PC3_RULES,
  PROBE_SCRIPT,
} from "../lib/server/net_profile.ts";
import { translator } from "../lib/protocol/i18n.ts";
import { serverText } from "../lib/server/text.ts";

const ALL_RULES = PC3_RULES.map((name) => ({
  name,
  enabled: "True",
  action: "Allow",
  direction: "Inbound",
}));

function output(profiles: unknown, rules: unknown): string {
  return JSON.stringify({ profiles, rules });
}

Deno.test("parseProbeOutput(): a Private network with every rule is all well", () => {
  const report = parseProbeOutput(
    output([{ name: "Aula", iface: "Ethernet", category: "Private" }], ALL_RULES),
  );
  assert.deepEqual(report, { publicNetworks: [], missingRules: [], disabledRules: [] });
});

Deno.test("parseProbeOutput(): Public networks, missing and disabled rules are found", () => {
  const report = parseProbeOutput(
    "\uFEFF" + output(
      // PowerShell 5.1 prints a single object, not an array.
      { name: "WIFI_COLEGIO", iface: "Wi-Fi", category: "Public" },
      [
        { ...ALL_RULES[0], enabled: "False" },
        { ...ALL_RULES[1], action: "Block" },
      ],
    ),
  );
  assert.deepEqual(report, {
    publicNetworks: [{ name: "WIFI_COLEGIO", iface: "Wi-Fi" }],
    missingRules: ["PC3 archivos (TCP)", "PC3 videollamadas (UDP)"],
    disabledRules: ["PC3 chat (TCP)"],
  });
});

Deno.test("parseProbeOutput(): no rules at all, and output that is not the script's", () => {
  const none = parseProbeOutput(output([], []));
  assert.deepEqual(none?.missingRules, [...PC3_RULES]);
  assert.equal(parseProbeOutput("Get-NetConnectionProfile : not recognized"), null);
  assert.equal(parseProbeOutput(""), null);
  assert.equal(parseProbeOutput("42"), null);
});

Deno.test("checkWindowsNetwork() runs one PowerShell call on Windows only, and survives its absence", async () => {
  const calls: string[][] = [];
  const run: CommandRunner = (program, args) => {
    calls.push([program, ...args]);
    return Promise.resolve({ success: true, stdout: output([], ALL_RULES) });
  };
  assert.equal(await checkWindowsNetwork({ os: "linux", run }), null);
  assert.equal(calls.length, 0);
  const report = await checkWindowsNetwork({ os: "windows", run });
  assert.deepEqual(report, { publicNetworks: [], missingRules: [], disabledRules: [] });
  assert.equal(calls[0][0], "powershell.exe");
  assert.equal(calls[0].at(-1), PROBE_SCRIPT);
  const missing: CommandRunner = () => Promise.reject(new Deno.errors.NotFound("powershell.exe"));
  assert.equal(await checkWindowsNetwork({ os: "windows", run: missing }), null);
  const failing: CommandRunner = () => Promise.resolve({ success: false, stdout: "" });
  assert.equal(await checkWindowsNetwork({ os: "windows", run: failing }), null);
});

Deno.test("netProfileLines() gives the exact fix for each problem, in both languages, SSID sanitised", () => {
  const report = {
    publicNetworks: [{ name: "Free\x1b[2JWiFi", iface: "Wi-Fi" }],
    missingRules: ["PC3 chat (TCP)"],
    disabledRules: ["PC3 videollamadas (UDP)"],
  };
  const es = netProfileLines(report, translator(serverText, "es"));
  assert.equal(es.length, 3);
  assert.match(es[0], /Set-NetConnectionProfile -InterfaceAlias 'Wi-Fi' -NetworkCategory Private/);
  assert.ok(!es[0].includes("\x1b"));
  assert.match(es[1], /powershell -ExecutionPolicy Bypass -File \.\\configurar_firewall\.ps1/);
  assert.match(es[2], /desactivadas \(PC3 videollamadas \(UDP\)\)/);
  const en = netProfileLines(report, translator(serverText, "en"));
  assert.match(en[1], /configurar_firewall\.ps1 -English/);
});

Deno.test({
  name: "checkWindowsNetwork() with the real runner never throws (PowerShell may be absent)",
  ignore: Deno.build.os !== "windows",
  async fn() {
    const report = await checkWindowsNetwork({ timeoutMs: 20_000 });
    assert.ok(report === null || Array.isArray(report.missingRules));
  },
});
