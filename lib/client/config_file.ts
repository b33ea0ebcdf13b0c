/**
 * The client's small per-user memory: the last server address used,
 * so a student who double-clicks `pc3-client.exe` the next lesson only
 * presses Enter. One JSON file:
 *
 * - Windows: `%APPDATA%\pc3\client.json`
 * - elsewhere: `$XDG_CONFIG_HOME/pc3/client.json`, else `~/.config/pc3/client.json`
 *
 * It is a convenience: a missing, unreadable or damaged file reads as empty,
 * and a failed save is ignored (the client works the same without it).
 *
 * @example
 * ```ts
 * import { configPath, readClientConfig, writeClientConfig } from "./config_file.ts";
 * const path = configPath();
 * if (path !== null) {
 *   const last = await readClientConfig(path);
 *   await writeClientConfig(path, { ...last, host: "192.168.1.10", chatPort: 9009 });
 * }
 * ```
 *
 * @module
 */

import { dirname, join } from "node:path";

/** What the client remembers. */
export interface ClientConfig {
  /** The last server address connected to. */
  host?: string;
  /** Its chat port. */
  chatPort?: number;
}

/** Largest config file read; anything bigger is ignored. */
const MAX_BYTES = 16 * 1024;

/** Reads an environment variable, or undefined when missing or not allowed. */
export type EnvReader = (name: string) => string | undefined;

function denoEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/**
 * Where the config file lives for `os` and this environment; null when
 * there is no home or config folder to put it in.
 */
export function configPath(
  os: string = Deno.build.os,
  env: EnvReader = denoEnv,
): string | null {
  if (os === "windows") {
    const appData = env("APPDATA");
    return appData ? join(appData, "pc3", "client.json") : null;
  }
  const xdg = env("XDG_CONFIG_HOME");
  if (xdg) return join(xdg, "pc3", "client.json");
  const home = env("HOME");
  return home ? join(home, ".config", "pc3", "client.json") : null;
}

/** Keeps only well-typed fields of a parsed file. */
export function validateConfig(value: unknown): ClientConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  const v = value as Record<string, unknown>;
  const out: ClientConfig = {};
  if (typeof v.host === "string" && v.host.length > 0 && v.host.length <= 255) out.host = v.host;
  if (
    Number.isInteger(v.chatPort) && (v.chatPort as number) >= 1 && (v.chatPort as number) <= 65535
  ) {
    out.chatPort = v.chatPort as number;
  }
  return out;
}

/** Reads the config; `{}` when it is missing, too big, damaged or unreadable. */
export async function readClientConfig(path: string): Promise<ClientConfig> {
  try {
    const info = await Deno.stat(path);
    if (!info.isFile || info.size > MAX_BYTES) return {};
    return validateConfig(JSON.parse(await Deno.readTextFile(path)));
  } catch {
    return {};
  }
}

/**
 * Saves the config (folder created, written to a temporary file then renamed
 * over the old one). Returns false, never throws, when it could not.
 */
export async function writeClientConfig(path: string, config: ClientConfig): Promise<boolean> {
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(temp, JSON.stringify(validateConfig(config), null, 2) + "\n");
    await Deno.rename(temp, path);
    return true;
  } catch {
    try {
      await Deno.remove(temp);
    } catch {
      // Never written.
    }
    return false;
  }
}
