/**
 * The machine's LAN IPv4 addresses, for the server banner. Works offline:
 * it reads the network interfaces, it does not ask anybody.
 *
 * {@link lanAddresses} is pure (fake interface data in tests);
 * {@link localLanAddresses} reads the real interfaces.
 *
 * @module
 */

import { networkInterfaces } from "node:os";
import { type Ipv4Subnet, parseIpv4, prefixOfMask } from "../protocol/ipv4.ts";

/** One interface address as node:os reports it (the fields used here). */
export interface InterfaceAddress {
  /** The address as text. */
  address: string;
  /** "IPv4"/"IPv6" (or 4/6 on some Node versions). */
  family: string | number;
  /** True for loopback and other addresses not reachable from outside. */
  internal: boolean;
  /** The netmask as dotted text (`255.255.255.0`), where the platform reports it. */
  netmask?: string;
}

/** A LAN address and the interface it belongs to. */
export interface LanAddress {
  /** The IPv4 address. */
  address: string;
  /** The interface's name (eth0, Wi-Fi, ...). */
  iface: string;
}

/**
 * Every IPv4 address that other machines could use: skips loopback and
 * internal addresses and link-local 169.254.x.x (no DHCP answer). Sorted with
 * private ranges (192.168, 10, 172.16-31) first, duplicates removed.
 */
export function lanAddresses(
  interfaces: Record<string, InterfaceAddress[] | undefined>,
): LanAddress[] {
  const out: LanAddress[] = [];
  const seen = new Set<string>();
  for (const [iface, addrs] of Object.entries(interfaces)) {
    for (const a of addrs ?? []) {
      const v4 = a.family === "IPv4" || a.family === 4;
      if (!v4 || a.internal) continue;
      if (a.address.startsWith("127.") || a.address.startsWith("169.254.")) continue;
      if (seen.has(a.address)) continue;
      seen.add(a.address);
      out.push({ address: a.address, iface });
    }
  }
  const rank = (ip: string) => {
    if (ip.startsWith("192.168.")) return 0;
    if (ip.startsWith("10.")) return 1;
    const m = /^172\.(\d+)\./.exec(ip);
    if (m && Number(m[1]) >= 16 && Number(m[1]) <= 31) return 2;
    return 3;
  };
  return out.sort((a, b) => rank(a.address) - rank(b.address));
}

/** The real machine's LAN addresses (empty when offline or not allowed to look). */
export function localLanAddresses(): LanAddress[] {
  try {
    return lanAddresses(networkInterfaces() as Record<string, InterfaceAddress[]>);
  } catch {
    return [];
  }
}

/** An IPv4 subnet of this machine and the interface it is on. */
export interface LocalSubnet extends Ipv4Subnet {
  /** The interface's name (eth0, Wi-Fi, ...). */
  iface: string;
}

/**
 * The IPv4 networks the interfaces are on (address and prefix from the
 * netmask), loopback included: discovery answers only these and announces to
 * their directed broadcast addresses. Addresses without a usable netmask are
 * skipped.
 */
export function subnetsOf(
  interfaces: Record<string, InterfaceAddress[] | undefined>,
): LocalSubnet[] {
  const out: LocalSubnet[] = [];
  for (const [iface, addrs] of Object.entries(interfaces)) {
    for (const a of addrs ?? []) {
      if (!(a.family === "IPv4" || a.family === 4) || a.netmask === undefined) continue;
      const address = parseIpv4(a.address);
      const prefix = prefixOfMask(a.netmask);
      if (address === null || prefix === null) continue;
      out.push({ address, prefix, iface });
    }
  }
  return out;
}

/** The real machine's IPv4 subnets (empty when not allowed to look). */
export function localSubnets(): LocalSubnet[] {
  try {
    return subnetsOf(networkInterfaces() as Record<string, InterfaceAddress[]>);
  } catch {
    return [];
  }
}

/**
 * Ready-to-copy client commands for one address: the compiled client and
 * the Deno task.
 */
export function clientCommands(address: string, placeholder: string): string[] {
  return [
    `pc3-client --name ${placeholder} --host ${address}`,
    `deno task client -- --name ${placeholder} --host ${address}`,
  ];
}
