import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PartitionStatus } from '../../../src/kafka/partition-status.js';

function status(): { status: PartitionStatus; registry: Registry; clock: { now: number } } {
  const registry = new Registry();
  const clock = { now: 1_000_000 };
  return { status: new PartitionStatus(registry, () => clock.now), registry, clock };
}

describe('PartitionStatus', () => {
  it('is ready with lanes active, paused or opening for the first time', () => {
    const { status: s } = status();
    s.laneMoved('dispatcher', 'ingest', 0, 'opening');
    s.laneMoved('dispatcher', 'ingest', 1, 'opening');
    s.laneMoved('dispatcher', 'ingest', 1, 'active');
    s.laneMoved('tiers', 'retry-2m', 0, 'opening');
    s.laneMoved('tiers', 'retry-2m', 0, 'paused');
    expect(s.problems()).toEqual([]);
  });

  it('names the role and partition of a lane that failed to open three times in a row', () => {
    const { status: s } = status();
    s.laneMoved('tiers', 'retry-2m', 3, 'opening');
    s.openFailed('tiers', 'retry-2m', 3);
    s.openFailed('tiers', 'retry-2m', 3);
    expect(s.problems()).toEqual([]);
    s.openFailed('tiers', 'retry-2m', 3);
    expect(s.problems()).toEqual(['tiers: retry-2m[3] stuck reopening for 0 s (3 failed attempts)']);
    // Opening at last clears it.
    s.laneMoved('tiers', 'retry-2m', 3, 'active');
    expect(s.problems()).toEqual([]);
  });

  it('names a lane opening for more than a minute, even without counted failures', () => {
    const { status: s, clock } = status();
    s.laneMoved('projection', 'attempts', 0, 'opening');
    clock.now += 60_001;
    expect(s.problems()).toEqual(['projection: attempts[0] stuck reopening for 60 s (0 failed attempts)']);
  });

  it('names a consumer that crashed without a restart until it joins again', () => {
    const { status: s } = status();
    s.consumerCrashed('dispatcher', 'ingest', 'The group is rebalancing');
    expect(s.problems()).toEqual([
      'dispatcher: consumer of ingest crashed and was not restarted (The group is rebalancing)',
    ]);
    s.consumerRunning('dispatcher', 'ingest');
    expect(s.problems()).toEqual([]);
  });

  it('exports one state per lane as a gauge, and counts reopens', async () => {
    const { status: s, registry } = status();
    s.laneMoved('dispatcher', 'ingest', 0, 'opening');
    s.laneMoved('dispatcher', 'ingest', 0, 'active');
    s.reopened('dispatcher', 'ingest');
    const text = await registry.metrics();
    expect(text).toContain(
      'kretry_partition_state{role="dispatcher",topic="ingest",partition="0",state="active"} 1',
    );
    expect(text).toContain(
      'kretry_partition_state{role="dispatcher",topic="ingest",partition="0",state="opening"} 0',
    );
    expect(text).toContain('kretry_partition_reopens_total{role="dispatcher",topic="ingest"} 1');
  });
});
