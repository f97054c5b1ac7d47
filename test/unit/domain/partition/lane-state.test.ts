import { describe, expect, it } from 'vitest';
import {
  IllegalLaneMove,
  LANE_STATES,
  LANE_TRANSITIONS,
  isLive,
  moveLane,
  reopenDelayMs,
} from '../../../../src/domain/partition/lane-state.js';

describe('lane state table', () => {
  // Every pair of states, checked against the table written out here by hand: a change to the
  // table has to change this list too, on purpose.
  const allowed = new Set([
    'opening>opening',
    'opening>active',
    'opening>draining',
    'opening>closed',
    'active>paused',
    'active>opening',
    'active>draining',
    'active>closed',
    'paused>active',
    'paused>opening',
    'paused>draining',
    'paused>closed',
    'draining>closed',
    'closed>opening',
  ]);

  for (const from of LANE_STATES) {
    for (const to of LANE_STATES) {
      const legal = allowed.has(`${from}>${to}`);
      it(`${from} → ${to} is ${legal ? 'allowed' : 'refused'}`, () => {
        if (legal) expect(moveLane(from, to)).toBe(to);
        else expect(() => moveLane(from, to)).toThrow(IllegalLaneMove);
      });
    }
  }

  it('lists exactly the moves above', () => {
    const listed = LANE_STATES.flatMap((from) => LANE_TRANSITIONS[from].map((to) => `${from}>${to}`));
    expect(new Set(listed)).toEqual(allowed);
  });

  it('a draining lane can only close: shutdown never reopens a producer', () => {
    expect(LANE_TRANSITIONS.draining).toEqual(['closed']);
  });

  it('only active and paused lanes take and commit records', () => {
    expect(LANE_STATES.filter(isLive)).toEqual(['active', 'paused']);
  });
});

describe('reopen backoff', () => {
  it('doubles from 500 ms and stops at 15 s, so a wedged lane costs a few attempts a minute', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => reopenDelayMs(n))).toEqual([
      0, 500, 1000, 2000, 4000, 8000, 15_000, 15_000,
    ]);
    expect(reopenDelayMs(10_000)).toBe(15_000);
  });

  it('opens at most 8 times in the first minute of failures', () => {
    let elapsed = 0;
    let attempts = 0;
    for (let failures = 1; elapsed < 60_000; failures++) {
      elapsed += reopenDelayMs(failures);
      if (elapsed < 60_000) attempts++;
    }
    expect(attempts).toBeLessThanOrEqual(8);
  });
});
