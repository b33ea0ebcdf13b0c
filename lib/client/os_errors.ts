/**
 * Operating-system errors as codes the client's catalogue explains in the
 * user's language, instead of the system's English text (`File exists (os
 * error 80)`, `Permission denied (os error 13)`). Read from the error's
 * class (`Deno.errors.*`, the same on every OS) and, failing that, its POSIX
 * `code` (`EEXIST`, …), never from its message.
 *
 * @example
 * ```ts
 * import { osErrorCode } from "./os_errors.ts";
 * osErrorCode(new Deno.errors.AlreadyExists("File exists (os error 80)")); // "os_exists"
 * osErrorCode(new Error("other")); // null
 * ```
 *
 * @module
 */

/** The codes {@link osErrorCode} gives; each has a text in lib/client/text/ui.ts. */
export type OsErrorCode =
  | "os_exists"
  | "os_not_found"
  | "os_permission"
  | "os_no_space"
  | "os_is_directory"
  | "os_not_directory"
  | "os_busy"
  | "os_name_too_long"
  | "os_invalid_name";

const BY_CLASS: ReadonlyArray<[new (...args: never[]) => Error, OsErrorCode]> = [
  [Deno.errors.AlreadyExists, "os_exists"],
  [Deno.errors.NotFound, "os_not_found"],
  [Deno.errors.PermissionDenied, "os_permission"],
  [Deno.errors.NotCapable, "os_permission"],
  [Deno.errors.IsADirectory, "os_is_directory"],
  [Deno.errors.NotADirectory, "os_not_directory"],
  [Deno.errors.Busy, "os_busy"],
  [Deno.errors.FilesystemLoop, "os_invalid_name"],
  [Deno.errors.InvalidData, "os_invalid_name"],
];

const BY_ERRNO: Readonly<Record<string, OsErrorCode>> = {
  EEXIST: "os_exists",
  ENOENT: "os_not_found",
  EACCES: "os_permission",
  EPERM: "os_permission",
  EROFS: "os_permission",
  ENOSPC: "os_no_space",
  EDQUOT: "os_no_space",
  EISDIR: "os_is_directory",
  ENOTDIR: "os_not_directory",
  EBUSY: "os_busy",
  ETXTBSY: "os_busy",
  ENAMETOOLONG: "os_name_too_long",
  EINVAL: "os_invalid_name",
};

/** The code of an operating-system error, or null for anything else. */
export function osErrorCode(e: unknown): OsErrorCode | null {
  if (!(e instanceof Error)) return null;
  for (const [cls, code] of BY_CLASS) if (e instanceof cls) return code;
  const errno = (e as { code?: unknown }).code;
  return typeof errno === "string" && errno in BY_ERRNO ? BY_ERRNO[errno] : null;
}
