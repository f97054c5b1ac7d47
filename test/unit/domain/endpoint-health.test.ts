import { describe, expect, it } from 'vitest';
import type { AttemptOutcome } from '../../../src/domain/attempt-outcome.js';
import {
  failureRate,
  foldAttempt,
  latencyPercentile,
  type AttemptEvent,
  type EndpointHealth,
} from '../../../src/domain/health/endpoint-health.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function event(at: number, outcome: AttemptOutcome, extra: Partial<AttemptEvent> = {}): AttemptEvent {
  return {
    endpointId: 'ep',
    eventTime: T0 + at,
    outcome,
    status: outcome === 'success' ? 200 : 503,
    errorClass: outcome === 'success' ? null : 'http_503',
    latencyMs: 40,
    disablesEndpoint: false,
    ...extra,
  };
}

function foldAll(events: readonly AttemptEvent[], start?: EndpointHealth): EndpointHealth | undefined {
  return events.reduce<EndpointHealth | undefined>((h, e) => foldAttempt(h, e), start);
}

describe('endpoint health fold', () => {
  it('opens the circuit after 5 consecutive failures, half-opens after 30 s, closes on a good probe', () => {
    const failing = [0, 1, 2, 3, 4].map((s) => event(s * 1000, 'retryable'));
    const opened = foldAll(failing);
    expect(opened?.circuit).toBe('open');
    expect(opened?.consecutiveFailures).toBe(5);
    const probe = foldAttempt(opened, event(40_000, 'success'));
    expect(probe.circuit).toBe('closed');
    expect(probe.consecutiveFailures).toBe(0);
    expect(probe.failingSince).toBeNull();
  });

  it('does not reopen on the successes that follow a good probe', () => {
    const opened = foldAll([0, 1, 2, 3, 4].map((s) => event(s * 1000, 'retryable')));
    const recovered = foldAll(
      [40, 41, 42, 43, 44, 45].map((s) => event(s * 1000, 'success')),
      opened,
    );
    expect(recovered?.circuit).toBe('closed');
  });

  it('reopens on a failed probe', () => {
    const opened = foldAll([0, 1, 2, 3, 4].map((s) => event(s * 1000, 'retryable')));
    const probe = foldAttempt(opened, event(40_000, 'retryable'));
    expect(probe.circuit).toBe('open');
    expect(probe.circuitChangedAt).toBe(T0 + 40_000);
  });

  it('opens on the failure that makes 50 % of at least 10 attempts within 60 s', () => {
    const mixed = Array.from({ length: 10 }, (_, i) =>
      event(i * 1000, i % 2 === 1 ? 'retryable' : 'success'),
    );
    expect(foldAll(mixed)?.circuit).toBe('open');
    const spread = Array.from({ length: 10 }, (_, i) =>
      event(i * 61_000, i % 2 === 1 ? 'retryable' : 'success'),
    );
    expect(foldAll(spread)?.circuit).toBe('closed');
  });

  it('disables at once on 410, and on 404 when the attempt says so', () => {
    expect(
      foldAttempt(undefined, event(0, 'permanent', { status: 410, disablesEndpoint: true })).disabled,
    ).toEqual({ reason: 'gone', at: T0 });
    expect(
      foldAttempt(undefined, event(0, 'permanent', { status: 404, disablesEndpoint: true })).disabled,
    ).toEqual({
      reason: 'not_found',
      at: T0,
    });
    expect(foldAttempt(undefined, event(0, 'permanent', { status: 404 })).disabled).toBeNull();
  });

  it('disables after a whole day of nothing but failures, and after failing for 5 days', () => {
    const day = Array.from({ length: 30 }, (_, i) => event(i * 3_600_000, 'retryable'));
    expect(foldAll(day)?.disabled?.reason).toBe('always_failing');
    const withSuccesses = Array.from({ length: 150 }, (_, i) =>
      event(i * 3_600_000, i % 20 === 0 ? 'success' : 'retryable'),
    );
    expect(foldAll(withSuccesses)?.disabled).toBeNull();
    // Too few attempts a day for the 24 h rule, but no success for more than 5 days.
    const sparse = Array.from({ length: 25 }, (_, i) => event(i * 6 * 3_600_000, 'retryable'));
    expect(foldAll(sparse)?.disabled?.reason).toBe('failing_too_long');
  });

  it('reports failure rates and latency percentiles', () => {
    const health = foldAll([
      event(0, 'success', { latencyMs: 20 }),
      event(1000, 'retryable', { latencyMs: 900 }),
    ]);
    expect(health && failureRate(health, 300_000)).toBe(0.5);
    expect(health && latencyPercentile(health, 0.5)).toBe(25);
    expect(health && latencyPercentile(health, 0.95)).toBe(1000);
  });

  it('does not count skips as attempts', () => {
    const health = foldAll([event(0, 'skipped'), event(1, 'skipped')]);
    expect(health?.minutes).toHaveLength(0);
    expect(health?.consecutiveFailures).toBe(0);
  });

  it('re-enabling clears a disable and watches the endpoint afresh, so old failures do not disable it again', () => {
    const day = Array.from({ length: 30 }, (_, i) => event(i * 3_600_000, 'retryable'));
    const disabled = foldAll(day);
    expect(disabled?.disabled?.reason).toBe('always_failing');
    const enabledAt = 30 * 3_600_000;
    const enabled = foldAttempt(disabled, event(enabledAt, 'skipped', { operatorAction: 'enable' }));
    expect(enabled.disabled).toBeNull();
    expect(enabled.enabledAt).toBe(T0 + enabledAt);
    expect(enabled.circuit).toBe('closed');
    expect(enabled.consecutiveFailures).toBe(0);
    // One more failure an hour later: the 24 h rule needs a whole day watched since the enable.
    const after = foldAttempt(enabled, event(enabledAt + 3_600_000, 'retryable'));
    expect(after.disabled).toBeNull();
    const dayLater = Array.from({ length: 25 }, (_, i) =>
      event(enabledAt + (i + 1) * 3_600_000, 'retryable'),
    ).reduce((h, e) => foldAttempt(h, e), enabled);
    expect(dayLater.disabled?.reason).toBe('always_failing');
  });

  it('folds a manual disable and a circuit reset', () => {
    const opened = foldAll([0, 1, 2, 3, 4].map((s) => event(s * 1000, 'retryable')));
    expect(opened?.circuit).toBe('open');
    const reset = foldAttempt(opened, event(5_000, 'skipped', { operatorAction: 'reset_circuit' }));
    expect(reset.circuit).toBe('closed');
    expect(reset.circuitChangedAt).toBe(T0 + 5_000);
    expect(reset.consecutiveFailures).toBe(0);
    // The failures that opened it are gone from the breaker window: one more does not re-trip it.
    expect(foldAttempt(reset, event(6_000, 'retryable')).circuit).toBe('closed');
    const off = foldAttempt(reset, event(7_000, 'skipped', { operatorAction: 'disable' }));
    expect(off.disabled).toEqual({ reason: 'manual', at: T0 + 7_000 });
    // A manual disable stays until an operator enables the endpoint, whatever attempts say.
    expect(foldAttempt(off, event(8_000, 'success')).disabled?.reason).toBe('manual');
  });
});
