/**
 * Command-line rules both programs share: the `--` that `deno task` passes
 * through, `--version`, and turning node:util `parseArgs` errors into parts a
 * catalogue can phrase in the user's language (with a "did you mean" for a
 * mistyped option). Pure.
 *
 * @example
 * ```ts
 * import { closestFlag, withoutTaskSeparator } from "./cli_args.ts";
 * withoutTaskSeparator(["--", "--name", "Ana"]); // ["--name", "Ana"]
 * closestFlag("--nmae", ["name", "host"]); // "--name"
 * ```
 *
 * @module
 */

import { VERSION } from "./version.ts";

/**
 * The arguments without one leading `--`. `deno task client -- --name Ana`
 * hands the program `["--", "--name", "Ana"]`; both programs take that as
 * `--name Ana`, so the commands people copy work with or without it.
 */
export function withoutTaskSeparator(args: readonly string[]): string[] {
  return args[0] === "--" ? args.slice(1) : [...args];
}

/** Whether the arguments ask for the version (`--version`, after an optional `--`). */
export function wantsVersion(args: readonly string[]): boolean {
  return withoutTaskSeparator(args).includes("--version");
}

/** The line `--version` prints, the same in every language: `pc3-client 0.1.0`. */
export function versionLine(program: "pc3-client" | "pc3-server"): string {
  return `${program} ${VERSION}`;
}

/** A `parseArgs` error, taken apart so it can be said in the user's language. */
export type ArgProblem =
  | { kind: "unknown"; flag: string }
  | { kind: "missing_value"; flag: string }
  | { kind: "no_value"; flag: string }
  | { kind: "positional"; value: string }
  | { kind: "other"; message: string };

/**
 * Takes a node:util `parseArgs` error apart by its `code`; the offending
 * option is the quoted part of its message (the only place it is given).
 */
export function argProblem(e: unknown): ArgProblem {
  const message = e instanceof Error ? e.message : String(e);
  const quoted = /'([^']+)'/.exec(message)?.[1]?.replace(/ <value>$/, "").split(", ").pop() ??
    "";
  switch ((e as { code?: string } | null)?.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return { kind: "unknown", flag: quoted };
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return { kind: "positional", value: quoted };
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return message.includes("does not take")
        ? { kind: "no_value", flag: quoted }
        : { kind: "missing_value", flag: quoted };
    default:
      return { kind: "other", message };
  }
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The known option closest to a mistyped one (`--nmae` → `--name`), or
 * null when none is close (at most 2 edits, and fewer than half its letters).
 */
export function closestFlag(flag: string, known: readonly string[]): string | null {
  const typed = flag.replace(/^-+/, "").split("=")[0].toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const dist = distance(typed, k);
    if (dist < bestDistance) {
      best = k;
      bestDistance = dist;
    }
  }
  if (best === null || bestDistance > 2 || bestDistance * 2 >= Math.max(typed.length, 2)) {
    return null;
  }
  return `--${best}`;
}
