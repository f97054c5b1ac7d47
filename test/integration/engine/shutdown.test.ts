import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKafka } from '../harness/context.js';
import { startEngineFixture, type EngineFixture } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

describe('graceful shutdown', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({ KRETRY_TIERS: '1s' });
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  it('finishes the attempt in flight, commits it and leaves the group', async () => {
    receiver.script('/slow', [{ status: 200, delayMs: 1_500 }]);
    const attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
    const id = await fx.send({ endpointId: 'ep-slow', url: receiver.url('/slow') });
    await attempts.until(() => receiver.requestsTo('/slow').length === 1, 'the slow request to arrive');

    await fx.stopEngine();

    await attempts.until(
      (values) => values.some((a) => a.deliveryId === id && a.outcome === 'success'),
      'the attempt to be recorded',
    );
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({
        groupId: fx.topology.dispatcherGroup,
        topics: [fx.topology.ingest],
      });
      const high = await admin.fetchTopicOffsets(fx.topology.ingest);
      // Committed to the end of every partition: nothing will be attempted again.
      for (const partition of high) {
        if (Number(partition.high) === 0) continue; // nothing was ever sent there
        const committed = offsets?.partitions.find((p) => p.partition === partition.partition)?.offset;
        expect(Number(committed ?? 0)).toBe(Number(partition.high));
      }
      const { groups } = await admin.describeGroups([fx.topology.dispatcherGroup]);
      expect(groups[0]?.members).toHaveLength(0);
    } finally {
      await admin.disconnect();
    }
    expect(receiver.requestsTo('/slow')).toHaveLength(1);
  });
});
