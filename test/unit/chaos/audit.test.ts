import { describe, expect, it } from 'vitest';
import { audit, violatesInvariants, type AuditInput } from '../../../chaos/audit.js';

const base: AuditInput = {
  scenario: 'unit',
  deliveryIds: ['a', 'b', 'c', 'd'],
  attempts: [],
  deadLetters: [],
  scheduled: [],
  httpRequests: 0,
  stuckOnSigterm: 0,
  nonZeroExit: 0,
  durationMs: 1,
  faults: 0,
  auditComplete: true,
};

describe('chaos audit', () => {
  it('counts delivered, dead-lettered and lost deliveries of the run only', () => {
    const summary = audit({
      ...base,
      attempts: [
        { deliveryId: 'a', attempt: 1, outcome: 'retryable' },
        { deliveryId: 'a', attempt: 2, outcome: 'success' },
        { deliveryId: 'other-run', attempt: 1, outcome: 'success' },
      ],
      deadLetters: [
        { deliveryId: 'b', reason: 'exhausted' },
        { deliveryId: undefined, reason: 'invalid_record' },
      ],
      httpRequests: 4,
    });
    expect(summary).toMatchObject({
      deliveries: 4,
      delivered: 1,
      deadLettered: 1,
      lost: 2,
      deadLetteredTwice: 0,
      invalidRecordDeadLetters: 1,
      // 3 recorded HTTP attempts (one of another run's id still reached the receiver).
      extraHttpRequests: 1,
    });
    expect(violatesInvariants(summary)).toBe(true);
  });

  it('counts a delivery dead-lettered twice once, and one that both succeeded and dead-lettered', () => {
    const summary = audit({
      ...base,
      deliveryIds: ['a'],
      attempts: [{ deliveryId: 'a', attempt: 1, outcome: 'success' }],
      deadLetters: [
        { deliveryId: 'a', reason: 'exhausted' },
        { deliveryId: 'a', reason: 'exhausted' },
        { deliveryId: 'a', reason: 'exhausted' },
      ],
    });
    expect(summary.deadLetteredTwice).toBe(1);
    expect(summary.deliveredAndDeadLettered).toBe(1);
    expect(summary.lost).toBe(0);
  });

  it('keys scheduled attempts by delivery, attempt and tier step (a skip reuses the attempt number)', () => {
    const summary = audit({
      ...base,
      deliveryIds: ['a'],
      attempts: [
        { deliveryId: 'a', attempt: 2, outcome: 'skipped' },
        { deliveryId: 'a', attempt: 2, outcome: 'success' },
      ],
      scheduled: [
        { deliveryId: 'a', attempt: 2, tierIndex: 0 },
        { deliveryId: 'a', attempt: 2, tierIndex: 1 },
        { deliveryId: 'a', attempt: 3, tierIndex: 2 },
        { deliveryId: 'a', attempt: 3, tierIndex: 2 },
      ],
      httpRequests: 1,
    });
    expect(summary.scheduledTwice).toBe(1);
    expect(summary.extraHttpRequests).toBe(0);
  });

  it('does not count a skip at the last tier, which repeats attempt and tier with one more outcome', () => {
    const summary = audit({
      ...base,
      deliveryIds: ['a'],
      scheduled: [
        { deliveryId: 'a', attempt: 3, tierIndex: 2, steps: 2 },
        { deliveryId: 'a', attempt: 3, tierIndex: 2, steps: 3 },
      ],
    });
    expect(summary.scheduledTwice).toBe(0);
    const doubled = audit({
      ...base,
      deliveryIds: ['a'],
      scheduled: [
        { deliveryId: 'a', attempt: 3, tierIndex: 2, steps: 2 },
        { deliveryId: 'a', attempt: 3, tierIndex: 2, steps: 2 },
      ],
    });
    expect(doubled.scheduledTwice).toBe(1);
  });

  it('is clean when every invariant is zero, whatever the extra requests', () => {
    const summary = audit({
      ...base,
      deliveryIds: ['a'],
      attempts: [{ deliveryId: 'a', attempt: 1, outcome: 'success' }],
      httpRequests: 3,
    });
    expect(summary.extraHttpRequests).toBe(2);
    expect(violatesInvariants(summary)).toBe(false);
  });
});
