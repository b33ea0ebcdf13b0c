/**
 * Bounded file lists (issue 7.1): `welcome` carries only the newest files
 * and a total, and the `files` request pages through the rest or searches
 * them (PROTOCOL.md 2.2 and 2.4). Every list is cut to a byte budget as
 * well as a count, so no frame the room builds can pass the client's 1 MiB
 * limit whatever the file names hold.
 *
 * Pure: the lists come from the file store's view ({@link RoomFiles}).
 *
 * @module
 */

import type { Message } from "../../protocol/frame.ts";
import { utf8Length } from "../../protocol/utf8.ts";
import type { RoomFile, RoomFiles } from "./types.ts";

/** Files listed in `welcome` (the newest) and in a `files` page by default. */
export const PAGE_FILES = 50;
/** Largest `limit` a `files` request may ask for (larger ones are cut to it). */
export const MAX_PAGE_FILES = 200;
/** Longest `query` of a `files` request, in code units. */
export const MAX_QUERY = 100;
/** Bytes of JSON a list of files may take in one frame (welcome or `files`). */
export const FILES_BUDGET = 256 * 1024;
/** Bytes of JSON any other list in a `welcome` (the call's members) may take. */
export const LIST_BUDGET = 256 * 1024;

/** One page of the file list, newest last, and where it stands in the whole. */
export interface FilePage {
  /** The files of the page, oldest first (the newest is last). */
  files: RoomFile[];
  /** Files matching the query (all files without one). */
  total: number;
  /** How many newer matching files were skipped before this page. */
  offset: number;
  /** Matching files older than this page (the next page starts there). */
  more: number;
}

/** What a `files` request asks for, after checking. */
export interface PageRequest {
  /** Newer files to skip (0: the newest page). */
  offset: number;
  /** Files at most in the page (1 to {@link MAX_PAGE_FILES}). */
  limit: number;
  /** Case-insensitive text searched in file names and senders, if any. */
  query?: string;
}

/** A file as `welcome` and `files` carry it (the store record trimmed to the wire fields). */
function wireFile(f: RoomFile): RoomFile {
  return {
    file_id: f.file_id,
    filename: f.filename,
    size: f.size,
    sha256: f.sha256,
    from: f.from,
    ts: f.ts,
  };
}

/** The form texts are searched in: compatibility-normalised, lower case. */
function fold(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

/**
 * One page of `files`' list (oldest first), newest matching files first:
 * `offset` newer ones skipped, then at most `limit` files and at most
 * `budget` bytes of JSON.
 *
 * @example
 * ```ts
 * import { filePage } from "./listing.ts";
 * const files = [1, 2, 3].map((i) => ({
 *   file_id: `f${i}`, filename: `tema${i}.pdf`, size: i, sha256: "", from: "Ana", ts: i,
 * }));
 * filePage(files, { offset: 1, limit: 1 }); // files: [f2], total: 3, offset: 1, more: 1
 * ```
 */
export function filePage(
  all: readonly RoomFile[],
  request: PageRequest,
  budget = FILES_BUDGET,
): FilePage {
  const query = request.query === undefined || request.query === "" ? null : fold(request.query);
  const matching = query === null
    ? all
    : all.filter((f) => fold(f.filename).includes(query) || fold(f.from).includes(query));
  const total = matching.length;
  const offset = Math.min(request.offset, total);
  const page: RoomFile[] = [];
  let bytes = 2;
  for (let i = total - 1 - offset; i >= 0 && page.length < request.limit; i--) {
    const f = wireFile(matching[i]);
    const size = utf8Length(JSON.stringify(f)) + 1;
    if (bytes + size > budget) break;
    bytes += size;
    page.push(f);
  }
  page.reverse();
  return { files: page, total, offset, more: total - offset - page.length };
}

/**
 * The first entries of `list` whose JSON fits in `budget` bytes (all of them
 * in any real room; a bound for a frame the client must accept).
 */
export function within<T>(list: readonly T[], budget: number): T[] {
  let bytes = 2;
  let n = 0;
  for (const item of list) {
    bytes += utf8Length(JSON.stringify(item)) + 1;
    if (bytes > budget) break;
    n++;
  }
  return list.slice(0, n);
}

/** The newest files for a `welcome` (or a v1 member's replay) and the total count. */
export function welcomeFiles(files: RoomFiles | undefined): FilePage {
  return filePage(files?.list() ?? [], { offset: 0, limit: PAGE_FILES });
}

/**
 * Reads the paging fields of a `files` request: absent ones take their
 * defaults (an old client gets the newest page); a wrong type or range
 * gives the name of the bad field.
 */
export function pageRequest(msg: Message): PageRequest | { bad: string } {
  const { offset = 0, limit = PAGE_FILES, query } = msg;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
    return { bad: "offset" };
  }
  if (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 1) {
    return { bad: "limit" };
  }
  if (query !== undefined && (typeof query !== "string" || query.length > MAX_QUERY)) {
    return { bad: "query" };
  }
  const request: PageRequest = { offset, limit: Math.min(limit, MAX_PAGE_FILES) };
  if (typeof query === "string" && query.trim() !== "") request.query = query.trim();
  return request;
}

/** The `files` reply to a request: one page and where it stands. */
export function filesReply(files: RoomFiles | undefined, request: PageRequest): Message {
  const page = filePage(files?.list() ?? [], request);
  const reply: Message = {
    type: "files",
    files: page.files,
    total: page.total,
    offset: page.offset,
    more: page.more,
  };
  if (request.query !== undefined) reply.query = request.query;
  return reply;
}
