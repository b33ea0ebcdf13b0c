/**
 * Limits on who may add files (issue 7 items 1 and 8): a member (a chat
 * session name) may keep at most {@link UploadLimitOptions.maxFiles} files
 * and start at most {@link UploadLimitOptions.perMinute} uploads a minute;
 * v1 uploads, which carry no session, are counted per address: at most
 * {@link UploadLimitOptions.v1Pending} stored and not yet announced, and
 * {@link UploadLimitOptions.v1PerMinute} a minute. Files are counted, not
 * bytes, so empty or tiny files are no free way to fill the list. Resumes
 * add no file and are not counted. Pure: the time comes from `now()`.
 *
 * @module
 */

import { TokenBucket } from "../../protocol/token_bucket.ts";
import type { LogSink } from "../log_event.ts";
import { Refusal, type UploadRequest } from "./request.ts";

/** Limits of {@link UploadLimits}; every field has a default. */
export interface UploadLimitOptions {
  /** Files one member may have stored (default 200). */
  maxFiles?: number;
  /** New uploads one member may start per minute, in a burst or spread (default 30). */
  perMinute?: number;
  /** v1 uploads from one address stored but not announced yet, or running (default 5). */
  v1Pending?: number;
  /** v1 uploads one address may start per minute (default 10). */
  v1PerMinute?: number;
}

/** The defaults of {@link UploadLimitOptions}. */
export const UPLOAD_LIMITS: Required<UploadLimitOptions> = {
  maxFiles: 200,
  perMinute: 30,
  v1Pending: 5,
  v1PerMinute: 10,
};

/** What the limits need to know of the store. */
export interface UploadCounts {
  /** Files stored by a member. */
  filesFrom(owner: string): number;
  /** v1 uploads from an address not announced yet (stored or running). */
  pendingV1(ip: string): number;
}

/** Buckets idle this long are full again and forgotten. */
const FORGET_MS = 120_000;

/**
 * Checks each new upload against the limits; refusals are thrown as a
 * {@link Refusal} and told to the server log.
 *
 * @example
 * ```ts
 * import { UploadLimits } from "./upload_limits.ts";
 * const limits = new UploadLimits({ perMinute: 2 }, { now: () => 0 });
 * const counts = { filesFrom: () => 0, pendingV1: () => 0 };
 * const req = { version: 2, owner: "Ana", filename: "a", size: 0 } as const;
 * limits.check(req, "10.0.0.5", counts); // passes
 * limits.check(req, "10.0.0.5", counts); // passes
 * // a third one within the minute throws a Refusal with code "rate_limited"
 * ```
 */
export class UploadLimits {
  readonly #limits: Required<UploadLimitOptions>;
  readonly #now: () => number;
  readonly #log: LogSink;
  #buckets = new Map<string, { bucket: TokenBucket; used: number }>();

  constructor(limits: UploadLimitOptions, options: { now: () => number; log?: LogSink }) {
    this.#limits = { ...UPLOAD_LIMITS, ...limits };
    this.#now = options.now;
    this.#log = options.log ?? (() => {});
  }

  /** Throws a {@link Refusal} when `req` from `ip` breaks a limit. */
  check(req: UploadRequest, ip: string, counts: UploadCounts): void {
    if (req.version === 2) {
      if (req.resume !== undefined) return;
      const limit = this.#limits.maxFiles;
      if (counts.filesFrom(req.owner) >= limit) {
        this.#log({ kind: "refused", what: "upload_files", ip, name: req.owner, count: 1 });
        throw new Refusal("too_many_files", "too_many_files", { limit });
      }
      if (!this.#take(`member:${req.owner}`, this.#limits.perMinute)) {
        this.#log({ kind: "rate_limited", what: "upload", who: req.owner, ip, count: 1 });
        throw new Refusal("rate_limited", "upload_rate_limited", {
          limit: this.#limits.perMinute,
        });
      }
      return;
    }
    const pending = this.#limits.v1Pending;
    if (counts.pendingV1(ip) >= pending) {
      this.#log({ kind: "refused", what: "v1_upload", ip, count: 1 });
      throw new Refusal("too_many_files", "v1_too_many_files", { limit: pending });
    }
    if (!this.#take(`ip:${ip}`, this.#limits.v1PerMinute)) {
      this.#log({ kind: "rate_limited", what: "v1_upload", who: ip, ip, count: 1 });
      throw new Refusal("rate_limited", "upload_rate_limited", {
        limit: this.#limits.v1PerMinute,
      });
    }
  }

  /** Takes one token from the bucket of `key` (`perMinute` a minute, bursts of as many). */
  #take(key: string, perMinute: number): boolean {
    const now = this.#now();
    if (this.#buckets.size > 1000) {
      for (const [k, b] of this.#buckets) if (now - b.used > FORGET_MS) this.#buckets.delete(k);
    }
    let entry = this.#buckets.get(key);
    if (entry === undefined) {
      entry = { bucket: new TokenBucket(perMinute / 60, perMinute, now), used: now };
      this.#buckets.set(key, entry);
    }
    entry.used = now;
    return entry.bucket.take(now);
  }
}
