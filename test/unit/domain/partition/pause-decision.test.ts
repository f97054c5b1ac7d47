import { describe, expect, it } from 'vitest';
import { shouldPause, type PauseInputs } from '../../../../src/domain/partition/pause-decision.js';

const NOW = 1_000_000;
const flowing: PauseInputs = {
  queued: 10,
  pending: 0,
  lookahead: 100,
  earliestDue: NOW,
  frontierScheduledAt: NOW - 5_000,
  minDelayMs: 0,
  decodeBlockedUntil: 0,
  nextTake: 50,
  windowEnd: 2_000,
  now: NOW,
};

describe('shouldPause', () => {
  it('keeps fetching while there is room and work is due', () => {
    expect(shouldPause(flowing)).toBe(false);
    expect(shouldPause({ ...flowing, queued: 0, earliestDue: undefined })).toBe(false);
  });

  it('pauses when the look-ahead is full', () => {
    expect(shouldPause({ ...flowing, queued: 100 })).toBe(true);
    expect(shouldPause({ ...flowing, queued: 99 })).toBe(false);
  });

  it('pauses when finished records pile up waiting for a commit (broker slow or away)', () => {
    expect(shouldPause({ ...flowing, pending: 200 })).toBe(true);
    expect(shouldPause({ ...flowing, pending: 199 })).toBe(false);
  });

  it('pauses when the next record lies beyond the window a commit can encode', () => {
    expect(shouldPause({ ...flowing, nextTake: 2_000 })).toBe(true);
    expect(shouldPause({ ...flowing, nextTake: 1_999 })).toBe(false);
  });

  it('pauses while decoding waits for the registry, and resumes once the wait is over', () => {
    expect(shouldPause({ ...flowing, decodeBlockedUntil: NOW + 1 })).toBe(true);
    expect(shouldPause({ ...flowing, decodeBlockedUntil: NOW })).toBe(false);
  });

  it('pauses a tier when nothing unfetched can be due before the earliest queued record', () => {
    const tier = { ...flowing, minDelayMs: 60_000, earliestDue: NOW + 30_000 };
    // Fetched up to records scheduled at NOW - 5 s: the next one is due no sooner than NOW + 55 s.
    expect(shouldPause(tier)).toBe(true);
    // Fetched up to records scheduled at NOW - 40 s: the next may be due at NOW + 20 s, earlier.
    expect(shouldPause({ ...tier, frontierScheduledAt: NOW - 40_000 })).toBe(false);
  });

  it('does not wait when the earliest queued record is already due', () => {
    expect(shouldPause({ ...flowing, minDelayMs: 60_000, earliestDue: NOW, frontierScheduledAt: NOW })).toBe(
      false,
    );
  });
});
