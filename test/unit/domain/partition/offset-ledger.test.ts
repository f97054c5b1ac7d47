import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetLedger } from '../../../../src/domain/partition/offset-ledger.js';
import { emptyWindow, finish } from '../../../../src/domain/offset-window.js';

function commit(ledger: OffsetLedger): void {
  const { offsets, window } = ledger.nextCommit();
  ledger.committedThrough(window, offsets.length);
}

describe('OffsetLedger', () => {
  it('counts the gaps a read_committed fetch skips (transaction markers) as finished', () => {
    const ledger = new OffsetLedger(emptyWindow(0), 100);
    expect(ledger.admit(0)).toBe('take');
    expect(ledger.admit(2)).toBe('take'); // 1 was a commit marker
    expect(ledger.admit(5)).toBe('take'); // 3 and 4 too
    ledger.finish(0);
    ledger.finish(2);
    ledger.finish(5);
    commit(ledger);
    expect(ledger.committed).toEqual({ commitPoint: 6, finishedAbove: [] });
  });

  it('finishing out of order commits the lowest unfinished offset and the finished ones above it', () => {
    const ledger = new OffsetLedger(emptyWindow(10), 100);
    for (const offset of [10, 11, 12, 13]) ledger.admit(offset);
    ledger.finish(12);
    ledger.finish(10);
    commit(ledger);
    expect(ledger.committed).toEqual({ commitPoint: 11, finishedAbove: [12] });
    ledger.finish(11);
    commit(ledger);
    expect(ledger.committed).toEqual({ commitPoint: 13, finishedAbove: [] });
  });

  it('leaves work that finishes during a commit for the next commit', () => {
    const ledger = new OffsetLedger(emptyWindow(0), 100);
    ledger.admit(0);
    ledger.admit(1);
    ledger.finish(1);
    const first = ledger.nextCommit();
    expect(first.offsets).toEqual([1]);
    ledger.finish(0); // while the transaction of `first` is in flight
    ledger.committedThrough(first.window, first.offsets.length);
    expect(ledger.uncommitted).toBe(1);
    expect(ledger.nextCommit().offsets).toEqual([0]);
    commit(ledger);
    expect(ledger.committed).toEqual({ commitPoint: 2, finishedAbove: [] });
  });

  it("skips what the previous owner's metadata lists as finished, without doing it again", () => {
    const ledger = new OffsetLedger({ commitPoint: 20, finishedAbove: [21, 23] }, 100);
    expect(ledger.admit(20)).toBe('take');
    expect(ledger.admit(21)).toBe('finished-before');
    expect(ledger.admit(22)).toBe('take');
    expect(ledger.admit(23)).toBe('finished-before');
    ledger.finish(22);
    ledger.finish(20);
    commit(ledger);
    expect(ledger.committed).toEqual({ commitPoint: 24, finishedAbove: [] });
  });

  it('classifies re-fetched records as seen and records past the encodable span as beyond', () => {
    const ledger = new OffsetLedger(emptyWindow(0), 4);
    ledger.admit(0);
    ledger.admit(1);
    expect(ledger.classify(1)).toBe('seen');
    expect(ledger.classify(3)).toBe('new');
    expect(ledger.classify(4)).toBe('beyond-window');
    ledger.finish(0);
    // The lowest unfinished offset moved to 1: the window slides with it.
    expect(ledger.windowEnd()).toBe(5);
  });

  it('agrees with offset-window.finish for any taking and finishing order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 60 }),
        fc.infiniteStream(fc.nat()),
        (steps, picks) => {
          const ledger = new OffsetLedger(emptyWindow(0), 1_000);
          const offsets: number[] = [];
          let offset = 0;
          for (const step of steps) {
            offset += step; // steps > 1 leave gaps
            offsets.push(offset);
            ledger.admit(offset);
          }
          const open = [...offsets];
          const iterator = picks[Symbol.iterator]();
          while (open.length > 0) {
            const [picked] = open.splice(iterator.next().value % open.length, 1);
            ledger.finish(picked as number);
            if (iterator.next().value % 3 === 0) commit(ledger);
          }
          commit(ledger);
          expect(ledger.committed).toEqual(finish(emptyWindow(0), range(0, offset + 1)));
        },
      ),
    );
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
