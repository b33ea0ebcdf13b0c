/**
 * The relay's UDP server moved to lib/server/relay/udp_server.ts and its
 * report to lib/server/relay/report.ts. This file only keeps the old import
 * path working for modules not yet updated.
 *
 * @module
 */

// TODO(integration): re-export
export * from "./relay/udp_server.ts";
// TODO(integration): re-export
export * from "./relay/report.ts";
