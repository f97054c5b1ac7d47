import { describe, expect, it } from 'vitest';
import { gate } from '../../../src/domain/health/gate.js';

describe('gate', () => {
  const open = { circuit: 'open' as const, circuitChangedAt: 1_000, disabled: false };
  it('lets unknown and closed endpoints through', () => {
    expect(gate(undefined, 0, 30_000, false)).toBe('attempt');
    expect(gate({ ...open, circuit: 'closed' }, 0, 30_000, false)).toBe('attempt');
  });
  it('dead-letters for a disabled endpoint whatever its circuit', () => {
    expect(gate({ ...open, disabled: true }, 99_000, 30_000, false)).toBe('disabled');
  });
  it('skips while open, then lets one probe through', () => {
    expect(gate(open, 30_999, 30_000, false)).toBe('skip');
    expect(gate(open, 31_000, 30_000, false)).toBe('attempt');
    expect(gate(open, 31_000, 30_000, true)).toBe('skip');
    expect(gate({ ...open, circuit: 'half_open' }, 2_000, 30_000, false)).toBe('attempt');
  });
});
