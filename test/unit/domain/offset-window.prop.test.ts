import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeWindow, emptyWindow, encodeWindow, finish } from '../../../src/domain/offset-window.js';
import { DueQueue } from '../../../src/domain/due-queue.js';

describe('offset window', () => {
  it('moves the commit point over finished runs', () => {
    expect(finish(emptyWindow(100), [101, 102])).toEqual({ commitPoint: 100, finishedAbove: [101, 102] });
    expect(finish(finish(emptyWindow(100), [101, 102]), [100])).toEqual({
      commitPoint: 103,
      finishedAbove: [],
    });
  });

  it('encodes compactly', () => {
    expect(encodeWindow({ commitPoint: 100, finishedAbove: [102, 103, 107] })).toBe('k1:1.2.3.1');
    expect(encodeWindow(emptyWindow(5))).toBe('');
  });

  it('round-trips any finishing order through the metadata', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e12 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 600 })),
        (base, finished) => {
          const window = finish(
            emptyWindow(base),
            finished.map((d) => base + d),
          );
          const encoded = encodeWindow(window);
          expect(decodeWindow(window.commitPoint, encoded)).toEqual(window);
          // The worst case for a 500-record window stays well under Kafka's 4 KiB metadata limit.
          expect(encoded.length).toBeLessThan(4096);
        },
      ),
    );
  });

  it('ignores metadata it cannot read', () => {
    expect(decodeWindow(7, 'something else')).toEqual(emptyWindow(7));
    expect(decodeWindow(7, null)).toEqual(emptyWindow(7));
  });
});

describe('due queue', () => {
  it('hands out records in due order, whatever the arrival order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 })), (dues) => {
        const queue = new DueQueue<{ dueAt: number; offset: number }>();
        dues.forEach((dueAt, offset) => queue.add({ dueAt, offset }));
        const out: number[] = [];
        for (let item = queue.takeDue(Infinity); item !== undefined; item = queue.takeDue(Infinity))
          out.push(item.dueAt);
        expect(out).toEqual([...dues].sort((a, b) => a - b));
      }),
    );
  });

  it('holds back what is not yet due', () => {
    const queue = new DueQueue<{ dueAt: number; offset: number }>();
    queue.add({ dueAt: 50, offset: 1 });
    expect(queue.takeDue(49)).toBeUndefined();
    expect(queue.earliestDue()).toBe(50);
    expect(queue.takeDue(50)).toEqual({ dueAt: 50, offset: 1 });
  });
});
