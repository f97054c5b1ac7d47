/**
 * Backoff strategies: how long a delivery waits before each retry. `tiers` is kretry's own schedule
 * (the next tier topic's delay, docs/lifecycle.md step 4); the others compute a delay from the retry
 * number, and the tiers only carry it (placement.ts). A strategy comes from the delivery, else its
 * endpoint, else `tiers`.
 */
export type BackoffStrategy =
  | { readonly kind: 'tiers' }
  | {
      readonly kind: 'exponential';
      readonly baseMs: number;
      readonly multiplier: number;
      readonly maxMs: number;
      readonly jitter: number | null;
    }
  | {
      readonly kind: 'linear';
      readonly stepMs: number;
      readonly maxMs: number | null;
      readonly jitter: number | null;
    }
  | { readonly kind: 'fixed'; readonly delayMs: number; readonly jitter: number | null }
  | { readonly kind: 'custom'; readonly delaysMs: readonly number[]; readonly jitter: number | null };

export const BACKOFF_KINDS = ['tiers', 'exponential', 'linear', 'fixed', 'custom'] as const;
export type BackoffKind = (typeof BACKOFF_KINDS)[number];

export const TIERS_BACKOFF: BackoffStrategy = { kind: 'tiers' };

/** A strategy's delays are bounded so a schedule cannot overflow a timestamp or wait for years. */
export const MAX_BACKOFF_DELAY_MS = 30 * 86_400_000;

export interface BackoffProblem {
  readonly field: string;
  readonly message: string;
}

/** What is wrong with a strategy, naming the field, or undefined when it can be used. */
export function backoffProblem(strategy: BackoffStrategy): BackoffProblem | undefined {
  const delay = (field: string, ms: number): BackoffProblem | undefined =>
    Number.isFinite(ms) && ms > 0 && ms <= MAX_BACKOFF_DELAY_MS
      ? undefined
      : { field, message: `must be a positive duration of at most 30 days (got ${ms} ms)` };
  if (strategy.kind === 'tiers') return undefined;
  const jitter = strategy.jitter;
  if (jitter !== null && !(jitter >= 0 && jitter < 1))
    return { field: 'jitter', message: `must be at least 0 and below 1 (got ${jitter})` };
  switch (strategy.kind) {
    case 'exponential':
      if (!(strategy.multiplier >= 1 && strategy.multiplier <= 100))
        return { field: 'multiplier', message: `must be between 1 and 100 (got ${strategy.multiplier})` };
      if (strategy.maxMs < strategy.baseMs)
        return { field: 'maxMs', message: 'must not be shorter than baseMs' };
      return delay('baseMs', strategy.baseMs) ?? delay('maxMs', strategy.maxMs);
    case 'linear':
      if (strategy.maxMs !== null && strategy.maxMs < strategy.stepMs)
        return { field: 'maxMs', message: 'must not be shorter than stepMs' };
      return (
        delay('stepMs', strategy.stepMs) ??
        (strategy.maxMs === null ? undefined : delay('maxMs', strategy.maxMs))
      );
    case 'fixed':
      return delay('delayMs', strategy.delayMs);
    case 'custom': {
      if (strategy.delaysMs.length === 0 || strategy.delaysMs.length > 100)
        return { field: 'delaysMs', message: 'must list 1 to 100 delays' };
      for (const [i, ms] of strategy.delaysMs.entries()) {
        const problem = delay(`delaysMs[${i}]`, ms);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
  }
}

/**
 * The delay before retry number `retry` (1 for the first retry, i.e. attempt 2), before jitter.
 * Linear is `stepMs × retry`; custom reuses its last delay past the end, as the tiers do.
 */
export function strategyDelayMs(
  strategy: Exclude<BackoffStrategy, { kind: 'tiers' }>,
  retry: number,
): number {
  const n = Math.max(1, retry);
  switch (strategy.kind) {
    case 'exponential':
      // Capped before the power overflows: multiplier^(n-1) only grows.
      return Math.min(strategy.maxMs, strategy.baseMs * strategy.multiplier ** Math.min(n - 1, 1_000));
    case 'linear':
      return Math.min(strategy.maxMs ?? MAX_BACKOFF_DELAY_MS, strategy.stepMs * n);
    case 'fixed':
      return strategy.delayMs;
    case 'custom':
      return strategy.delaysMs[Math.min(n, strategy.delaysMs.length) - 1] ?? MAX_BACKOFF_DELAY_MS;
  }
}

/** The strategy in force: the delivery's own, else its endpoint's, else the tiers. */
export function layerBackoff(
  endpoint: BackoffStrategy | null | undefined,
  delivery: BackoffStrategy | null | undefined,
): BackoffStrategy {
  return delivery ?? endpoint ?? TIERS_BACKOFF;
}
