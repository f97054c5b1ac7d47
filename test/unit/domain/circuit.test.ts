import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CIRCUIT_EVENTS,
  CIRCUIT_STATES,
  canTransition,
  transition,
  type CircuitState,
} from '../../../src/domain/health/circuit.js';
import { InvariantError } from '../../../src/domain/invariant.js';

describe('circuit breaker transitions', () => {
  it.each([
    ['closed', 'trip', 'open'],
    ['open', 'probe_window', 'half_open'],
    ['half_open', 'probe_succeeded', 'closed'],
    ['half_open', 'probe_failed', 'open'],
    ['open', 'reset', 'closed'],
    ['half_open', 'reset', 'closed'],
    ['closed', 'reset', 'closed'],
  ] as const)('%s --%s--> %s', (from, event, to) => {
    expect(transition(from, event)).toBe(to);
  });

  it('throws an invariant error on every move the table does not have', () => {
    const illegal = CIRCUIT_STATES.flatMap((s) =>
      CIRCUIT_EVENTS.filter((e) => !canTransition(s, e)).map((e) => [s, e] as const),
    );
    expect(illegal).toContainEqual(['closed', 'probe_window']);
    expect(illegal).toContainEqual(['open', 'trip']);
    for (const [state, event] of illegal) expect(() => transition(state, event)).toThrow(InvariantError);
  });

  it('never reaches an illegal state from any sequence of legal events', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...CIRCUIT_EVENTS), { maxLength: 50 }), (events) => {
        let state: CircuitState = 'closed';
        for (const event of events) if (canTransition(state, event)) state = transition(state, event);
        expect(CIRCUIT_STATES).toContain(state);
      }),
    );
  });
});
