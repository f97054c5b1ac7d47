import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Producer } from 'kafkajs';
import {
  foldAttempt,
  type AttemptEvent,
  type EndpointHealth,
} from '../../../src/domain/health/endpoint-health.js';
import { PARTITIONER } from '../../../src/kafka/kafka-client.js';
import { fromHealthValue, type EndpointHealthValue } from '../../../src/kafka/health-record.js';
import type { AttemptRecordedValue } from '../../../src/kafka/records.js';
import { createLogger } from '../../../src/observability/logger.js';
import { startEngine, type Engine } from '../../../src/roles/engine.js';
import { projectionGroup } from '../../../src/roles/projection.js';
import { TEST_LOG_LEVEL, testKafka, waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture } from '../harness/engine-fixture.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');

function attempts(from: number, count: number): AttemptRecordedValue[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const endpointId = `ep-${i % 3}`;
    const failing = endpointId === 'ep-1' || (endpointId === 'ep-2' && i % 4 === 0);
    return {
      deliveryId: `d${i}`,
      endpointId,
      attempt: 1,
      eventTime: T0 + i * 1_500,
      outcome: failing ? 'retryable' : 'success',
      status: failing ? 503 : 200,
      errorClass: failing ? 'http_503' : null,
      latencyMs: 20 + (i % 7) * 30,
      tierIndex: null,
      dueAt: null,
      disablesEndpoint: false,
      operatorAction: null,
    };
  });
}

function expectedHealth(events: readonly AttemptEvent[]): Map<string, EndpointHealth> {
  const byEndpoint = new Map<string, EndpointHealth>();
  for (const event of events)
    byEndpoint.set(event.endpointId, foldAttempt(byEndpoint.get(event.endpointId), event));
  return byEndpoint;
}

describe('the health projection', () => {
  let fx: EngineFixture;
  let admin: Admin;
  let producer: Producer;
  let engine: Engine | undefined;
  const sent: AttemptRecordedValue[] = [];

  beforeAll(async () => {
    fx = await startEngineFixture({ KRETRY_TIERS: '1s' }, { start: false });
    const kafka = testKafka();
    admin = kafka.admin();
    producer = kafka.producer({ createPartitioner: PARTITIONER });
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await engine?.stop();
    await producer.disconnect();
    await admin.disconnect();
    await fx.stop();
  });

  const startProjection = async (): Promise<Engine> =>
    startEngine(fx.config, createLogger(TEST_LOG_LEVEL), { roles: ['projection'], defaultMetrics: false });

  async function send(values: AttemptRecordedValue[]): Promise<void> {
    await producer.send({
      topic: fx.topology.attempts,
      messages: values.map((v) => ({ key: v.endpointId, value: fx.codecs.attempts.encode(v) })),
    });
    sent.push(...values);
  }

  async function caughtUp(): Promise<void> {
    await waitFor(
      async () => {
        const high = await admin.fetchTopicOffsets(fx.topology.attempts);
        const [committed] = await admin.fetchOffsets({
          groupId: projectionGroup(fx.topology),
          topics: [fx.topology.attempts],
        });
        return high.every(
          (p) =>
            Number(p.high) === 0 ||
            committed?.partitions.find((c) => c.partition === p.partition)?.offset === p.high,
        );
      },
      { what: 'the projection to reach the end of the attempts log', timeoutMs: 60_000, intervalMs: 250 },
    );
  }

  /** The latest snapshot per endpoint, and how many snapshots the topic holds in all. */
  async function latestSnapshots(): Promise<{ latest: Map<string, EndpointHealthValue>; count: number }> {
    const reader = fx.read(fx.topology.endpointState, fx.codecs.endpointState);
    const total = async (): Promise<number> =>
      (await admin.fetchTopicOffsets(fx.topology.endpointState)).reduce((n, p) => n + Number(p.high), 0);
    const expectedAtLeast = await total();
    // Every transaction adds a marker, so committed values are fewer than the log end: wait until quiet.
    let previous = -1;
    await reader.until(
      (values) => {
        const settled = values.length > 0 && values.length === previous;
        previous = values.length;
        return settled && expectedAtLeast > 0;
      },
      'the endpoint-state topic to be read',
      30_000,
    );
    const latest = new Map<string, EndpointHealthValue>();
    for (const value of reader.values) latest.set(value.endpointId, value);
    return { latest, count: reader.values.length };
  }

  it('folds the attempts log into snapshots equal to the pure fold, and continues after a restart', async () => {
    await send(attempts(0, 120));
    engine = await startProjection();
    await caughtUp();
    await engine.stop();
    engine = undefined;

    await send(attempts(120, 60));
    engine = await startProjection();
    await caughtUp();

    const { latest: live } = await latestSnapshots();
    const expected = expectedHealth(sent);
    expect([...live.keys()].sort()).toEqual(['ep-0', 'ep-1', 'ep-2']);
    for (const [endpointId, health] of expected)
      expect(fromHealthValue(live.get(endpointId) as EndpointHealthValue)).toEqual(health);
    expect(live.get('ep-1')?.circuit).toBe('open');
    expect(live.get('ep-0')?.failureRate5m).toBe(0);
  });

  it('rebuilds exactly the live state when its group is reset to the earliest offset', async () => {
    const { latest: live, count: liveCount } = await latestSnapshots();
    await engine?.stop();
    engine = undefined;
    await admin.resetOffsets({
      groupId: projectionGroup(fx.topology),
      topic: fx.topology.attempts,
      earliest: true,
    });
    engine = await startProjection();
    await caughtUp();
    const { latest: rebuilt, count } = await latestSnapshots();
    // The rebuild folded the log again and wrote fresh snapshots for every endpoint after the old ones.
    expect(count).toBeGreaterThanOrEqual(liveCount + 3);
    expect(rebuilt).toEqual(live);
  });
});
