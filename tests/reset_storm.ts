/**
 * A connect-then-reset storm against TCP ports (issue 7.2), for tests and
 * bench/attack.ts: a Python child connects and closes at once with
 * SO_LINGER 0, so the kernel sends a reset for a connection the server may
 * not have accepted yet. Deno cannot set SO_LINGER, hence Python (Debian
 * has it; the callers skip with a message where it is missing).
 *
 * @module
 */

const SCRIPT = `
import socket, struct, sys, time
host = sys.argv[1]; rate = float(sys.argv[2]); seconds = float(sys.argv[3])
source = sys.argv[4]
ports = [int(p) for p in sys.argv[5:]]
linger = struct.pack("ii", 1, 0)
n = 0
start = time.monotonic()
print("go", flush=True)
while time.monotonic() - start < seconds:
    for p in ports:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        if source:
            s.bind((source, 0))
        s.settimeout(1)
        try:
            s.connect((host, p))
        except OSError:
            pass
        s.close()
        n += 1
    delay = start + n / (rate * len(ports)) - time.monotonic()
    if delay > 0:
        time.sleep(delay)
print(n, flush=True)
`;

/** A running storm. */
export interface ResetStorm {
  /** Resolves with the number of resets sent once the storm has run its time. */
  done: Promise<number>;
}

/** Whether `python3` can run here (the storm needs it). */
export async function canStorm(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("python3", {
      args: ["-c", "import socket"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/**
 * Starts `perSecond` connect-then-reset cycles per second on each of `ports`
 * of `host` for `seconds`, from the local address `source` when given (on
 * loopback, e.g. 127.0.0.3, so the storm is another address than the
 * client measured); resolves once the first ones are under way.
 */
export async function startResetStorm(
  host: string,
  ports: number[],
  options: { perSecond: number; seconds: number; source?: string },
): Promise<ResetStorm> {
  const child = new Deno.Command("python3", {
    args: [
      "-c",
      SCRIPT,
      host,
      String(options.perSecond),
      String(options.seconds),
      options.source ?? "",
      ...ports.map(String),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const done = (async () => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    await child.status;
    const lines = text.trim().split("\n");
    return Number(lines.at(-1));
  })();
  return { done };
}
