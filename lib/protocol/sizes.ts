/**
 * Byte counts for people, the same on the server's console and in the
 * client: powers of 1024 with one decimal (`512 B`, `1.5 KB`, `200.0 MB`).
 *
 * @module
 */

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/**
 * Formats a byte count for people, in powers of 1024: `512 B`, `1.5 KB`,
 * `200.0 MB`, `4.0 GB`; a negative or unknown count as `? B`.
 *
 * @example
 * ```ts
 * import { formatSize } from "./sizes.ts";
 * formatSize(1536); // "1.5 KB"
 * ```
 */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "? B";
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // 1023.96 MB would print as "1024.0 MB": promote it.
  if (value.toFixed(1) === "1024.0" && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}
