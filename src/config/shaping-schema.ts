import { z } from 'zod';
import { backoffProblem, type BackoffStrategy } from '../domain/delivery/backoff.js';
import { formatDuration, parseDuration } from '../domain/duration.js';
import {
  formatRateLimit,
  parseRateLimit,
  rateLimitProblem,
  type RateLimit,
} from '../domain/shaping/token-bucket.js';

/**
 * Traffic shaping as users write it, one schema for the admin API, `kretry endpoints set` and
 * `kretry send` / `POST /deliveries`: a rate limit (`50/s`, `50/s,100`, or `{perSecond, burst}`)
 * and a backoff strategy with durations as text (`30s`, `2m`) or milliseconds.
 */
const durationMs = z.union([z.string(), z.number().int().positive()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${String(value)}" is not a duration such as 30s, 2m or 10h` });
    return z.NEVER;
  }
  return ms;
});

const jitter = z.number().nullable().optional();

export const backoffInput = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('tiers') }).strict(),
    z
      .object({
        kind: z.literal('exponential'),
        base: durationMs,
        multiplier: z.number().default(2),
        max: durationMs,
        jitter,
      })
      .strict(),
    z
      .object({ kind: z.literal('linear'), step: durationMs, max: durationMs.nullable().optional(), jitter })
      .strict(),
    z.object({ kind: z.literal('fixed'), delay: durationMs, jitter }).strict(),
    z.object({ kind: z.literal('custom'), delays: z.array(durationMs), jitter }).strict(),
  ])
  .transform((input, ctx): BackoffStrategy => {
    const strategy = toStrategy(input);
    const problem = backoffProblem(strategy);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem.message, path: [inputField(problem.field)] });
      return z.NEVER;
    }
    return strategy;
  });

function toStrategy(input: {
  kind: string;
  base?: number;
  multiplier?: number;
  max?: number | null | undefined;
  step?: number;
  delay?: number;
  delays?: number[];
  jitter?: number | null | undefined;
}): BackoffStrategy {
  const j = input.jitter ?? null;
  switch (input.kind) {
    case 'exponential':
      return {
        kind: 'exponential',
        baseMs: input.base ?? 0,
        multiplier: input.multiplier ?? 2,
        maxMs: input.max ?? 0,
        jitter: j,
      };
    case 'linear':
      return { kind: 'linear', stepMs: input.step ?? 0, maxMs: input.max ?? null, jitter: j };
    case 'fixed':
      return { kind: 'fixed', delayMs: input.delay ?? 0, jitter: j };
    case 'custom':
      return { kind: 'custom', delaysMs: input.delays ?? [], jitter: j };
    default:
      return { kind: 'tiers' };
  }
}

/** The user's name for a field of the domain's strategy (`baseMs` is written `base`). */
function inputField(field: string): string {
  return field.replace(/Ms\b/, '').replace(/Ms\[/, '[');
}

/** A strategy as the API shows it: durations as text, in the shape `backoffInput` takes. */
export function backoffView(strategy: BackoffStrategy): Record<string, unknown> {
  const j = strategy.kind === 'tiers' || strategy.jitter === null ? {} : { jitter: strategy.jitter };
  switch (strategy.kind) {
    case 'tiers':
      return { kind: 'tiers' };
    case 'exponential':
      return {
        kind: 'exponential',
        base: formatDuration(strategy.baseMs),
        multiplier: strategy.multiplier,
        max: formatDuration(strategy.maxMs),
        ...j,
      };
    case 'linear':
      return {
        kind: 'linear',
        step: formatDuration(strategy.stepMs),
        ...(strategy.maxMs !== null && { max: formatDuration(strategy.maxMs) }),
        ...j,
      };
    case 'fixed':
      return { kind: 'fixed', delay: formatDuration(strategy.delayMs), ...j };
    case 'custom':
      return { kind: 'custom', delays: strategy.delaysMs.map(formatDuration), ...j };
  }
}

export const rateLimitInput = z
  .union([z.string(), z.object({ perSecond: z.number(), burst: z.number().int().optional() }).strict()])
  .transform((value, ctx): RateLimit => {
    const limit =
      typeof value === 'string'
        ? parseRateLimit(value)
        : { perSecond: value.perSecond, burst: value.burst ?? Math.max(1, Math.ceil(value.perSecond)) };
    if (typeof limit === 'string') {
      ctx.addIssue({ code: 'custom', message: limit });
      return z.NEVER;
    }
    const problem = rateLimitProblem(limit);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: `${problem.field} ${problem.message}` });
      return z.NEVER;
    }
    return limit;
  });

export function rateLimitView(limit: RateLimit): string {
  return formatRateLimit(limit);
}
