/**
 * The teacher's server flags (issue 11.4-5, 8.4): `--log`, `--password`,
 * `--password-file`, `--allow-v1`, `--students-read-only`, `--admin-key`.
 * Read by `parseServerArgs` (args.ts) like its other flag groups. Pure.
 *
 * @module
 */

/** What the teacher's flags decide (part of `ServerConfig`). */
export interface TeacherFlags {
  /** JSON-lines log file (`--log FILE`), appended to; null for the console only. */
  logFile: string | null;
  /** Room password (`--password`); null for an open room (or one read from `passwordFile`). */
  password: string | null;
  /** File whose first line is the room password (`--password-file`), read at start. */
  passwordFile: string | null;
  /** Whether v1 clients (who cannot give a password) may join a room with one (`--allow-v1`). */
  allowV1: boolean;
  /** Only the teacher posts and shares (`--students-read-only`). */
  studentsReadOnly: boolean;
  /** The teacher's admin key (`--admin-key`); null: a random one is printed in the banner. */
  adminKey: string | null;
}

/** The teacher's flags unset: an open room, a random teacher key, the console only. */
export const TEACHER_DEFAULTS: Readonly<TeacherFlags> = Object.freeze({
  logFile: null,
  password: null,
  passwordFile: null,
  allowV1: false,
  studentsReadOnly: false,
  adminKey: null,
});

/** The teacher's flags as node:util parseArgs reads them. */
export const TEACHER_OPTIONS = {
  log: { type: "string" },
  password: { type: "string" },
  "password-file": { type: "string" },
  "allow-v1": { type: "boolean" },
  "students-read-only": { type: "boolean" },
  "admin-key": { type: "string" },
} as const;

/** A refused value of one of these flags (args.ts turns it into the error text). */
export interface TeacherBadValue {
  flag: string;
  value: string;
  expected: "expectPath" | "expectPassword" | "expectAdminKey";
}

/** The longest room password accepted (UTF-8 bytes). */
export const MAX_PASSWORD_BYTES = 256;

/** Reads the teacher's flags into `config`; a refused value is returned (the password never echoed). */
export function readTeacher(
  values: Record<string, string | boolean | undefined>,
  config: TeacherFlags,
): TeacherBadValue | null {
  if (values.log !== undefined) {
    if (String(values.log).trim() === "") return { flag: "log", value: "", expected: "expectPath" };
    config.logFile = String(values.log);
  }
  if (values.password !== undefined && values["password-file"] !== undefined) {
    return {
      flag: "password-file",
      value: String(values["password-file"]),
      expected: "expectPassword",
    };
  }
  if (values.password !== undefined) {
    const pw = String(values.password);
    if (pw.length === 0 || new TextEncoder().encode(pw).length > MAX_PASSWORD_BYTES) {
      return { flag: "password", value: "…", expected: "expectPassword" };
    }
    config.password = pw;
  }
  if (values["password-file"] !== undefined) {
    const file = String(values["password-file"]);
    if (file.trim() === "") return { flag: "password-file", value: "", expected: "expectPath" };
    config.passwordFile = file;
  }
  if (values["allow-v1"]) config.allowV1 = true;
  if (values["students-read-only"]) config.studentsReadOnly = true;
  if (values["admin-key"] !== undefined) {
    const key = String(values["admin-key"]);
    if (!/^[\x21-\x7e]{8,64}$/.test(key)) {
      return { flag: "admin-key", value: "…", expected: "expectAdminKey" };
    }
    config.adminKey = key;
  }
  return null;
}
