/**
 * Standard input of an interactive client, as a byte stream and a raw-mode
 * switch, read the way that keeps typed letters intact on each OS.
 *
 * On Windows, `Deno.stdin` in raw mode hands a console's typed ñ, á, ü, €
 * over as one code-page byte each (Deno issue 18240), which reached the room
 * as U+FFFD. Node's `process.stdin` (through `node:process`) reads the
 * console as UTF-16 and gives UTF-8, so Windows consoles read through it,
 * with its `setRawMode`. Elsewhere `Deno.stdin` is used as it is.
 *
 * @example
 * ```ts ignore
 * import { consoleInput } from "./console_input.ts";
 * const input = consoleInput();
 * input.setRaw(true);
 * ```
 *
 * @module
 */

import process from "node:process";

/** A terminal's input: its bytes and its raw-mode switch. */
export interface ConsoleInput {
  readable: ReadableStream<Uint8Array>;
  setRaw(on: boolean): void;
}

/** The console input for `os` (default: this machine's). */
export function consoleInput(os: string = Deno.build.os): ConsoleInput {
  if (os !== "windows") {
    return { readable: Deno.stdin.readable, setRaw: (on) => Deno.stdin.setRaw(on) };
  }
  return nodeStdin(process.stdin);
}

/** The part of Node's `process.stdin` this module uses (tests pass a fake). */
export interface NodeStdin {
  on(event: "data", listener: (chunk: Uint8Array | string) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  on(event: "error", listener: (e: unknown) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  setRawMode?(on: boolean): unknown;
}

/**
 * A byte stream over a Node readable (`process.stdin`): each `data` chunk
 * (bytes, or text encoded as UTF-8) is one chunk of the stream; `end` closes
 * it. Reading is paused while the stream's consumer lags.
 */
export function nodeStdin(stdin: NodeStdin): ConsoleInput {
  const encoder = new TextEncoder();
  let done = false;
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      stdin.on("data", (chunk) => {
        if (done) return;
        controller.enqueue(
          typeof chunk === "string" ? encoder.encode(chunk) : new Uint8Array(chunk),
        );
        if ((controller.desiredSize ?? 1) <= 0) stdin.pause();
      });
      stdin.on("end", () => {
        if (!done) controller.close();
        done = true;
      });
      stdin.on("error", (e) => {
        if (!done) controller.error(e);
        done = true;
      });
    },
    pull() {
      stdin.resume();
    },
    cancel() {
      done = true;
      stdin.pause();
    },
  }, { highWaterMark: 16 });
  return {
    readable,
    setRaw: (on) => {
      stdin.setRawMode?.(on);
    },
  };
}
