import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptRecordedValue } from '../../../src/kafka/records.js';
import { createLogger } from '../../../src/observability/logger.js';
import { startEngine, type Engine } from '../../../src/roles/engine.js';
import { cliEnv, runCli } from '../harness/cli.js';
import { waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

async function duplicatesCounted(engine: Engine | undefined): Promise<number> {
  const metric = await engine?.metrics.registry.getSingleMetric('kretry_ingest_duplicates_total')?.get();
  return metric?.values[0]?.value ?? 0;
}

describe('idempotent ingest: one delivery per deliveryId within KRETRY_DEDUPE_WINDOW', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;
  let attempts: TopicReader<AttemptRecordedValue>;
  let engine: Engine | undefined;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({ KRETRY_TIERS: '1s,2s' });
    attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
  });

  afterAll(async () => {
    await engine?.stop();
    await fx.stop();
    await receiver.stop();
  });

  const post = (apiUrl: string | undefined, body: unknown) =>
    fetch(`${apiUrl ?? ''}/deliveries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const url = () => receiver.url('/dedupe');

  it('delivers an id sent over HTTP, through kretry send and straight on ingest, across a restart, once', async () => {
    const first = await post(fx.engine?.apiUrl, {
      deliveryId: 'msg_once',
      endpointId: 'ep-dedupe',
      url: url(),
    });
    expect(first.status).toBe(202);
    const { acceptedAt } = (await first.json()) as { acceptedAt: string };
    await attempts.until((v) => v.some((a) => a.deliveryId === 'msg_once'), 'the first delivery');

    // A restart: the new process restores what was accepted from ingest-dedupe.
    await fx.stopEngine();
    engine = await startEngine(fx.config, createLogger(fx.config.logLevel), { defaultMetrics: false });

    const send = await runCli(
      ['send', '--endpoint', 'ep-dedupe', '--url', url(), '--id', 'msg_once'],
      cliEnv(fx),
    );
    expect(send.code, send.stderr).toBe(0);
    await fx.send({ deliveryId: 'msg_once', endpointId: 'ep-dedupe', url: url() });
    await waitFor(async () => (await duplicatesCounted(engine)) >= 2, {
      what: 'both copies counted as duplicates',
    });

    // Over HTTP again, once the API's table has read the acceptance: 200 with the first acceptance.
    await waitFor(
      async () =>
        (await post(engine?.apiUrl, { deliveryId: 'msg_once', endpointId: 'ep-dedupe', url: url() }))
          .status === 200,
      { what: 'the API to answer the repeat as a duplicate' },
    );
    const again = await post(engine?.apiUrl, { deliveryId: 'msg_once', endpointId: 'ep-dedupe', url: url() });
    expect(await again.json()).toEqual({
      deliveryId: 'msg_once',
      acceptedAt: expect.any(String) as unknown,
      duplicate: true,
    });

    // A later delivery to the same endpoint (same partition) is delivered: the lane is not stuck.
    await fx.send({ deliveryId: 'msg_after', endpointId: 'ep-dedupe', url: url() });
    await attempts.until((v) => v.some((a) => a.deliveryId === 'msg_after'), 'the later delivery');
    expect(attempts.values.filter((a) => a.deliveryId === 'msg_once')).toHaveLength(1);
    expect(receiver.requestsTo('/dedupe').filter((r) => r.headers['webhook-id'] === 'msg_once')).toHaveLength(
      1,
    );
    expect(Date.parse(acceptedAt)).toBeGreaterThan(0);
  });

  it('lets redrive deliver the same id again, on purpose', async () => {
    receiver.script('/dedupe-redrive', [{ status: 400 }, { status: 200 }]);
    await fx.send({
      deliveryId: 'msg_redriven',
      endpointId: 'ep-redrive',
      url: receiver.url('/dedupe-redrive'),
    });
    await attempts.until((v) => v.some((a) => a.deliveryId === 'msg_redriven'), 'the failed first attempt');
    const redrive = await runCli(['redrive', '--delivery-id', 'msg_redriven', '--json'], cliEnv(fx));
    expect(redrive.code, redrive.stderr).toBe(0);
    await attempts.until(
      (v) => v.some((a) => a.deliveryId === 'msg_redriven' && a.outcome === 'success'),
      'the redriven delivery to succeed',
    );
    expect(receiver.requestsTo('/dedupe-redrive')).toHaveLength(2);
  });
});
