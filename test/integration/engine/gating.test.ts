import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptRecordedValue, DeadLetterValue } from '../../../src/kafka/records.js';
import type { EndpointHealthValue } from '../../../src/kafka/health-record.js';
import { waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

const OPEN_FOR_MS = 4_000;

describe('gating on endpoint health', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;
  let attempts: TopicReader<AttemptRecordedValue>;
  let dlq: TopicReader<DeadLetterValue>;
  let states: TopicReader<EndpointHealthValue>;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({ KRETRY_TIERS: '1s,2s', KRETRY_BREAKER_OPEN_FOR: '4s' });
    attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
    dlq = fx.read(fx.topology.dlq, fx.codecs.dlq);
    states = fx.read(fx.topology.endpointState, fx.codecs.endpointState);
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  it('opens the circuit of a failing endpoint, makes no calls while open, probes, closes and delivers the backlog', async () => {
    receiver.script('/cb', [
      { status: 500 },
      { status: 500 },
      { status: 500 },
      { status: 500 },
      { status: 500 },
      { status: 200 },
    ]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await fx.send({ endpointId: 'ep-cb', url: receiver.url('/cb') }));
    await attempts.until(
      (values) => ids.every((id) => values.some((a) => a.deliveryId === id && a.outcome === 'success')),
      'every delivery to succeed after the circuit closes',
      90_000,
    );
    const opened = states.values.find((s) => s.endpointId === 'ep-cb' && s.circuit === 'open');
    expect(opened).toBeDefined();
    const openedAt = opened?.circuitChangedAt ?? 0;
    // The workers' view lags the projection by well under a second; after that, nothing reaches the endpoint until the probe.
    const duringOpen = receiver
      .requestsTo('/cb')
      .filter((r) => r.at > openedAt + 1_000 && r.at < openedAt + OPEN_FOR_MS);
    expect(duringOpen).toHaveLength(0);
    const skips = attempts.values.filter((a) => a.endpointId === 'ep-cb' && a.outcome === 'skipped');
    expect(skips.length).toBeGreaterThan(0);
    expect(skips.every((s) => s.errorClass === 'circuit_open')).toBe(true);
    await states.until(
      (values) => values.filter((s) => s.endpointId === 'ep-cb').at(-1)?.circuit === 'closed',
      'the circuit to be closed',
    );
  });

  it('disables an endpoint on 410 and dead-letters its later deliveries as endpoint_disabled without calling it', async () => {
    receiver.script('/gone', [{ status: 410 }]);
    const first = await fx.send({ endpointId: 'ep-gone', url: receiver.url('/gone') });
    await dlq.until((values) => values.some((d) => d.request?.deliveryId === first), 'the 410 dead letter');
    await waitFor(() => fx.engine?.endpointHealth('ep-gone')?.disabledReason === 'gone', {
      what: "the engine's view to show the endpoint disabled",
    });
    const later = await fx.send({ endpointId: 'ep-gone', url: receiver.url('/gone') });
    await dlq.until(
      (values) => values.some((d) => d.request?.deliveryId === later),
      'the endpoint_disabled dead letter',
    );
    expect(dlq.values.find((d) => d.request?.deliveryId === later)).toMatchObject({
      reason: 'endpoint_disabled',
      lastError: 'endpoint_disabled',
    });
    expect(receiver.requestsTo('/gone')).toHaveLength(1);
  });
});
