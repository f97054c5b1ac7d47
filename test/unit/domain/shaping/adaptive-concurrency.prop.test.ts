import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowed,
  DEFAULT_CONCURRENCY_SETTINGS,
  initialConcurrency,
  onSignal,
  receiverSignal,
  slowStart,
  type ConcurrencyState,
} from '../../../../src/domain/shaping/adaptive-concurrency.js';

const settings = { ...DEFAULT_CONCURRENCY_SETTINGS, max: 16 };
/** A limit grown to the maximum. */
const atMax = (): ConcurrencyState => ({ ...initialConcurrency(settings), limit: settings.max });

/**
 * A receiver that answers 429 to any request arriving while `capacity` are already in flight, driven
 * by the controller with a backlog that never empties: requests start up to the allowed limit, each
 * takes `latency` ms. Returns the allowed limit after every completion.
 */
function simulate(capacity: number, steps: number, latency: number, start = initialConcurrency(settings)) {
  let state: ConcurrencyState = start;
  let now = 0;
  const inFlight: { startedAt: number; rejected: boolean }[] = [];
  const limits: number[] = [];
  for (let i = 0; i < steps; i++) {
    while (inFlight.length < allowed(state))
      inFlight.push({ startedAt: now, rejected: inFlight.length >= capacity });
    now += latency / Math.max(1, inFlight.length);
    const done = inFlight.shift();
    if (done === undefined) break;
    state = onSignal(
      state,
      done.rejected
        ? { kind: 'overload', startedAt: done.startedAt, endedAt: now }
        : { kind: 'success', startedAt: done.startedAt, endedAt: now },
      settings,
    );
    limits.push(allowed(state));
  }
  return limits;
}

describe('adaptive concurrency (AIMD)', () => {
  it('settles near a receiver that rejects above 5 in flight', () => {
    const limits = simulate(5, 2_000, 10).slice(1_000);
    const mean = limits.reduce((a, b) => a + b, 0) / limits.length;
    expect(mean).toBeGreaterThanOrEqual(3.5);
    expect(mean).toBeLessThanOrEqual(6);
    expect(Math.max(...limits)).toBeLessThanOrEqual(7);
  });

  it('stays within 1…max whatever the signals (properties)', () => {
    const signalArb = fc.oneof(
      fc.record({ kind: fc.constant('success' as const), startedAt: fc.nat(1e6), latency: fc.nat(10_000) }),
      fc.record({ kind: fc.constant('overload' as const), startedAt: fc.nat(1e6), latency: fc.nat(10_000) }),
      fc.constant({ kind: 'other' as const }),
    );
    fc.assert(
      fc.property(fc.array(signalArb, { maxLength: 300 }), (signals) => {
        let state = initialConcurrency(settings);
        for (const s of signals) {
          state = onSignal(
            state,
            s.kind === 'other'
              ? s
              : { kind: s.kind, startedAt: s.startedAt, endedAt: s.startedAt + s.latency },
            settings,
          );
          expect(allowed(state)).toBeGreaterThanOrEqual(1);
          expect(allowed(state)).toBeLessThanOrEqual(settings.max);
        }
      }),
    );
  });

  it('starts a new endpoint at 1', () => {
    expect(allowed(initialConcurrency(settings))).toBe(1);
  });

  it('cuts once per burst: overloads of requests started before the cut do not cut again', () => {
    let state = atMax();
    state = onSignal(state, { kind: 'overload', startedAt: 0, endedAt: 100 }, settings);
    expect(allowed(state)).toBe(11);
    for (let i = 0; i < 10; i++)
      state = onSignal(state, { kind: 'overload', startedAt: 50, endedAt: 120 }, settings);
    expect(allowed(state)).toBe(11);
    state = onSignal(state, { kind: 'overload', startedAt: 150, endedAt: 200 }, settings);
    expect(allowed(state)).toBe(7);
  });

  it('cuts on a success far slower than the recent median', () => {
    let state = atMax();
    for (let i = 0; i < 20; i++)
      state = onSignal(state, { kind: 'success', startedAt: i * 10, endedAt: i * 10 + 20 }, settings);
    expect(allowed(state)).toBe(16);
    state = onSignal(state, { kind: 'success', startedAt: 1000, endedAt: 1500 }, settings);
    expect(allowed(state)).toBe(11);
  });

  it('does not grow on successes of requests that did not fill the limit (an endpoint without enough work)', () => {
    let state = slowStart(initialConcurrency(settings), 0);
    for (let i = 0; i < 50; i++)
      state = onSignal(state, { kind: 'success', startedAt: i, endedAt: i + 5, saturated: false }, settings);
    expect(allowed(state)).toBe(1);
  });

  it('slow start: from 1, doubling per window of successes, up to where it was', () => {
    const recovered = slowStart(atMax(), 0);
    expect(allowed(recovered)).toBe(1);
    const limits = simulate(1_000, 40, 10, recovered);
    expect(limits.slice(0, 4)).toEqual([2, 3, 4, 5]);
    expect(limits.at(-1)).toBe(16);
    // Grows with successes, never jumps: each step adds at most one.
    for (let i = 1; i < limits.length; i++)
      expect((limits[i] ?? 0) - (limits[i - 1] ?? 0)).toBeLessThanOrEqual(1);
  });
});

describe('receiverSignal', () => {
  it('reads 429, 503 with Retry-After and timeouts as overload; other failures as neither', () => {
    expect(receiverSignal({ kind: 'response', status: 429 }, 0, 5).kind).toBe('overload');
    expect(receiverSignal({ kind: 'response', status: 503, retryAfterMs: 1000 }, 0, 5).kind).toBe('overload');
    expect(receiverSignal({ kind: 'response', status: 503 }, 0, 5).kind).toBe('other');
    expect(receiverSignal({ kind: 'response', status: 500 }, 0, 5).kind).toBe('other');
    expect(receiverSignal({ kind: 'error', error: 'timeout' }, 0, 5).kind).toBe('overload');
    expect(receiverSignal({ kind: 'error', error: 'connection_refused' }, 0, 5).kind).toBe('other');
    expect(receiverSignal({ kind: 'response', status: 204 }, 10, 5)).toEqual({
      kind: 'success',
      startedAt: 10,
      endedAt: 15,
    });
  });
});
