/**
 * The media relay moved to lib/server/relay/ (relay.ts: the rules;
 * types.ts: its vocabulary). This file only keeps the old import path
 * working for modules not yet updated.
 *
 * @module
 */

// TODO(integration): re-export
export * from "./relay/relay.ts";
// TODO(integration): re-export
export * from "./relay/types.ts";
