import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RECORD_OVERHEAD_BYTES,
  maxWindowSpan,
  sendBudgetBytes,
  splitBySize,
} from '../../../../src/domain/partition/commit-budget.js';
import { OffsetLedger } from '../../../../src/domain/partition/offset-ledger.js';
import { emptyWindow, encodeWindow } from '../../../../src/domain/offset-window.js';

/** The tier look-ahead's bounds in the config schema (KRETRY_TIER_LOOKAHEAD). */
const LOOKAHEAD_MAX = 2000;

describe('commit budget', () => {
  it('every offset commit fits offset.metadata.max.bytes, for any finishing order and look-ahead', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(4096, 1024, 512, 16_384),
        fc.integer({ min: 1, max: LOOKAHEAD_MAX }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3000 }),
        fc.infiniteStream(fc.nat()),
        (metadataLimit, lookahead, steps, picks) => {
          const ledger = new OffsetLedger(emptyWindow(0), maxWindowSpan(metadataLimit));
          const random = picks[Symbol.iterator]();
          const inFlight: number[] = [];
          let offset = 0;
          let step = 0;
          let largest = 0;
          const commit = (): void => {
            const { offsets, window } = ledger.nextCommit();
            const metadata = encodeWindow(window);
            largest = Math.max(largest, Buffer.byteLength(metadata));
            expect(Buffer.byteLength(metadata)).toBeLessThanOrEqual(metadataLimit);
            ledger.committedThrough(window, offsets.length);
          };
          while (step < steps.length || inFlight.length > 0) {
            // Take as the processor does: while the look-ahead has room and the next record is
            // inside the window; otherwise finish something (in any order) and maybe commit.
            const next = offset + (steps[step] ?? 0);
            if (
              step < steps.length &&
              inFlight.length < lookahead &&
              ledger.classify(next) === 'new' &&
              (inFlight.length === 0 || random.next().value % 4 !== 0)
            ) {
              ledger.admit(next);
              inFlight.push(next);
              offset = next;
              step++;
              continue;
            }
            if (inFlight.length === 0) break; // only reachable if the window stopped everything
            const [done] = inFlight.splice(random.next().value % inFlight.length, 1);
            ledger.finish(done as number);
            if (random.next().value % 5 === 0) commit();
          }
          commit();
          expect(step).toBe(steps.length); // the window never wedged the lane
          expect(ledger.committed).toEqual({ commitPoint: offset + 1, finishedAbove: [] });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("Kafka's default 4 KiB metadata limit allows a window of 2,014 offsets, beyond the largest look-ahead", () => {
    expect(maxWindowSpan(4096)).toBe(2014);
    expect(maxWindowSpan(4096)).toBeGreaterThan(LOOKAHEAD_MAX);
  });

  it('every send fits max.message.bytes, for any mix of record sizes up to the largest record allowed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 64 * 1024, max: 8 * 1024 * 1024 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 400 }),
        (maxMessageBytes, fractions) => {
          const budget = sendBudgetBytes(maxMessageBytes);
          // Any record size up to the budget (the engine refuses to start when its largest
          // possible record does not fit the smallest max.message.bytes).
          const sizes = fractions.map((f) => Math.max(RECORD_OVERHEAD_BYTES, Math.floor(f * budget)));
          const groups = splitBySize(sizes, (s) => s, budget);
          expect(groups.flat()).toEqual(sizes); // nothing lost, nothing reordered
          for (const group of groups) {
            expect(group.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(budget);
          }
        },
      ),
    );
  });

  it('an item larger than the budget goes alone, never with others', () => {
    expect(splitBySize([10, 500, 10], (s) => s, 100)).toEqual([[10], [500], [10]]);
  });
});
