/**
 * Pipe mode (standard input is not a terminal: a pipe, a script, a test):
 * one command per input line, one plain line per event, no colours and no
 * cursor movement. The line formats are documented in `render_event.ts`;
 * tests and scripts parse them.
 *
 * @example
 * ```ts
 * import { PipeTerminal } from "./pipe_terminal.ts";
 * const term = new PipeTerminal({ input: Deno.stdin.readable, output: Deno.stdout, lang: "en" });
 * term.show({ type: "join", name: "Eva" }); // "[SYSTEM] Eva joined the chat"
 * for await (const item of term.input()) if (item.type === "eof") break;
 * await term.close();
 * ```
 *
 * @module
 */

import type { ClientEvent } from "../client/events.ts";
import { clientText } from "../client/text.ts";
import { translator } from "../protocol/i18n.ts";
import { type SafeText, trusted } from "../protocol/safe_text.ts";
import { abortable, type InputItem, LineReader, textChunks } from "./input.ts";
import { TerminalOutput } from "./output.ts";
import { type RenderContext, renderEvent } from "./render_event.ts";
import type { AskOptions, TerminalOptions, TerminalUi } from "./terminal_ui.ts";

/** The terminal of pipe mode: plain lines out, one command per line in. */
export class PipeTerminal implements TerminalUi {
  #out: TerminalOutput;
  #ctx: RenderContext;
  #chunks: AsyncGenerator<string>;
  #lines: LineReader;
  #stop = new AbortController();

  /** Starts reading `options.input`; nothing is written until there is something to show. */
  constructor(options: TerminalOptions) {
    this.#out = new TerminalOutput(options.output);
    this.#ctx = { t: translator(clientText, options.lang), color: false, me: null };
    this.#chunks = textChunks(options.input, abortable(this.#stop.signal, options.signal));
    this.#lines = new LineReader(this.#chunks);
  }

  /** Sets the user's name (pipe mode only needs it to skip our own join). */
  setName(name: string): void {
    this.#ctx.me = name;
  }

  /** Prints the event's lines. */
  show(event: ClientEvent): void {
    if (event.type === "welcome") this.#ctx.me = event.welcome.name;
    this.print(renderEvent(event, this.#ctx));
  }

  /** Prints lines, each ended by LF. */
  print(lines: readonly SafeText[]): void {
    if (lines.length > 0) this.#out.write(trusted(lines.join("\n") + "\n"));
  }

  /** One `line` item per input line, then one `eof`. */
  async *input(): AsyncGenerator<InputItem> {
    while (true) {
      const line = await this.#lines.next();
      if (line === null) break;
      yield { type: "line", line };
    }
    yield { type: "eof" };
  }

  /** Reads the next line; no prompt is printed in pipe mode. */
  async ask(_prompt: SafeText, _options?: AskOptions): Promise<string | null> {
    return await this.#lines.next();
  }

  /** Stops reading input and writes everything queued. Safe twice. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#chunks.return(undefined);
    await this.#out.flush();
  }
}
