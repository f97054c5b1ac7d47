import { describe, expect, it } from 'vitest';
import { ProbeTracker } from '../../../../src/domain/health/probe-tracker.js';

describe('ProbeTracker', () => {
  it('keeps a probe in flight after its HTTP call until the circuit change reaches the gate', () => {
    const probes = new ProbeTracker(60_000);
    const openedAt = 1_000;
    probes.start('ep', 5_000);
    // The call returned at 5,200, but the snapshot still shows the circuit as opened at 1,000.
    expect(probes.inFlight('ep', openedAt, 5_200)).toBe(true);
    expect(probes.inFlight('ep', openedAt, 9_000)).toBe(true);
    // The fold of the probe's result moved the circuit (closed or reopened) at 5,300.
    expect(probes.inFlight('ep', 5_300, 9_100)).toBe(false);
    // And it stays released: a new probe needs a new start.
    expect(probes.inFlight('ep', openedAt, 9_200)).toBe(false);
  });

  it('frees a probe whose result never arrives after the timeout', () => {
    const probes = new ProbeTracker(30_000);
    probes.start('ep', 10_000);
    expect(probes.inFlight('ep', 0, 39_999)).toBe(true);
    expect(probes.inFlight('ep', 0, 40_000)).toBe(false);
  });

  it('tracks endpoints apart, and a cancelled probe is not in flight', () => {
    const probes = new ProbeTracker(30_000);
    probes.start('a', 10);
    probes.start('b', 10);
    probes.cancel('a');
    expect(probes.inFlight('a', 0, 20)).toBe(false);
    expect(probes.inFlight('b', 0, 20)).toBe(true);
    expect(probes.inFlight('c', 0, 20)).toBe(false);
  });
});
