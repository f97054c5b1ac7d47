import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointHealthValue } from '../../../src/kafka/health-record.js';
import type { AttemptRecordedValue, DeadLetterValue } from '../../../src/kafka/records.js';
import { createLogger } from '../../../src/observability/logger.js';
import { redrive } from '../../../src/operator/redrive.js';
import { TEST_LOG_LEVEL, testKafka, waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

describe('410 → disabled → re-enabled → redriven', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;
  let dlq: TopicReader<DeadLetterValue>;
  let attempts: TopicReader<AttemptRecordedValue>;
  let states: TopicReader<EndpointHealthValue>;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({ KRETRY_TIERS: '1s,2s' });
    dlq = fx.read(fx.topology.dlq, fx.codecs.dlq);
    attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
    states = fx.read(fx.topology.endpointState, fx.codecs.endpointState);
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  it('keeps what arrived while disabled in the dlq, and delivers it with the same webhook-id after enable and redrive', async () => {
    receiver.script('/gone', [{ status: 410 }, { status: 200 }]);
    const first = await fx.send({ endpointId: 'ep-back', url: receiver.url('/gone') });
    await dlq.until((values) => values.some((d) => d.request?.deliveryId === first), 'the 410 dead letter');
    await waitFor(() => fx.engine?.endpointHealth('ep-back')?.disabledReason === 'gone', {
      what: 'the endpoint to be disabled',
    });
    const whileDisabled = [
      await fx.send({ endpointId: 'ep-back', url: receiver.url('/gone') }),
      await fx.send({ endpointId: 'ep-back', url: receiver.url('/gone') }),
    ];
    await dlq.until(
      (values) => whileDisabled.every((id) => values.some((d) => d.request?.deliveryId === id)),
      'the endpoint_disabled dead letters',
    );
    expect(receiver.requestsTo('/gone')).toHaveLength(1);

    const enabled = await fetch(`${fx.engine?.apiUrl ?? ''}/endpoints/ep-back/enable`, { method: 'POST' });
    expect(enabled.status).toBe(200);
    // The fold sees the command in the attempts log: enabled, and the 410 no longer counts.
    await states.until((values) => {
      const last = values.filter((s) => s.endpointId === 'ep-back').at(-1);
      return last?.disabledReason === null && last.enabledAt !== null;
    }, 'the projection to fold the enable');
    expect(attempts.values.some((a) => a.endpointId === 'ep-back' && a.operatorAction === 'enable')).toBe(
      true,
    );

    const deps = {
      kafka: testKafka(),
      admin: testKafka().admin(),
      topology: fx.topology,
      codecs: fx.codecs,
      logger: createLogger(TEST_LOG_LEVEL),
    };
    await deps.admin.connect();
    try {
      const dry = await redrive(deps, { endpointId: 'ep-back', dryRun: true });
      expect(dry).toMatchObject({ matched: 3, handled: 3 });
      const done = await redrive(deps, { endpointId: 'ep-back', reason: 'endpoint_disabled' });
      expect(done).toMatchObject({ matched: 2, handled: 2, unredrivable: 0 });
      await waitFor(() => receiver.requestsTo('/gone').length === 3, { what: 'the redriven deliveries' });
      const ids = receiver
        .requestsTo('/gone')
        .slice(1)
        .map((r) => r.headers['webhook-id'])
        .sort();
      expect(ids).toEqual([...whileDisabled].sort());
      await attempts.until(
        (values) =>
          whileDisabled.every((id) => values.some((a) => a.deliveryId === id && a.outcome === 'success')),
        'the redriven deliveries to succeed',
      );
      // Each re-injection was recorded on dlq-handled in its transaction: a second run finds nothing new.
      const again = await redrive(deps, { endpointId: 'ep-back', reason: 'endpoint_disabled' });
      expect(again).toMatchObject({ matched: 0, handled: 0, alreadyHandled: 2 });
    } finally {
      await deps.admin.disconnect();
    }
  });
});
