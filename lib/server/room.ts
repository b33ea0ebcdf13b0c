/**
 * The chat room moved to lib/server/room/ (one module per concern; the
 * coordinator is lib/server/room/room.ts). This file only keeps the old
 * import path working for modules not yet updated.
 *
 * @module
 */

// TODO(integration): re-export
export * from "./room/room.ts";
