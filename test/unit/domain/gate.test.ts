import { describe, expect, it } from 'vitest';
import { endpointState, gate, gateView } from '../../../src/domain/health/gate.js';

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

describe('gateView: folded health corrected by the operator', () => {
  const gone = { circuit: 'open' as const, circuitChangedAt: 1_000, disabledAt: 2_000 };
  const settings = { enabled: true, enabledAt: null, circuitResetAt: null };
  it('knows nothing of an endpoint with neither health nor settings', () => {
    expect(gateView(undefined, undefined)).toBeUndefined();
    expect(endpointState(undefined)).toBe('closed');
  });
  it('keeps an automatic disable until an enable that came after it', () => {
    expect(gateView(gone, undefined)?.disabled).toBe(true);
    expect(gateView(gone, { ...settings, enabledAt: 1_500 })?.disabled).toBe(true);
    const enabled = gateView(gone, { ...settings, enabledAt: 2_000 });
    expect(enabled).toEqual({ circuit: 'closed', circuitChangedAt: 1_000, disabled: false });
  });
  it('disables at once when the operator does, even with no health yet', () => {
    const view = gateView(undefined, { ...settings, enabled: false });
    expect(view?.disabled).toBe(true);
    expect(endpointState(view)).toBe('disabled');
  });
  it('closes a circuit reset after it opened, not one that opened after the reset', () => {
    const open = { circuit: 'open' as const, circuitChangedAt: 5_000, disabledAt: null };
    expect(gateView(open, { ...settings, circuitResetAt: 5_000 })?.circuit).toBe('closed');
    expect(gateView(open, { ...settings, circuitResetAt: 4_999 })?.circuit).toBe('open');
    expect(endpointState(gateView(open, settings))).toBe('open');
  });
});
