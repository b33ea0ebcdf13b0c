/**
 * `pc3-client --check HOST`: tests the three services of a server one by one
 * (TCP chat, TCP files, the UDP relay through its echo probe) and names the
 * likely cause of what fails, with its fix: the server's firewall, a wrong
 * subnet, Windows' "Public" network profile, Wi-Fi client isolation.
 *
 * {@link runCheck} does the probing (sockets); {@link diagnose} is the pure
 * rule set that turns verdicts into causes, tested case by case.
 *
 * @example
 * ```ts
 * import { runCheck } from "./check.ts";
 * const report = await runCheck("192.168.1.10", { chatPort: 9009 });
 * console.log(report.results.map((r) => `${r.service}: ${r.verdict}`), report.causes);
 * ```
 *
 * @module
 */

import { type LocalSubnet, localSubnets } from "../net/net_info.ts";
import { decodeDiscovery, encodeEchoRequest } from "../protocol/discovery.ts";
import { decodeMessage, encodeFrame } from "../protocol/frame.ts";
import { inSubnet, isLoopback, parseIpv4 } from "../protocol/ipv4.ts";
import { DEFAULT_FILE_PORT, DEFAULT_MEDIA_PORT } from "../protocol/limits.ts";
import type { Lang } from "../protocol/i18n.ts";
import { safe, type SafeText, trusted } from "../protocol/safe_text.ts";
import { classifyConnectError } from "./connect_errors.ts";
import { labTranslator } from "./text/lab.ts";

/** One of the three services. */
export type Service = "chat" | "files" | "relay";

/** What a probe found. */
export type Verdict =
  | "ok"
  | "refused"
  | "timeout"
  | "unreachable"
  | "not_pc3"
  | "no_answer"
  | "unresolved";

/** A likely cause, each with its own explanation and fix in the catalogue (`cause_<name>`). */
export type Cause =
  | "wrong_address"
  | "server_down"
  | "wrong_port"
  | "not_pc3"
  | "firewall"
  | "firewall_files"
  | "firewall_udp"
  | "wrong_subnet"
  | "public_profile"
  | "ap_isolation";

/** One probe's outcome. */
export interface ProbeResult {
  service: Service;
  port: number;
  verdict: Verdict;
}

/** Everything `--check` found. */
export interface CheckReport {
  /** The host as given. */
  host: string;
  /** Its IPv4 address when known. */
  address: string | null;
  results: ProbeResult[];
  /** Whether the address is on one of this machine's subnets (null: unknown). */
  sameSubnet: boolean | null;
  /** Whether this machine reaches that subnet over Wi-Fi (by the interface's name). */
  wifi: boolean;
  /** Likely causes, most likely first; empty when everything works. */
  causes: Cause[];
}

/** Options of {@link runCheck}. */
export interface CheckOptions {
  chatPort: number;
  /** Default: what the echo reply says, else 9010. */
  filePort?: number;
  /** Default 9020. */
  mediaPort?: number;
  /** Time for each TCP connect and for the echo answer, in ms (default 3,000). */
  timeoutMs?: number;
  /** TCP connect (tests inject failures); default `Deno.connect`. */
  connect?: (o: { hostname: string; port: number }) => Promise<Deno.Conn>;
  /** This machine's subnets (default: read from the interfaces). */
  subnets?: LocalSubnet[];
  /** Resolves a host name to IPv4 (default `Deno.resolveDns`). */
  resolve?: (host: string) => Promise<string[]>;
}

/**
 * `promise`, or "timeout" after `ms`. The loser is still handled: a late
 * rejection is swallowed and a late result is passed to `late` (to close a
 * connection that arrived after we gave up on it).
 */
function timeout<T>(
  promise: Promise<T>,
  ms: number,
  late: (value: T) => void = () => {},
): Promise<T | "timeout"> {
  let timedOut = false;
  promise.then((value) => timedOut && late(value), () => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => timer = setTimeout(resolve, ms, "timeout"));
  return Promise.race([promise, expired]).then((result) => {
    if (result === "timeout") timedOut = true;
    return result;
  }).finally(() => clearTimeout(timer));
}

/** Reads one frame (capped) from `conn`; null when the peer closes or sends no frame. */
async function readFrame(conn: Deno.Conn): Promise<Record<string, unknown> | null> {
  const buffer = new Uint8Array(64 * 1024);
  let filled = 0;
  while (filled < buffer.length) {
    const n = await conn.read(buffer.subarray(filled));
    if (n === null) break;
    filled += n;
    if (filled >= 4) {
      const length = new DataView(buffer.buffer).getUint32(0);
      if (length > buffer.length - 4) return null;
      if (filled >= 4 + length) return decodeMessage(buffer.subarray(4, 4 + length));
    }
  }
  return null;
}

/**
 * Connects to a PC3 TCP port and sends a request the server must refuse with
 * an `error` frame (chat: not a hello; files: an unknown type). That error is
 * how a PC3 server is recognised; no member joins and nothing is stored.
 */
async function probeTcp(
  hostname: string,
  port: number,
  options: CheckOptions,
): Promise<Verdict> {
  const ms = options.timeoutMs ?? 3_000;
  const connect = options.connect ?? ((o) => Deno.connect(o));
  let conn: Deno.Conn;
  try {
    const result = await timeout(connect({ hostname, port }), ms, (late) => late.close());
    if (result === "timeout") return "timeout";
    conn = result;
  } catch (e) {
    const kind = classifyConnectError(e);
    if (kind === "refused") return "refused";
    if (kind === "unresolved") return "unresolved";
    const text = `${(e as Error)?.name} ${(e as Error)?.message}`;
    return /unreachable|no route|10051|10065/i.test(text) ? "unreachable" : "timeout";
  }
  try {
    await conn.write(encodeFrame({ type: "check" }));
    const reply = await timeout(readFrame(conn), ms);
    return reply !== "timeout" && reply?.type === "error" && typeof reply.code === "string"
      ? "ok"
      : "not_pc3";
  } catch {
    return "not_pc3";
  } finally {
    try {
      conn.close();
    } catch {
      // Closed by the server first.
    }
  }
}

/** Sends echo probes to the relay; resolves with its reply's file port, or a verdict. */
async function probeUdp(
  hostname: string,
  port: number,
  ms: number,
): Promise<{ verdict: Verdict; filePort?: number }> {
  let socket: Deno.DatagramConn;
  try {
    socket = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 0 });
  } catch {
    return { verdict: "no_answer" };
  }
  const id = crypto.getRandomValues(new Uint32Array(1))[0];
  const probe = encodeEchoRequest(id);
  const send = () => socket.send(probe, { transport: "udp", hostname, port }).catch(() => {});
  const resend = setInterval(send, Math.max(100, Math.floor(ms / 3)));
  const expire = setTimeout(() => socket.close(), ms);
  send();
  let refused = false;
  try {
    while (true) {
      const [data] = await socket.receive();
      const message = decodeDiscovery(data);
      if (message?.kind === "echo_reply" && message.id === id) {
        return { verdict: "ok", filePort: message.info?.filePort };
      }
    }
  } catch (e) {
    // Windows reports an ICMP "port unreachable" as a receive error.
    refused = /10054|reset|refused/i.test(String((e as Error)?.message));
    return { verdict: refused ? "refused" : "no_answer" };
  } finally {
    clearInterval(resend);
    clearTimeout(expire);
    try {
      socket.close();
    } catch {
      // Closed by the timer.
    }
  }
}

/** Whether an interface name looks like Wi-Fi (Windows "Wi-Fi"/"WLAN", Linux wlan0/wlp2s0). */
export function isWifiName(name: string): boolean {
  return /wi-?fi|wlan|^wl|wireless|inal[aá]mbric/i.test(name);
}

async function resolveAddress(host: string, options: CheckOptions): Promise<string | null> {
  if (parseIpv4(host) !== null) return host;
  const resolve = options.resolve ?? ((h: string) => Deno.resolveDns(h, "A"));
  try {
    const result = await timeout(resolve(host), options.timeoutMs ?? 3_000);
    return result === "timeout" ? null : result[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * Probes the three services of `host` at once and diagnoses the result.
 * Takes at most about `timeoutMs` twice (connect, then the server's reply).
 */
export async function runCheck(host: string, options: CheckOptions): Promise<CheckReport> {
  const ms = options.timeoutMs ?? 3_000;
  const address = await resolveAddress(host, options);
  const mediaPort = options.mediaPort ?? DEFAULT_MEDIA_PORT;
  const subnets = options.subnets ?? localSubnets();
  const ip = address === null ? null : parseIpv4(address);
  const on = ip === null ? undefined : subnets.find((s) => inSubnet(ip, s));
  const sameSubnet = ip === null ? null : on !== undefined || isLoopback(ip);
  const wifi = on !== undefined && isWifiName(on.iface);
  if (address === null) {
    const results: ProbeResult[] = [
      { service: "chat", port: options.chatPort, verdict: "unresolved" },
    ];
    return { host, address, results, sameSubnet, wifi, causes: ["wrong_address"] };
  }
  const [chat, relay] = await Promise.all([
    probeTcp(address, options.chatPort, options),
    probeUdp(address, mediaPort, ms),
  ]);
  const filePort = options.filePort ?? relay.filePort ?? DEFAULT_FILE_PORT;
  const files = await probeTcp(address, filePort, options);
  const results: ProbeResult[] = [
    { service: "chat", port: options.chatPort, verdict: chat },
    { service: "files", port: filePort, verdict: files },
    { service: "relay", port: mediaPort, verdict: relay.verdict },
  ];
  return {
    host,
    address,
    results,
    sameSubnet,
    wifi,
    causes: diagnose(results, { sameSubnet, wifi }),
  };
}

/**
 * The likely causes of a set of verdicts, most likely first (pure). The
 * reasoning: a refused chat port means the machine answered (server stopped,
 * wrong port, or a firewall that rejects); silence means packets are dropped
 * (the server's firewall, Windows' Public profile, a wrong subnet, or Wi-Fi
 * client isolation when this machine is on Wi-Fi); UDP getting through while
 * TCP does not rules out the network and points at the firewall.
 */
export function diagnose(
  results: readonly ProbeResult[],
  context: { sameSubnet: boolean | null; wifi: boolean },
): Cause[] {
  const of = (s: Service) => results.find((r) => r.service === s)?.verdict;
  const chat = of("chat");
  const files = of("files");
  const relay = of("relay");
  if (chat === "unresolved") return ["wrong_address"];
  if (chat === "ok") {
    const causes: Cause[] = [];
    if (files !== "ok") causes.push("firewall_files");
    if (relay !== "ok") causes.push("firewall_udp");
    return causes;
  }
  if (chat === "not_pc3") return ["not_pc3"];
  if (chat === "refused") return relay === "ok" ? ["wrong_port"] : ["server_down", "firewall"];
  // Silence or no route.
  if (relay === "ok") return ["firewall", "public_profile"];
  const causes: Cause[] = [];
  if (context.sameSubnet === false) causes.push("wrong_subnet");
  causes.push("firewall", "public_profile");
  if (context.wifi && context.sameSubnet !== false) causes.push("ap_isolation");
  causes.push("server_down");
  return causes;
}

const PROTO: Record<Service, string> = { chat: "TCP", files: "TCP", relay: "UDP" };

/**
 * The report as lines to print: a title, one verdict per service, then the
 * likely causes with their fixes (or that everything works). `automatic`
 * picks the title used when a failed connection started the check.
 */
export function checkLines(report: CheckReport, lang: Lang, automatic = false): SafeText[] {
  const st = labTranslator(lang);
  const host = safe(report.host);
  const lines = [st(automatic ? "checkAutomatic" : "checkTitle", { host })];
  for (const r of report.results) {
    lines.push(st("checkLine", {
      service: st(`svc_${r.service}`),
      proto: trusted(PROTO[r.service]),
      port: r.port,
      verdict: st(`verdict_${r.verdict}`),
    }));
  }
  if (report.causes.length === 0) lines.push(st("checkAllOk"));
  else lines.push(st("checkCauses"), ...report.causes.map((c) => st(`cause_${c}`)));
  return lines;
}
