import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointEventValue } from '../../../src/kafka/records.js';
import { createLogger } from '../../../src/observability/logger.js';
import { startEngine, type Engine } from '../../../src/roles/engine.js';
import { testKafka, waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

const SECRET = 'whsec_bm90aWZpZXItc2VjcmV0LWZvci10ZXN0cw==';

/**
 * Resolves once `groupId` has committed the end of every partition of `topic`. Every writer of
 * these topics is transactional, so a partition ends with a commit marker that no consumer is
 * handed: a caught-up group has committed the marker's offset, one short of the high watermark.
 * Callers first see the last record they care about (read_committed), so no transaction is open.
 */
async function caughtUp(groupId: string, topic: string, what: string): Promise<void> {
  const admin = testKafka('kretry-test-offsets').admin();
  await admin.connect();
  try {
    await waitFor(
      async () => {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return ends.every((end) => {
          const at = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
          return Number(end.high) === 0 || Number(at) >= Number(end.high) - 1;
        });
      },
      { what, timeoutMs: 60_000 },
    );
  } finally {
    await admin.disconnect();
  }
}

describe('endpoint events and the notifier', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;
  let events: TopicReader<EndpointEventValue>;
  let engine: Engine | undefined;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({
      KRETRY_TIERS: '1s,2s',
      KRETRY_BREAKER_OPEN_FOR: '4s',
      KRETRY_FAILING_EVENT_AFTER: '3',
      KRETRY_NOTIFY_URL: receiver.url('/notify'),
      KRETRY_ENDPOINT_SECRETS: JSON.stringify({ 'kretry-notifier': SECRET }),
    });
    events = fx.read(fx.topology.endpointEvents, fx.codecs.endpointEvents);
  });

  afterAll(async () => {
    await engine?.stop();
    await fx.stop();
    await receiver.stop();
  });

  const ofCb = (): EndpointEventValue[] => events.values.filter((e) => e.endpointId === 'ep-cb');

  it('announces failing, circuit_opened, circuit_closed and recovered once each, in order', async () => {
    receiver.script('/cb', [
      { status: 500 },
      { status: 500 },
      { status: 500 },
      { status: 500 },
      { status: 500 },
      { status: 200 },
    ]);
    for (let i = 0; i < 5; i++) await fx.send({ endpointId: 'ep-cb', url: receiver.url('/cb') });
    await events.until(
      () => ofCb().some((e) => e.type === 'recovered'),
      'the endpoint to be announced recovered',
      90_000,
    );
    expect(ofCb().map((e) => e.type)).toEqual(['failing', 'circuit_opened', 'circuit_closed', 'recovered']);
    const failing = ofCb()[0];
    expect(failing).toMatchObject({ consecutiveFailures: 3, lastStatus: 500, reason: null });
  });

  it('POSTs each event to KRETRY_NOTIFY_URL once, signed as the notifier endpoint (Standard Webhooks)', async () => {
    await waitFor(() => receiver.requestsTo('/notify').length >= 4, { what: 'four notifications' });
    const notes = receiver.requestsTo('/notify');
    const bodies = notes.map((n) => JSON.parse(n.body) as { type: string; data: { endpointId: string } });
    expect(bodies.map((b) => b.type)).toEqual([
      'endpoint.failing',
      'endpoint.circuit_opened',
      'endpoint.circuit_closed',
      'endpoint.recovered',
    ]);
    expect(bodies.every((b) => b.data.endpointId === 'ep-cb')).toBe(true);
    for (const note of notes) {
      // Verified by the Standard Webhooks reference library, not by kretry's signing function.
      expect(() =>
        new Webhook(SECRET).verify(note.body, {
          'webhook-id': String(note.headers['webhook-id']),
          'webhook-timestamp': String(note.headers['webhook-timestamp']),
          'webhook-signature': String(note.headers['webhook-signature']),
        }),
      ).not.toThrow();
    }
    expect(new Set(notes.map((n) => n.headers['webhook-id'])).size).toBe(4);
  });

  it("shows the notifier's lag in GET /stats and as kretry_consumer_lag", async () => {
    await caughtUp(fx.topology.notifierGroup, fx.topology.endpointEvents, 'the notifier to catch up');
    const stats = (await (await fetch(`${fx.engine?.apiUrl ?? ''}/stats`)).json()) as {
      notifier?: { group: string; lag: number };
    };
    expect(stats.notifier?.group).toBe(fx.topology.notifierGroup);
    expect(stats.notifier?.lag).toBeLessThanOrEqual(2); // commit markers only (see caughtUp)
    const metrics = await (await fetch(`${fx.engine?.apiUrl ?? ''}/metrics`)).text();
    expect(metrics).toContain(`kretry_consumer_lag{topic="${fx.topology.endpointEvents}"`);
  });

  it('announces nothing again after a restart, nor after a reset that rebuilds health from the log', async () => {
    const config = fx.config;
    await fx.stopEngine();
    engine = await startEngine(config, createLogger(config.logLevel), { defaultMetrics: false });
    // One more success, so the restarted projection demonstrably folds something.
    const attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
    const seventh = await fx.send({ endpointId: 'ep-cb', url: receiver.url('/cb') });
    await attempts.until(
      (values) => values.some((a) => a.deliveryId === seventh && a.outcome === 'success'),
      'the delivery after the restart',
    );
    await caughtUp(fx.topology.projectionGroup, fx.topology.attempts, 'the projection to catch up');
    await caughtUp(fx.topology.notifierGroup, fx.topology.endpointEvents, 'the notifier to catch up');
    expect(ofCb()).toHaveLength(4);

    // A replay of the projection: its group back to the start, so every snapshot is rebuilt.
    await engine.stop();
    engine = undefined;
    const admin = testKafka('kretry-test-reset').admin();
    await admin.connect();
    await admin.resetOffsets({
      groupId: fx.topology.projectionGroup,
      topic: fx.topology.attempts,
      earliest: true,
    });
    await admin.disconnect();
    engine = await startEngine(config, createLogger(config.logLevel), { defaultMetrics: false });
    await caughtUp(fx.topology.projectionGroup, fx.topology.attempts, 'the rebuild to catch up');
    await caughtUp(fx.topology.notifierGroup, fx.topology.endpointEvents, 'the notifier to catch up');
    expect(ofCb()).toHaveLength(4);
    expect(receiver.requestsTo('/notify')).toHaveLength(4);
  });
});
