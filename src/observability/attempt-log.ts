import type { AttemptOutcome } from '../domain/attempt-outcome.js';
import type { DeadLetterReason } from '../domain/route.js';
import type { Logger } from './logger.js';

/** What became of a delivery after one attempt (or skip), once that step committed. */
export type NextStep =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'scheduled'; readonly tier: string; readonly dueAt: number }
  | { readonly kind: 'dead'; readonly reason: DeadLetterReason };

/**
 * One attempt as the log tells it. Only these fields are logged: never the URL (query strings
 * carry tokens), the headers (Authorization, signatures) or a request or response body.
 */
export interface AttemptLine {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly attempt: number;
  /** The tier the attempt was made from (`ingest` for the first). */
  readonly tier: string;
  readonly status: number | null;
  readonly errorClass: string | null;
  readonly latencyMs: number | null;
  readonly outcome: AttemptOutcome;
  readonly next: NextStep;
}

export type AttemptLog = (line: AttemptLine) => void;

/**
 * One `info` line per attempt, e.g. `{"msg":"attempt","deliveryId":"msg_1","attempt":2,
 * "tier":"retry-2m","status":503,"outcome":"retryable","next":"scheduled retry-4m due 2026-…Z",
 * "nextTier":"retry-4m","dueAt":"2026-…Z"}`. `next` reads at a glance; `nextTier`, `dueAt` and
 * `reason` are there to filter on.
 */
export function attemptLog(logger: Logger): AttemptLog {
  const log = logger.child({ component: 'attempts' });
  return (line) => {
    const { next, ...fields } = line;
    log.info({ ...fields, ...nextFields(next) }, 'attempt');
  };
}

function nextFields(next: NextStep): Record<string, string> {
  switch (next.kind) {
    case 'delivered':
      return { next: 'delivered' };
    case 'scheduled': {
      const dueAt = new Date(next.dueAt).toISOString();
      return { next: `scheduled ${next.tier} due ${dueAt}`, nextTier: next.tier, dueAt };
    }
    case 'dead':
      return { next: `dead ${next.reason}`, reason: next.reason };
  }
}
