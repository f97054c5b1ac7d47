import { describe, expect, it } from 'vitest';
import { repeatable } from '../../../src/domain/retry-safety.js';

describe('repeatable (a retry after an ambiguous failure)', () => {
  it.each(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE', 'POST'])(
    'repeats %s: idempotent by RFC 9110, or POST with its stable webhook-id',
    (method) => {
      expect(repeatable(method, null, null)).toBe(true);
    },
  );

  it.each(['PATCH', 'LOCK', 'PROPPATCH', 'CONNECT'])('does not repeat %s without an opt-in', (method) => {
    expect(repeatable(method, null, null)).toBe(false);
  });

  it('lets the delivery or, when the delivery leaves it unset, its endpoint opt in', () => {
    expect(repeatable('PATCH', true, null)).toBe(true);
    expect(repeatable('PATCH', null, true)).toBe(true);
    expect(repeatable('PATCH', true, false)).toBe(true);
  });

  it("lets a delivery's false keep the rule where its endpoint opts in", () => {
    expect(repeatable('PATCH', false, true)).toBe(false);
    // An opt-out never stops a method that is safe to repeat anyway.
    expect(repeatable('POST', false, false)).toBe(true);
  });

  it('reads the method case-insensitively', () => {
    expect(repeatable('patch', null, null)).toBe(false);
    expect(repeatable('put', null, null)).toBe(true);
  });
});
