import { describe, expect, it } from 'vitest';
import { ATTEMPT_ERRORS, classify, type Outcome } from '../../../src/domain/classify.js';

const opts = { disableOn404: false };

function expected(status: number): Outcome['kind'] {
  if (status >= 200 && status < 300) return 'success';
  if (status >= 500 || status < 200 || status === 408 || status === 429) return 'retryable';
  return 'permanent';
}

describe('classify', () => {
  it('classifies every status from 100 to 599 by the table', () => {
    for (let status = 100; status <= 599; status++) {
      const outcome = classify({ kind: 'response', status }, opts);
      expect(outcome.kind, `status ${status}`).toBe(expected(status));
      if (outcome.kind !== 'success') expect(outcome.errorClass).toBe(`http_${status}`);
      if (outcome.kind === 'permanent') {
        expect(outcome.reason).toBe('permanent_failure');
        expect(outcome.disablesEndpoint, `status ${status}`).toBe(status === 410);
      }
    }
  });

  it('disables on 404 only under the policy flag', () => {
    expect(classify({ kind: 'response', status: 404 }, { disableOn404: true })).toMatchObject({
      kind: 'permanent',
      disablesEndpoint: true,
    });
    expect(classify({ kind: 'response', status: 404 }, opts)).toMatchObject({
      kind: 'permanent',
      disablesEndpoint: false,
    });
  });

  it('carries Retry-After on retryable responses', () => {
    expect(classify({ kind: 'response', status: 429, retryAfterMs: 5000 }, opts)).toEqual({
      kind: 'retryable',
      errorClass: 'http_429',
      retryAfterMs: 5000,
      ambiguous: false,
    });
  });

  it.each([
    ['connection_refused', 'unsent'],
    ['connection_reset', 'ambiguous'],
    ['dns_failure', 'unsent'],
    ['tls_failure', 'unsent'],
    ['connect_timeout', 'unsent'],
    ['timeout', 'ambiguous'],
    ['network', 'ambiguous'],
    ['invalid_url', 'permanent_failure'],
    ['invalid_request', 'permanent_failure'],
    ['body_too_large', 'permanent_failure'],
    ['target_forbidden', 'target_forbidden'],
  ] as const)('classifies %s as %s', (error, verdict) => {
    const outcome = classify({ kind: 'error', error }, opts);
    if (verdict === 'unsent' || verdict === 'ambiguous')
      expect(outcome).toEqual({
        kind: 'retryable',
        errorClass: error,
        retryAfterMs: undefined,
        ambiguous: verdict === 'ambiguous',
      });
    else
      expect(outcome).toEqual({
        kind: 'permanent',
        errorClass: error,
        reason: verdict,
        disablesEndpoint: false,
      });
  });

  it('never calls an answer ambiguous', () => {
    for (const status of [100, 408, 429, 500, 503]) {
      expect(classify({ kind: 'response', status }, opts)).toMatchObject({
        kind: 'retryable',
        ambiguous: false,
      });
    }
  });

  it('has a row for every error kind', () => {
    expect(ATTEMPT_ERRORS).toHaveLength(11);
  });
});
