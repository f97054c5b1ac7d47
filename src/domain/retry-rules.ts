/**
 * Which HTTP statuses retry, which are permanent, and the shortest wait before a retry: the retry
 * rules as data. They come in layers, each field of a later layer winning when set: the engine's
 * configuration (KRETRY_RETRY_ON, KRETRY_PERMANENT_ON, KRETRY_MIN_RETRY_DELAY), the run-time
 * default an operator sets through `PUT /policy`, then the endpoint's own.
 */
export interface RetryRules {
  /** Status patterns that retry: a code (`409`) or a class (`5xx`). */
  readonly retryOn: readonly string[];
  /** Status patterns that dead-letter at once as permanent_failure. */
  readonly permanentOn: readonly string[];
  /** No retry falls due sooner than this after its attempt, jitter included. */
  readonly minDelayMs: number;
}

/** One layer: null keeps the layer below. */
export interface RetryRulesOverride {
  readonly retryOn: readonly string[] | null;
  readonly permanentOn: readonly string[] | null;
  readonly minDelayMs: number | null;
}

/** 408 Request Timeout and 429 Too Many Requests are the 4xx that say "later" rather than "never". */
export const DEFAULT_RETRY_RULES: RetryRules = {
  retryOn: ['408', '429', '5xx'],
  permanentOn: [],
  minDelayMs: 0,
};

/** A status code or class a rule may name; 2xx is success and cannot be made a failure. */
export const STATUS_PATTERN = /^(?:[13-5]xx|[13-5]\d\d)$/;

export function layerRules(
  base: RetryRules,
  ...layers: (RetryRulesOverride | null | undefined)[]
): RetryRules {
  let rules = base;
  for (const layer of layers) {
    if (layer === null || layer === undefined) continue;
    rules = {
      retryOn: layer.retryOn ?? rules.retryOn,
      permanentOn: layer.permanentOn ?? rules.permanentOn,
      minDelayMs: layer.minDelayMs ?? rules.minDelayMs,
    };
  }
  return rules;
}

/**
 * What a list pair says that cannot be meant: a pattern that is not a status, or the same pattern
 * both retrying and permanent. A code and its class in different lists is fine: the code wins.
 */
export function rulesProblem(retryOn: readonly string[], permanentOn: readonly string[]): string | undefined {
  const bad = [...retryOn, ...permanentOn].find((p) => !STATUS_PATTERN.test(p));
  if (bad !== undefined)
    return `"${bad}" is not a status code or class (e.g. 409, 5xx; 2xx is always success)`;
  const both = retryOn.find((p) => permanentOn.includes(p));
  if (both !== undefined) return `"${both}" is both in retryOn and in permanentOn`;
  return undefined;
}

/**
 * The verdict on a failing status (anything but 2xx). The most specific rule wins: a code named in
 * either list, then its class; a status no rule names is permanent, except a 1xx as a final
 * answer, a broken peer treated like a 5xx.
 */
export function statusVerdict(rules: RetryRules, status: number): 'retryable' | 'permanent' {
  const code = String(status);
  if (rules.permanentOn.includes(code)) return 'permanent';
  if (rules.retryOn.includes(code)) return 'retryable';
  const family = `${code[0] ?? ''}xx`;
  if (rules.permanentOn.includes(family)) return 'permanent';
  if (rules.retryOn.includes(family)) return 'retryable';
  return status < 200 ? 'retryable' : 'permanent';
}
