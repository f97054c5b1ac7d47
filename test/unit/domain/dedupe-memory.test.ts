import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DedupeMemory } from '../../../src/domain/dedupe-memory.js';

const HOUR = 3_600_000;

describe('DedupeMemory', () => {
  it('calls a second record with an accepted id a duplicate, and the same record read again not', () => {
    const memory = new DedupeMemory(24 * HOUR);
    expect(memory.judge('a', 10, 0).verdict).toBe('new');
    memory.remember('a', { offset: 10, at: 0 });
    expect(memory.judge('a', 10, HOUR).verdict).toBe('same-record');
    expect(memory.judge('a', 11, HOUR)).toEqual({ verdict: 'duplicate', accepted: { offset: 10, at: 0 } });
  });

  it('forgets ids older than the window, and keeps the first acceptance', () => {
    const memory = new DedupeMemory(HOUR);
    memory.remember('a', { offset: 1, at: 0 });
    memory.remember('a', { offset: 5, at: 10 });
    expect(memory.judge('a', 9, 100).accepted).toEqual({ offset: 1, at: 0 });
    expect(memory.judge('a', 9, HOUR + 1).verdict).toBe('new');
    expect(memory.size).toBe(0);
  });

  it('judges like a plain list of acceptances, however records arrive (properties)', () => {
    const events = fc.array(
      fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), offset: fc.nat(50), step: fc.nat(HOUR) }),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(events, fc.integer({ min: 1, max: 3 * HOUR }), (list, windowMs) => {
        const memory = new DedupeMemory(windowMs);
        const model: { id: string; offset: number; at: number }[] = [];
        let now = 0;
        for (const { id, offset, step } of list) {
          now += step;
          const first = model.find((m) => m.id === id && m.at >= now - windowMs);
          const expected =
            first === undefined ? 'new' : first.offset === offset ? 'same-record' : 'duplicate';
          expect(memory.judge(id, offset, now).verdict).toBe(expected);
          if (expected === 'new') {
            memory.remember(id, { offset, at: now });
            model.push({ id, offset, at: now });
          }
        }
        // Never more ids than were accepted within the window.
        expect(memory.size).toBeLessThanOrEqual(
          new Set(model.filter((m) => m.at >= now - windowMs).map((m) => m.id)).size,
        );
      }),
    );
  });
});
