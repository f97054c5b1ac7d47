import type { AttemptResult } from '../classify.js';
/**
 * An endpoint's in-flight limit, adapted to what the receiver says (AIMD, as TCP's congestion
 * window): sustained success adds one request per window of `limit` successes; an overload signal
 * (429, or 503 with Retry-After, or a latency far above the endpoint's recent median) cuts the
 * limit by `decrease`. Slow start after recovery (a circuit closing, an operator enabling the
 * endpoint) starts again at 1 and adds one per success, doubling each window, up to the limit the
 * endpoint had before it failed; additive growth takes over from there.
 *
 * Overload signals from requests that started before the last cut are ignored: they were sent under
 * the old limit, and counting them would cut once per request of the same burst instead of once.
 */
export interface ConcurrencySettings {
  /** KRETRY_ENDPOINT_MAX_CONCURRENCY. */
  readonly max: number;
  /** Multiplier on an overload signal. @defaultValue 0.7 */
  readonly decrease: number;
  /** A success slower than this many times the recent median counts as overload. @defaultValue 3 */
  readonly latencyFactor: number;
  /** …and slower than the median by at least this much (short latencies are noisy). @defaultValue 100 */
  readonly latencyMarginMs: number;
}

export const DEFAULT_CONCURRENCY_SETTINGS: Omit<ConcurrencySettings, 'max'> = {
  decrease: 0.7,
  latencyFactor: 3,
  latencyMarginMs: 100,
};

/** Latencies kept for the median: enough to be stable, few enough to follow a change in a minute. */
const LATENCY_SAMPLES = 32;
/** No latency verdict before this many samples. */
const MIN_LATENCY_SAMPLES = 16;

export interface ConcurrencyState {
  /** The in-flight limit, fractional while it grows; floor() of it is enforced, never below 1. */
  readonly limit: number;
  /** Below this the limit grows by one per success (slow start); at or above it, by 1/limit. */
  readonly threshold: number;
  /** When the last cut happened; signals of requests started before it do not cut again. */
  readonly cutAt: number;
  /** Recent success latencies, newest last. */
  readonly latencies: readonly number[];
}

export type ReceiverSignal =
  | {
      readonly kind: 'success';
      readonly startedAt: number;
      readonly endedAt: number;
      /**
       * The request started with the endpoint's limit in use. Only such a success raises the limit:
       * an endpoint that never fills its limit has shown nothing about a higher one (RFC 7661 makes
       * the same rule for TCP's window). Left out, it counts as saturated.
       */
      readonly saturated?: boolean;
    }
  | { readonly kind: 'overload'; readonly startedAt: number; readonly endedAt: number }
  /** Any other failure: the circuit breaker's business, not a reason to change the limit. */
  | { readonly kind: 'other' };

/**
 * An endpoint this process has not sent to yet starts slowly too (RFC 5681 starts every connection
 * so): at 1, doubling per window of successes up to the maximum. Starting at the maximum would send
 * a burst of that many before the first answer tells anything, enough 429s in a row to open the
 * endpoint's circuit.
 */
export function initialConcurrency(settings: ConcurrencySettings): ConcurrencyState {
  return { limit: 1, threshold: settings.max, cutAt: -Infinity, latencies: [] };
}

export function allowed(state: ConcurrencyState): number {
  return Math.max(1, Math.floor(state.limit));
}

export function onSignal(
  state: ConcurrencyState,
  signal: ReceiverSignal,
  settings: ConcurrencySettings,
): ConcurrencyState {
  switch (signal.kind) {
    case 'other':
      return state;
    case 'overload':
      return cut(state, signal, settings);
    case 'success': {
      const latencyMs = signal.endedAt - signal.startedAt;
      // Under the margin no latency is slow: skip sorting the window (most successes, every time).
      const median = latencyMs < settings.latencyMarginMs ? undefined : medianOf(state.latencies);
      const slow =
        median !== undefined &&
        latencyMs > median * settings.latencyFactor &&
        latencyMs - median >= settings.latencyMarginMs;
      if (slow) return cut(state, signal, settings);
      const latencies = [...state.latencies.slice(-(LATENCY_SAMPLES - 1)), latencyMs];
      if (signal.saturated === false) return { ...state, latencies };
      const step = state.limit < state.threshold ? 1 : 1 / Math.max(1, state.limit);
      return { ...state, limit: Math.min(settings.max, state.limit + step), latencies };
    }
  }
}

function cut(
  state: ConcurrencyState,
  signal: { readonly startedAt: number; readonly endedAt: number },
  settings: ConcurrencySettings,
): ConcurrencyState {
  if (signal.startedAt < state.cutAt) return state;
  const limit = Math.max(1, Math.floor(state.limit * settings.decrease));
  // Requests started from now on are sent under the new limit; only their signals may cut again.
  return { ...state, limit, threshold: limit, cutAt: signal.endedAt };
}

/** Recovery: start again at 1, grow fast up to where the endpoint was before it failed. */
export function slowStart(state: ConcurrencyState, now: number): ConcurrencyState {
  return { ...state, limit: 1, threshold: Math.max(2, state.threshold), cutAt: now, latencies: [] };
}

function medianOf(latencies: readonly number[]): number | undefined {
  if (latencies.length < MIN_LATENCY_SAMPLES) return undefined;
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * What an attempt's result says about the receiver's capacity: a 429, a 503 with Retry-After (RFC
 * 9110 §15.6.4: the server is overloaded and says for how long) and a timeout say "less"; a success
 * says "this much works" (and may still be too slow); anything else is the circuit breaker's concern.
 */
export function receiverSignal(result: AttemptResult, startedAt: number, latencyMs: number): ReceiverSignal {
  const endedAt = startedAt + latencyMs;
  if (result.kind === 'error')
    return result.error === 'timeout' ? { kind: 'overload', startedAt, endedAt } : { kind: 'other' };
  if (result.status >= 200 && result.status <= 299) return { kind: 'success', startedAt, endedAt };
  if (result.status === 429 || (result.status === 503 && result.retryAfterMs !== undefined))
    return { kind: 'overload', startedAt, endedAt };
  return { kind: 'other' };
}
