/**
 * At start on Windows, the two things that silently keep every student out:
 * a network whose Windows profile is "Public" (inbound connections blocked)
 * and missing or disabled PC3 firewall rules (configurar_firewall.ps1 not
 * run). One PowerShell call reads both (`Get-NetConnectionProfile`,
 * `Get-NetFirewallRule -DisplayName "PC3*"`) as JSON; the parsing and the
 * verdict are pure and tested with recorded outputs, the runner is injected.
 * Anywhere else, or when PowerShell cannot be run, it says nothing.
 *
 * @example
 * ```ts
 * import { checkWindowsNetwork } from "./net_profile.ts";
 * const report = await checkWindowsNetwork();
 * if (report !== null) console.log(report.publicNetworks, report.missingRules);
 * ```
 *
 * @module
 */

import { safe } from "../protocol/safe_text.ts";

/** Runs a program and returns its standard output; throws when it cannot run. */
export type CommandRunner = (
  program: string,
  args: string[],
  timeoutMs: number,
) => Promise<{ success: boolean; stdout: string }>;

/** A network Windows treats as Public. */
export interface PublicNetwork {
  /** The network's name (the Wi-Fi's SSID, "Red 2"...). */
  name: string;
  /** The interface (`Wi-Fi`, `Ethernet`), for `Set-NetConnectionProfile -InterfaceAlias`. */
  iface: string;
}

/** What the check found; empty lists when all is well. */
export interface NetProfileReport {
  publicNetworks: PublicNetwork[];
  /** Rules configurar_firewall.ps1 creates that are not there (as inbound allow rules). */
  missingRules: string[];
  /** Rules that are there but disabled. */
  disabledRules: string[];
}

/** The rule names configurar_firewall.ps1 creates (its `Set-Pc3Rules`). */
export const PC3_RULES: readonly string[] = [
  "PC3 chat (TCP)",
  "PC3 archivos (TCP)",
  "PC3 videollamadas (UDP)",
];

/** The PowerShell script: both facts as one compact JSON object, in UTF-8. */
export const PROBE_SCRIPT = [
  "[Console]::OutputEncoding = [Text.Encoding]::UTF8",
  "$p = @(Get-NetConnectionProfile -ErrorAction SilentlyContinue | ForEach-Object {" +
  " @{ name = [string]$_.Name; iface = [string]$_.InterfaceAlias;" +
  " category = [string]$_.NetworkCategory } })",
  "$r = @(Get-NetFirewallRule -DisplayName 'PC3*' -ErrorAction SilentlyContinue | ForEach-Object {" +
  " @{ name = [string]$_.DisplayName; enabled = [string]$_.Enabled;" +
  " action = [string]$_.Action; direction = [string]$_.Direction } })",
  "ConvertTo-Json -Compress -Depth 3 -InputObject @{ profiles = $p; rules = $r }",
].join("; ");

function asList(value: unknown): Record<string, unknown>[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null);
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/**
 * Reads the script's JSON output into a report; null when the output is not
 * what the script prints (an old PowerShell, an error text).
 */
export function parseProbeOutput(stdout: string): NetProfileReport | null {
  let value: unknown;
  try {
    value = JSON.parse(stdout.trim().replace(/^\uFEFF/, ""));
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { profiles, rules } = value as Record<string, unknown>;
  const publicNetworks = asList(profiles)
    .filter((p) => str(p.category).toLowerCase() === "public")
    .map((p) => ({ name: str(p.name), iface: str(p.iface) }));
  const present = asList(rules).filter((r) =>
    str(r.direction).toLowerCase() === "inbound" && str(r.action).toLowerCase() === "allow"
  );
  const enabled = (r: Record<string, unknown>) => str(r.enabled).toLowerCase() === "true";
  const missingRules = PC3_RULES.filter((name) => !present.some((r) => str(r.name) === name));
  const disabledRules = PC3_RULES.filter((name) =>
    present.some((r) => str(r.name) === name) &&
    !present.some((r) => str(r.name) === name && enabled(r))
  );
  return { publicNetworks, missingRules, disabledRules };
}

/** Runs a program with Deno.Command, killed after `timeoutMs`. */
export const denoRunner: CommandRunner = async (program, args, timeoutMs) => {
  const child = new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill();
    } catch {
      // Already exited.
    }
  }, timeoutMs);
  try {
    const out = await child.output();
    return { success: out.success, stdout: new TextDecoder().decode(out.stdout) };
  } finally {
    clearTimeout(timer);
  }
};

/**
 * On Windows, asks PowerShell about the network profiles and PC3's firewall
 * rules. Null elsewhere and whenever PowerShell cannot answer (not
 * installed, not allowed to run programs, a timeout): the server then just
 * says nothing, it never fails to start because of this check.
 */
export async function checkWindowsNetwork(
  options: { os?: string; run?: CommandRunner; timeoutMs?: number } = {},
): Promise<NetProfileReport | null> {
  if ((options.os ?? Deno.build.os) !== "windows") return null;
  const run = options.run ?? denoRunner;
  try {
    const out = await run(
      "powershell.exe",
      ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command", PROBE_SCRIPT],
      options.timeoutMs ?? 20_000,
    );
    return out.success ? parseProbeOutput(out.stdout) : null;
  } catch {
    return null;
  }
}

/** Catalogue keys of the warnings (lib/server/text/lab.ts). */
type WarningKey = "netProfilePublic" | "firewallRulesMissing" | "firewallRulesOff";

/** The warning lines of a report, each with the exact command that fixes it. */
export function netProfileLines(
  report: NetProfileReport,
  t: (key: WarningKey, params?: Record<string, string | number>) => string,
): string[] {
  // The network's name is the Wi-Fi's SSID, which anyone nearby can choose: sanitised.
  const lines = report.publicNetworks.map((n) =>
    t("netProfilePublic", { name: safe(n.name), iface: safe(n.iface) })
  );
  if (report.missingRules.length > 0) {
    lines.push(t("firewallRulesMissing", { rules: report.missingRules.join(", ") }));
  }
  if (report.disabledRules.length > 0) {
    lines.push(t("firewallRulesOff", { rules: report.disabledRules.join(", ") }));
  }
  return lines;
}

/**
 * Runs {@link checkWindowsNetwork} and prints its warnings with `print`; the
 * one call server.ts makes after its ready line. Resolves when done (at once
 * off Windows); never rejects.
 */
export async function warnWindowsNetwork(
  t: (key: WarningKey, params?: Record<string, string | number>) => string,
  print: (line: string) => void,
  options: Parameters<typeof checkWindowsNetwork>[0] = {},
): Promise<void> {
  const report = await checkWindowsNetwork(options);
  if (report !== null) { for (const line of netProfileLines(report, t)) print(line); }
}
