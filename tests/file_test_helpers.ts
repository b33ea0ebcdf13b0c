/**
 * Shared fixtures for the file service tests: a file server on 127.0.0.1
 * port 0 over a temporary storage dir, a raw client that sends bytes and
 * reads the whole reply, and a walker to prove nothing landed outside.
 */

import { join, sep } from "node:path";
import { encodeFrame, type Message } from "../lib/protocol/frame.ts";
import { type FileInfo, FileStore, type StoreProblem } from "../lib/server/file_store.ts";
import { type FileServerOptions, serveFiles } from "../lib/server/file_server.ts";
import type { ServerLogEvent } from "../lib/server/log_event.ts";
import { downloadFile, uploadFile } from "../lib/client/transfers.ts";
import { withDeadline } from "./wait.ts";
import { concatBytes } from "../lib/protocol/bytes.ts";

/** Hang guard of every wait on the server in these tests (not a timing check). */
export const WAIT_MS = 15_000;

export const TOKEN = "0123456789abcdef0123456789abcdef";
export const NAME = "Ana";

export interface TestServer {
  parent: string;
  storage: string;
  port: number;
  store: FileStore;
  published: FileInfo[];
  /** Log events of the server, in order. */
  logs: ServerLogEvent[];
  /** Problems the store reported (a failed index save...). */
  problems: StoreProblem[];
  close(): Promise<void>;
}

/** Starts a file server over `<tmp>/storage`; files outside it live in `<tmp>`. */
export async function startFileServer(
  options: Partial<FileServerOptions> & {
    parent?: string;
    quota?: number;
    maxUpload?: number;
    /** The store's clock (default: the server's `clock`, else the system's). */
    now?: () => number;
  } = {},
): Promise<TestServer> {
  const parent = options.parent ?? await Deno.makeTempDir({ prefix: "pc3_files_" });
  const storage = join(parent, "storage");
  const clock = options.clock;
  const problems: StoreProblem[] = [];
  const store = await FileStore.open(storage, {
    onProblem: (p) => problems.push(p),
    quota: options.quota,
    maxUpload: options.maxUpload,
    ...(options.now ? { now: options.now } : clock ? { now: () => clock.now() } : {}),
  });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const published: FileInfo[] = [];
  const logs: ServerLogEvent[] = [];
  const server = serveFiles(listener, {
    sessionName: (t) => t === TOKEN ? NAME : t === "bob-token" ? "Bob" : undefined,
    onPublished: (info) => published.push(info),
    log: (event) => logs.push(event),
    ...options,
    store,
  });
  return {
    parent,
    storage,
    port,
    store,
    published,
    logs,
    problems,
    async close() {
      await server.close();
      await store.close();
    },
  };
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** Pseudo-random bytes (deterministic per seed). */
export function bytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export async function sha256hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Splits a reply into its leading frames (up to `frames`) and the raw bytes after them. */
export function parseReply(data: Uint8Array, frames = 1): { messages: Message[]; raw: Uint8Array } {
  const messages: Message[] = [];
  let off = 0;
  while (messages.length < frames && data.length - off >= 4) {
    const n = new DataView(data.buffer, data.byteOffset + off).getUint32(0);
    if (data.length - off - 4 < n) break;
    messages.push(JSON.parse(new TextDecoder().decode(data.subarray(off + 4, off + 4 + n))));
    off += 4 + n;
  }
  return { messages, raw: data.subarray(off) };
}

/** Reads everything until the server closes. */
export async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(256 * 1024);
  for (;;) {
    let n: number | null;
    try {
      n = await conn.read(buf);
    } catch {
      break; // reset by peer after its reply
    }
    if (n === null) break;
    chunks.push(buf.slice(0, n));
  }
  return concat(...chunks);
}

/** Writes every byte, ignoring a peer that already closed. */
export async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<boolean> {
  try {
    let off = 0;
    while (off < data.length) off += await conn.write(data.subarray(off));
    return true;
  } catch {
    return false;
  }
}

/**
 * One raw request: sends `data` (a frame and maybe raw bytes), optionally
 * half-closes, reads the whole reply and parses its first frame.
 */
export async function rawRequest(
  port: number,
  data: Uint8Array,
  options: { closeWrite?: boolean; frames?: number } = {},
): Promise<{ messages: Message[]; raw: Uint8Array }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const reading = readAll(conn);
    await withDeadline(writeAll(conn, data), WAIT_MS, "the request to be sent");
    if (options.closeWrite) await conn.closeWrite().catch(() => {});
    return parseReply(await withDeadline(reading, WAIT_MS, "the whole reply"), options.frames ?? 1);
  } finally {
    conn.close();
  }
}

/** The first frame of a reply to a single message. */
export async function ask(port: number, msg: Message, extra?: Uint8Array): Promise<Message> {
  const frame = encodeFrame(msg);
  const reply = await rawRequest(port, extra ? concat(frame, extra) : frame, { closeWrite: true });
  return reply.messages[0] ?? {};
}

/** Every file path under `dir`, recursively. */
export async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) out.push(...await walk(path));
    else out.push(path);
  }
  return out.sort();
}

/** Files under `parent` that are neither inside storage nor listed in `allowed`. */
export async function strayFiles(s: TestServer, allowed: string[] = []): Promise<string[]> {
  return (await walk(s.parent)).filter((p) =>
    !p.startsWith(s.storage + sep) && !allowed.includes(p)
  );
}

/** Files under storage/files (published blobs). */
export async function blobCount(s: TestServer): Promise<number> {
  return (await walk(join(s.storage, "files"))).length;
}

/** Proves the server still works: a full v2 upload and download through the real client. */
export async function stillServes(s: TestServer): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "pc3_check_" });
  try {
    const data = bytes(100_000, 7);
    await Deno.writeFile(join(work, "check.bin"), data);
    const up = await uploadFile(join(work, "check.bin"), {
      host: "127.0.0.1",
      port: s.port,
      token: TOKEN,
    });
    const down = await downloadFile(up.file_id, {
      host: "127.0.0.1",
      port: s.port,
      dir: join(work, "dl"),
    });
    const back = await Deno.readFile(down.path);
    if (back.length !== data.length || (await sha256hex(back)) !== up.sha256) {
      throw new Error(`Server returned different bytes: ${up.file_id}`);
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/**
 * The kernel's table of IPv4 TCP sockets, or null where there is none.
 * Without --allow-all Deno refuses to read /proc itself, so `cat` reads it.
 */
async function tcpTable(): Promise<string | null> {
  try {
    return await Deno.readTextFile("/proc/net/tcp");
  } catch { /* not Linux, or not allowed: ask cat */ }
  try {
    const out = await new Deno.Command("cat", { args: ["/proc/net/tcp"], stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null;
  }
}

/**
 * Whether the server has read every byte `client` sent it: nothing waits in
 * the client's send queue nor in the server's receive queue. Read from
 * /proc/net/tcp, so Linux only; elsewhere it answers true at once (the
 * caller's wait is then a best effort). Only established connections count.
 */
export async function serverReadAll(serverPort: number, client: Deno.Conn): Promise<boolean> {
  const table = await tcpTable();
  if (table === null) return true;
  const address = (port: number) => `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const server = address(serverPort);
  const ours = address((client.localAddr as Deno.NetAddr).port);
  let found = 0;
  for (const line of table.split("\n")) {
    const [, local, remote, state, queues] = line.trim().split(/\s+/);
    if (state !== "01") continue; // ESTABLISHED
    const [tx, rx] = (queues ?? "").split(":");
    if (local === server && remote === ours) {
      if (rx !== "00000000") return false;
      found++;
    } else if (local === ours && remote === server) {
      if (tx !== "00000000") return false;
      found++;
    }
  }
  return found === 2;
}

/** An interactive raw client: send frames/bytes, read frames as they come. */
export class RawClient {
  readonly conn: Deno.Conn;
  #pending: Uint8Array = new Uint8Array(0);
  #buf = new Uint8Array(64 * 1024);

  private constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  send(data: Uint8Array | Message): Promise<boolean> {
    const bytes = data instanceof Uint8Array ? data : encodeFrame(data);
    return withDeadline(writeAll(this.conn, bytes), WAIT_MS, "bytes to be sent");
  }

  /** The next frame, or null when the server closed first. */
  next(): Promise<Message | null> {
    return withDeadline(this.#next(), WAIT_MS, "the server's next frame");
  }

  async #next(): Promise<Message | null> {
    for (;;) {
      const { messages, raw } = parseReply(this.#pending, 1);
      if (messages.length === 1) {
        this.#pending = raw.slice();
        return messages[0];
      }
      let n: number | null;
      try {
        n = await this.conn.read(this.#buf);
      } catch {
        n = null;
      }
      if (n === null) return null;
      this.#pending = concat(this.#pending, this.#buf.subarray(0, n));
    }
  }

  /** Everything after what was already parsed, until the server closes. */
  async rest(): Promise<Uint8Array> {
    const tail = await withDeadline(readAll(this.conn), WAIT_MS, "the server to close");
    const all = concat(this.#pending, tail);
    this.#pending = new Uint8Array(0);
    return all;
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}
