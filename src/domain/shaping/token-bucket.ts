/**
 * A token bucket for one endpoint's rate limit: `perSecond` tokens a second, at most `burst` saved.
 * A reservation may take the bucket below zero: the caller then waits until its token exists, and
 * later callers queue behind it. That makes the wait of each delivery known when it is admitted, so
 * a worker can decide at once whether to wait in memory or defer it to a tier.
 */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

export interface TokenBucket {
  readonly tokens: number;
  readonly updatedAt: number;
}

export function fullBucket(limit: RateLimit, now: number): TokenBucket {
  return { tokens: limit.burst, updatedAt: now };
}

function refilled(bucket: TokenBucket, limit: RateLimit, now: number): number {
  const elapsed = Math.max(0, now - bucket.updatedAt);
  return Math.min(limit.burst, bucket.tokens + (elapsed * limit.perSecond) / 1000);
}

/**
 * Takes one token if its wait is at most `maxWaitMs`: `waitMs` is how long the caller must wait for
 * it (0 when one is there now). Over that, nothing is taken and `waitMs` is what it would have been.
 */
export function reserve(
  bucket: TokenBucket,
  limit: RateLimit,
  now: number,
  maxWaitMs: number,
): { readonly taken: boolean; readonly waitMs: number; readonly bucket: TokenBucket } {
  const tokens = refilled(bucket, limit, now) - 1;
  const waitMs = tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / limit.perSecond);
  if (waitMs > maxWaitMs) return { taken: false, waitMs, bucket };
  return { taken: true, waitMs, bucket: { tokens, updatedAt: now } };
}

/**
 * Takes the next free token, `waitMs` ahead, for use at `usedAtMs` = `notBeforeMs(waitMs)` or
 * later: when that is after the token, the tokens between are given up, so every token taken later comes after this one and the
 * limit holds however late this one is used (a deferred delivery comes back when the tiers can
 * bring it, which may be later than its token).
 */
export function reserveFrom(
  bucket: TokenBucket,
  limit: RateLimit,
  now: number,
  notBeforeMs: (waitMs: number) => number,
): { readonly waitMs: number; readonly usedAtMs: number; readonly bucket: TokenBucket } {
  const taken = reserve(bucket, limit, now, Infinity);
  const usedAtMs = Math.max(taken.waitMs, notBeforeMs(taken.waitMs));
  if (usedAtMs === taken.waitMs) return { ...taken, usedAtMs };
  return {
    waitMs: taken.waitMs,
    usedAtMs,
    bucket: { tokens: -(usedAtMs * limit.perSecond) / 1000, updatedAt: now },
  };
}

export function rateLimitProblem(limit: RateLimit): { field: string; message: string } | undefined {
  if (!(Number.isFinite(limit.perSecond) && limit.perSecond > 0 && limit.perSecond <= 1_000_000))
    return { field: 'perSecond', message: `must be above 0 and at most 1000000 (got ${limit.perSecond})` };
  if (!(Number.isInteger(limit.burst) && limit.burst >= 1 && limit.burst <= 1_000_000))
    return { field: 'burst', message: `must be a whole number from 1 to 1000000 (got ${limit.burst})` };
  return undefined;
}

/** `50/s` or `50/s,100`: the rate limit, or what is wrong with the text. */
export function parseRateLimit(text: string): RateLimit | string {
  const match = /^\s*(\d+(?:\.\d+)?)\s*\/\s*s\s*(?:,\s*(\d+)\s*)?$/.exec(text);
  if (match === null) return `"${text}" is not a rate limit; use e.g. 50/s, or 50/s,100 for a burst of 100`;
  const perSecond = Number(match[1]);
  const burst = match[2] === undefined ? Math.max(1, Math.ceil(perSecond)) : Number(match[2]);
  const limit = { perSecond, burst };
  const problem = rateLimitProblem(limit);
  return problem === undefined ? limit : `${problem.field} ${problem.message}`;
}

export function formatRateLimit(limit: RateLimit): string {
  return `${limit.perSecond}/s,${limit.burst}`;
}
