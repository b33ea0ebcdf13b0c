/**
 * Child processes and call members of bench/audio_bench.ts: server.ts and
 * client.ts as subprocesses whose output lines can be awaited, and a call
 * member made in the bench (a real ChatClient whose media is a bare
 * MediaLink, so the bench sends and times its own audio datagrams).
 *
 * @module
 */
import { MediaLink } from "../lib/media/media_link.ts";
import { ChatClient } from "../lib/client/chat_client.ts";
import type { MediaParams, MediaSession } from "../lib/client/call_flow.ts";
import { systemClock } from "../lib/protocol/clock.ts";

const root = new URL("../", import.meta.url);
/** Wall-clock time in ms with sub-ms precision (comparable across processes). */
export const wallNow = () => performance.timeOrigin + performance.now();
/** Waits `ms` (nothing when negative). */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** A child process whose stdout lines can be awaited. */
export class Proc {
  child: Deno.ChildProcess;
  lines: string[] = [];
  #wake: (() => void)[] = [];
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  constructor(args: string[], env: Record<string, string> = {}) {
    const child = this.child = new Deno.Command(Deno.execPath(), {
      args,
      cwd: root,
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#writer = this.child.stdin.getWriter();
    (async () => {
      let buf = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          this.lines.push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
        this.#wake.splice(0).forEach((w) => w());
      }
    })();
  }
  /** The first line (from the start) matching `re`; throws after `ms`. */
  async wait(re: RegExp, ms = 60_000): Promise<RegExpMatchArray> {
    const end = performance.now() + ms;
    for (let from = 0;;) {
      for (; from < this.lines.length; from++) {
        const m = this.lines[from].match(re);
        if (m) return m;
      }
      if (performance.now() > end) throw new Error(`No line ${re} in: ${this.lines.join("\n")}`);
      await new Promise<void>((r) => {
        this.#wake.push(r);
        setTimeout(r, 500);
      });
    }
  }
  /** Writes one input line. */
  send(line: string): Promise<void> {
    return this.#writer.write(new TextEncoder().encode(line + "\n"));
  }
  /** Closes stdin (a pipe-mode client finishes its transfers and exits) and waits. */
  async end(ms = 600_000): Promise<void> {
    await this.#writer.close().catch(() => {});
    const t = setTimeout(() => this.child.kill("SIGKILL"), ms);
    await this.child.status;
    clearTimeout(t);
  }
  /** Closes stdin, asks the process to stop and waits (killed after 20 s). */
  async stop(): Promise<void> {
    await this.#writer.close().catch(() => {});
    const t = setTimeout(() => this.child.kill("SIGKILL"), 20_000);
    try {
      this.child.kill("SIGTERM");
    } catch { /* gone */ }
    await this.child.status;
    clearTimeout(t);
  }
}

/** A running server.ts and its ports. */
export interface Server {
  proc: Proc;
  chat: number;
  files: number;
  media: number;
}

/** Starts server.ts on free ports, with room for big uploads, and waits for its ready line. */
export async function startServer(storage: string): Promise<Server> {
  const proc = new Proc([
    ...["run", "-A", "server.ts", "--host", "127.0.0.1", "--storage", storage],
    ...["--chat-port", "0", "--file-port", "0", "--media-port", "0"],
    ...["--max-upload", "8G", "--quota", "64G", "--lang", "en"],
  ]);
  const m = await proc.wait(/^PC3 ready chat=(\d+) files=(\d+) media=(\d+)/);
  return { proc, chat: Number(m[1]), files: Number(m[2]), media: Number(m[3]) };
}

/** Arguments running client.ts as `name` against `s`, in English. */
export function clientArgs(s: Server, name: string, downloads: string, extra: string[]): string[] {
  return [
    ...["run", "-A", "client.ts", "--name", name, "--host", "127.0.0.1", "--lang", "en"],
    ...["--chat-port", String(s.chat), "--file-port", String(s.files)],
    ...["--media-port", String(s.media), "--downloads", downloads, ...extra],
  ];
}

/** A call member made here: a real ChatClient whose media is a bare MediaLink. */
export async function member(
  s: Server,
  name: string,
  onAudio: (seq: number, ts: number, payload: Uint8Array) => void,
): Promise<{ chat: ChatClient; link: Promise<MediaLink> }> {
  let ready!: (l: MediaLink) => void;
  const link = new Promise<MediaLink>((r) => ready = r);
  const startMedia = async (p: MediaParams): Promise<MediaSession> => {
    const l = await MediaLink.open({
      host: p.host,
      mediaPort: p.mediaPort,
      token: p.token,
      clientId: p.clientId,
      clock: systemClock,
      onRegistered: () => ready(l),
      onWaiting: () => {},
      onVideo: () => {},
      onAudio: (_id, seq, ts, payload) => onAudio(seq, ts, payload),
    });
    const tick = setInterval(() => l.tick(), 250);
    p.onMuteChange?.(false); // microphones start muted: open this one
    return {
      setMembers: () => {},
      statsLines: () => [],
      close: async () => {
        clearInterval(tick);
        await l.close();
      },
    };
  };
  const chat = await ChatClient.connect({
    host: "127.0.0.1",
    port: s.chat,
    name,
    lang: "en",
    downloads: Deno.makeTempDirSync(),
    onEvent: () => {},
    startMedia,
    reconnect: false,
  });
  chat.handleLine("/call start");
  return { chat, link };
}

/** The `q` quantile of `values` (NaN when empty). */
export function percentile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** A duration for the report. */
export const ms = (x: number) => `${x.toFixed(1)} ms`;
