/**
 * A chat flooder for tests and bench/attack.ts (issue 7.7): a Python child,
 * because it must connect FROM another loopback address (e.g. 127.0.0.2;
 * Deno cannot choose a TCP source address), so the server sees one machine
 * other than the client measured. It opens N chat connections, says hello on
 * each, then sends `perSecond` messages in all, round-robin over the
 * connections, and reads everything the server sends them (so it is never
 * the slow consumer). It stops when told to.
 *
 * @module
 */

const SCRIPT = `
import json, select, socket, struct, sys, time
host, port, n, rate, size, source = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
def frame(obj):
    b = json.dumps(obj).encode()
    return struct.pack(">I", len(b)) + b
socks = []
for i in range(n):
    s = socket.socket()
    if source:
        s.bind((source, 0))
    s.connect((host, port))
    s.sendall(frame({"type": "hello", "version": 2, "name": "flood%d" % i}))
    s.setblocking(False)
    socks.append(s)
print("flooding", flush=True)
msg = frame({"type": "message", "text": "x" * size})
out = {s: b"" for s in socks}
k = 0
due = time.monotonic()
while socks:
    wait = max(0, due - time.monotonic())
    r, w, _ = select.select(socks + [sys.stdin], [s for s in socks if out[s]], [], wait)
    if sys.stdin in r:
        break
    for s in r:
        try:
            if not s.recv(1 << 16):
                socks.remove(s)
        except OSError:
            socks.remove(s)
    for s in w:
        if s in socks:
            try:
                out[s] = out[s][s.send(out[s]):]
            except OSError:
                pass
    while time.monotonic() >= due and socks:
        s = socks[k % len(socks)]
        k += 1
        if len(out[s]) < (1 << 20):
            out[s] += msg
        due += 1 / rate
`;

/** Options of {@link startFlooder}. */
export interface FlooderOptions {
  /** Chat server address (default 127.0.0.1). */
  host?: string;
  /** Chat port. */
  port: number;
  /** Connections to open. */
  connections: number;
  /** Messages per second, all connections together. */
  perSecond: number;
  /** Bytes of text per message. */
  textBytes: number;
  /** Local address to connect from (e.g. 127.0.0.2), or the system's choice. */
  source?: string;
}

/** A running flooder. */
export interface Flooder {
  /** Stops it and waits for the child to exit. */
  stop(): Promise<void>;
}

/** Starts the flooder; resolves once its connections have said hello. */
export async function startFlooder(options: FlooderOptions): Promise<Flooder> {
  const proc = new Deno.Command("python3", {
    args: [
      "-c",
      SCRIPT,
      options.host ?? "127.0.0.1",
      String(options.port),
      String(options.connections),
      String(options.perSecond),
      String(options.textBytes),
      options.source ?? "",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const drained = (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })().catch(() => {});
  return {
    async stop() {
      await proc.stdin.close().catch(() => {});
      await proc.status;
      await drained;
    },
  };
}
