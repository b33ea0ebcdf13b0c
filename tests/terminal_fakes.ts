/**
 * Fakes for terminal tests: a tiny VT emulator to check what the screen shows,
 * an output that records writes, an input the test types into, a welcome.
 *
 * @module
 */

import type { ClientEvent } from "../lib/client/events.ts";
import type { Welcome } from "../lib/protocol/wire.ts";
import { displayWidth } from "../lib/terminal/width.ts";
import { waitFor } from "./wait.ts";

/**
 * A tiny VT emulator: enough of CR, LF, CUU/CUD/CUF/CUB, CUP, ED, EL, SGR,
 * DECSTBM and DECSC/DECRC to check what the screen shows and where the
 * cursor is, with the scrollback (lines scrolled off a region that starts at
 * the top row, as xterm and VTE keep them). Wide characters take two cells.
 */
export class Screen {
  cells: string[][];
  row = 0;
  col = 0;
  top = 0;
  bottom: number;
  saved: [number, number] = [0, 0];
  /** Lines scrolled off the top of the screen (a scroll region starting at the top row), oldest first. */
  scrollback: string[] = [];
  constructor(public columns: number, public rows: number) {
    this.cells = Array.from({ length: rows }, () => Array(columns).fill(" "));
    this.bottom = rows - 1;
  }
  #scroll(): void {
    const [gone] = this.cells.splice(this.top, 1);
    if (this.top === 0) this.scrollback.push(gone.join("").trimEnd());
    this.cells.splice(this.bottom, 0, Array(this.columns).fill(" "));
  }
  #lf(): void {
    if (this.row === this.bottom) this.#scroll();
    else this.row = Math.min(this.rows - 1, this.row + 1);
  }
  write(text: string): void {
    const chars = [...text];
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i];
      if (ch === "\r") this.col = 0;
      else if (ch === "\n") this.#lf();
      else if (ch === "\x1b") {
        const next = chars[i + 1];
        if (next === "7") {
          this.saved = [this.row, this.col];
          i++;
        } else if (next === "8") {
          [this.row, this.col] = this.saved;
          i++;
        } else if (next === "[") {
          let j = i + 2;
          let params = "";
          while (/[0-9;?]/.test(chars[j])) params += chars[j++];
          const final = chars[j];
          i = j;
          const nums = params.replace("?", "").split(";").map((p) => p === "" ? NaN : Number(p));
          const n = Number.isNaN(nums[0]) ? 1 : nums[0];
          switch (final) {
            case "A":
              this.row = Math.max(0, this.row - n);
              break;
            case "B":
              this.row = Math.min(this.rows - 1, this.row + n);
              break;
            case "C":
              this.col = Math.min(this.columns - 1, this.col + n);
              break;
            case "D":
              this.col = Math.max(0, this.col - n);
              break;
            case "H":
              this.row = (Number.isNaN(nums[0]) ? 1 : nums[0]) - 1;
              this.col = (Number.isNaN(nums[1] ?? NaN) ? 1 : nums[1]) - 1;
              break;
            case "J":
              for (let c = this.col; c < this.columns; c++) this.cells[this.row][c] = " ";
              for (let r = this.row + 1; r < this.rows; r++) this.cells[r].fill(" ");
              break;
            case "K":
              this.cells[this.row].fill(" ");
              break;
            case "r":
              this.top = Number.isNaN(nums[0]) ? 0 : nums[0] - 1;
              this.bottom = Number.isNaN(nums[1] ?? NaN) ? this.rows - 1 : nums[1] - 1;
              this.row = 0;
              this.col = 0;
              break;
            default:
              break; // m (SGR), l/h (cursor visibility)
          }
        }
      } else {
        const w = displayWidth(ch);
        if (w === 0) continue;
        if (this.col + w > this.columns) {
          this.col = 0;
          this.#lf();
        }
        this.cells[this.row][this.col] = ch;
        if (w === 2) this.cells[this.row][this.col + 1] = "";
        this.col += w;
      }
    }
  }
  line(r: number): string {
    return this.cells[r].join("").trimEnd();
  }
  lines(): string[] {
    const out = this.cells.map((_, r) => this.line(r));
    while (out.length > 0 && out[out.length - 1] === "") out.pop();
    return out;
  }
}

/** An output that records every write as text. */
export function fakeOutput() {
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  return {
    chunks,
    text: () => chunks.join(""),
    writer: {
      write(p: Uint8Array): Promise<number> {
        chunks.push(decoder.decode(p));
        return Promise.resolve(p.length);
      },
    },
  };
}

/** An input stream the test types into. */
export function fakeInput() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => controller = c });
  const encoder = new TextEncoder();
  return {
    stream,
    type: (text: string) => controller.enqueue(encoder.encode(text)),
    bytes: (b: Uint8Array) => controller.enqueue(b),
    end: () => controller.close(),
  };
}

/** A welcome for `name` with Luis also online. */
export function welcomeEvent(name: string): ClientEvent {
  const welcome: Welcome = {
    name,
    token: "t",
    server: "s",
    filePort: 9010,
    mediaPort: 9020,
    maxMessage: 4096,
    maxFrame: 65536,
    maxUpload: 1,
    members: [{ name, since: 0, protocol: 2, inCall: false }, {
      name: "Luis",
      since: 0,
      protocol: 1,
      inCall: false,
    }],
    files: [],
    call: [],
  };
  return { type: "welcome", welcome, host: "127.0.0.1", port: 9009 };
}

/** What `out` shows on a screen of `columns` x `rows` once every write so far is replayed. */
export function screenOf(out: { text(): string }, columns: number, rows: number): Screen {
  const screen = new Screen(columns, rows);
  screen.write(out.text());
  return screen;
}

/**
 * Waits (with a deadline) until the screen `out` draws satisfies `ready`,
 * and returns that screen.
 */
export async function waitForScreen(
  out: { text(): string },
  size: { columns: number; rows: number },
  ready: (screen: Screen) => boolean,
  what: string,
): Promise<Screen> {
  let screen = screenOf(out, size.columns, size.rows);
  await waitFor(() => ready(screen = screenOf(out, size.columns, size.rows)), {
    message: what,
    timeoutMs: 5_000,
    detail: () => screen.lines().join("\n"),
  });
  return screen;
}
