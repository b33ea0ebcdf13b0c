/**
 * Test helper: the configuration of an in-process server (server.ts's
 * `startServer`) on loopback and free ports, with discovery off so tests
 * never answer or announce on the LAN, plus any flags a test adds.
 */
import { parseServerArgs, type ServerConfig } from "../lib/server/args.ts";

/** The config of `server.ts --host 127.0.0.1 --chat-port 0 ... --storage <storage> <extra>`. */
export function localServerConfig(storage: string, extra: string[] = []): ServerConfig {
  const parsed = parseServerArgs([
    ...["--host", "127.0.0.1", "--chat-port", "0", "--file-port", "0", "--media-port", "0"],
    ...["--storage", storage, "--no-discovery", ...extra],
  ]);
  if (parsed.kind !== "run") throw new Error(`Bad test flags: ${JSON.stringify(parsed)}`);
  return parsed.config;
}
