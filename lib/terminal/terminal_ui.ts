/**
 * What the client program needs from a terminal, whichever mode it runs in
 * (`PipeTerminal` or `InteractiveTerminal`), and the options both
 * take so tests drive them with fake streams.
 *
 * @module
 */

import type { ClientEvent } from "../client/events.ts";
import type { Lang } from "../protocol/i18n.ts";
import type { InputItem } from "./input.ts";
import type { ByteWriter } from "../net/write_queue.ts";
import type { SafeText } from "../protocol/safe_text.ts";

/** Options of {@link TerminalUi.ask}. */
export interface AskOptions {
  /** A password: not shown nor kept in the history. */
  hidden?: boolean;
  /** An empty line is an answer ("" = take the offered default); else it is ignored. */
  allowEmpty?: boolean;
}

/** What client.ts needs from either terminal. */
export interface TerminalUi {
  /** Renders one client event. Never waits. */
  show(event: ClientEvent): void;
  /**
   * Prints lines as they are (already translated). Only {@link SafeText}:
   * anything from the network went through `safe()`.
   */
  print(lines: readonly SafeText[]): void;
  /** Input items until EOF (then one `eof`). */
  input(): AsyncGenerator<InputItem>;
  /**
   * Asks for one line (the name); `null` on Ctrl+C or end of input. With
   * `hidden` (a password) the typed text is not shown nor kept in the history.
   */
  ask(prompt: SafeText, options?: AskOptions): Promise<string | null>;
  /**
   * Puts text back into the line being typed (a message refused before it
   * was sent, so a long paste can be shortened instead of typed again).
   * Terminals without a line editor leave it out.
   */
  restoreLine?(text: string): void;
  /** Sets the user's name (prompt and own-name colour). */
  setName(name: string): void;
  /** Restores the terminal and writes everything queued. Safe twice. */
  close(): Promise<void>;
}

/** Options shared by both terminals. */
export interface TerminalOptions {
  /** Standard input (or a fake stream). */
  input: ReadableStream<Uint8Array>;
  /** Standard output (or a fake writer). */
  output: ByteWriter;
  /** Language of the texts. */
  lang: Lang;
  /** Aborting it ends input as if it had reached its end. */
  signal?: AbortSignal;
}
