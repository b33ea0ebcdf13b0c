/**
 * IPv4 addresses as 32-bit numbers and the subnet arithmetic discovery needs:
 * "is this source on one of my networks?" and "what is this network's
 * directed broadcast address?". Pure: no sockets, no interface reading
 * (lib/net/net_info.ts reads the interfaces).
 *
 * @example
 * ```ts
 * import { broadcastOf, inSubnet, parseIpv4 } from "./ipv4.ts";
 * const net = { address: parseIpv4("192.168.1.10")!, prefix: 24 };
 * inSubnet(parseIpv4("192.168.1.77")!, net); // true
 * broadcastOf(net); // "192.168.1.255"
 * ```
 *
 * @module
 */

/** One IPv4 network an interface is on: an address of ours and its prefix length. */
export interface Ipv4Subnet {
  /** Our address on that network, as a 32-bit unsigned number. */
  address: number;
  /** Prefix length, 0..32 (24 for a 255.255.255.0 mask). */
  prefix: number;
}

/**
 * Parses dotted-quad IPv4 text (`"10.0.0.2"`) into a 32-bit unsigned number;
 * null for anything else (leading zeros, out-of-range parts, extra text).
 */
export function parseIpv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return null;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i];
    if (part.length > 1 && part.startsWith("0")) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

/** Formats a 32-bit unsigned number as dotted-quad text. */
export function formatIpv4(value: number): string {
  const v = value >>> 0;
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** The netmask of a prefix length as a 32-bit unsigned number (prefix 0 -> 0). */
export function maskOf(prefix: number): number {
  if (prefix <= 0) return 0;
  if (prefix >= 32) return 0xffff_ffff;
  return (0xffff_ffff << (32 - prefix)) >>> 0;
}

/**
 * The prefix length of a dotted netmask (`"255.255.255.0"` -> 24); null when
 * the text is not a mask with contiguous ones.
 */
export function prefixOfMask(mask: string): number | null {
  const value = parseIpv4(mask);
  if (value === null) return null;
  let prefix = 0;
  while (prefix < 32 && (value & (0x8000_0000 >>> prefix)) !== 0) prefix++;
  return maskOf(prefix) === value ? prefix : null;
}

/** Whether `address` lies in `subnet` (same network bits). */
export function inSubnet(address: number, subnet: Ipv4Subnet): boolean {
  const mask = maskOf(subnet.prefix);
  return ((address & mask) >>> 0) === ((subnet.address & mask) >>> 0);
}

/**
 * The directed broadcast address of `subnet` as text, or null where a
 * network has none (/31 and /32 point-to-point links, /0).
 */
export function broadcastOf(subnet: Ipv4Subnet): string | null {
  if (subnet.prefix <= 0 || subnet.prefix >= 31) return null;
  return formatIpv4((subnet.address | ~maskOf(subnet.prefix)) >>> 0);
}

/** Whether `address` is in 127.0.0.0/8, the machine talking to itself. */
export function isLoopback(address: number): boolean {
  return address >>> 24 === 127;
}
