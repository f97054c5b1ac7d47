import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AttemptRecordedValue,
  DeadLetterValue,
  ScheduledAttemptValue,
} from '../../../src/kafka/records.js';
import { waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

interface RulesView {
  retryOn: string[] | null;
  permanentOn: string[] | null;
  minDelay: string | null;
}

describe('retry rules as data: PUT /policy and per endpoint', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;
  let attempts: TopicReader<AttemptRecordedValue>;
  let dlq: TopicReader<DeadLetterValue>;
  let firstTier: TopicReader<ScheduledAttemptValue>;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({ KRETRY_TIERS: '1s,4s' });
    attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
    dlq = fx.read(fx.topology.dlq, fx.codecs.dlq);
    const tier = fx.topology.tiers[0];
    const codec = fx.codecs.tiers[0];
    if (tier === undefined || codec === undefined) throw new Error('no first tier');
    firstTier = fx.read(tier.topic, codec);
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  const api = (path: string, init?: RequestInit) =>
    fetch(`${fx.engine?.apiUrl ?? ''}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json' },
    });

  it('GET /policy shows the configured rules', async () => {
    const response = await api('/policy');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { configured: RulesView; runtime: RulesView | null };
    expect(body.configured).toEqual({ retryOn: ['408', '429', '5xx'], permanentOn: [], minDelay: null });
    expect(body.runtime).toBeNull();
  });

  it('PUT /policy refuses what cannot be meant, with a 400 naming it', async () => {
    for (const [rules, message] of [
      [{ retryOn: ['2xx'] }, /retryOn.*2xx is always success/],
      [{ retryOn: ['429'], permanentOn: ['429'] }, /"429" is both/],
      [{ minDelay: 'soon' }, /minDelay/],
      [{ retryOn: ['5xx'], backoff: 'fast' }, /backoff/],
    ] as const) {
      const response = await api('/policy', { method: 'PUT', body: JSON.stringify(rules) });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
  });

  it('a run-time rule retries a 409 and holds every retry back for the minimum delay', async () => {
    const response = await api('/policy', {
      method: 'PUT',
      body: JSON.stringify({ retryOn: ['408', '429', '5xx', '409'], minDelay: '3s' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { effective: RulesView };
    expect(body.effective).toEqual({
      retryOn: ['408', '429', '5xx', '409'],
      permanentOn: [],
      minDelay: '3s',
    });
    // Applied by the workers once their endpoints table has read it (one fetch).
    await waitFor(() => fx.engine?.endpointConfig('')?.retryRules?.minDelayMs === 3000, {
      what: 'the workers to read the run-time rules',
    });
    receiver.script('/conflict', [{ status: 409 }, { status: 200 }]);
    const id = await fx.send({ endpointId: 'ep-conflict', url: receiver.url('/conflict') });
    await attempts.until(
      (v) => v.some((a) => a.deliveryId === id && a.outcome === 'success'),
      'the 409 delivery to succeed on its retry',
    );
    const retry = firstTier.values.find((s) => s.request.deliveryId === id);
    // The 1 s tier carries a 3 s minimum: due no sooner than 3 s after it was scheduled.
    expect(retry).toBeDefined();
    expect((retry?.dueAt ?? 0) - (retry?.scheduledAt ?? 0)).toBeGreaterThanOrEqual(3000);
    const [first, second] = receiver.requestsTo('/conflict');
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(3000);
  });

  it("an endpoint's own rule makes its 503 permanent while other endpoints still retry a 503", async () => {
    const put = await api('/endpoints/ep-strict/config', {
      method: 'PUT',
      body: JSON.stringify({ retryRules: { permanentOn: ['503'] } }),
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { config: { retryRules: RulesView } }).config.retryRules).toEqual({
      retryOn: null,
      permanentOn: ['503'],
      minDelay: null,
    });
    await waitFor(() => fx.engine?.endpointConfig('ep-strict')?.retryRules?.permanentOn?.includes('503'), {
      what: 'the workers to read the endpoint rules',
    });
    receiver.script('/strict', [{ status: 503 }, { status: 200 }]);
    receiver.script('/lenient', [{ status: 503 }, { status: 200 }]);
    const strict = await fx.send({ endpointId: 'ep-strict', url: receiver.url('/strict') });
    const lenient = await fx.send({ endpointId: 'ep-lenient', url: receiver.url('/lenient') });
    await dlq.until((v) => v.some((d) => d.request?.deliveryId === strict), 'the strict dead letter');
    expect(dlq.values.find((d) => d.request?.deliveryId === strict)).toMatchObject({
      reason: 'permanent_failure',
      lastStatus: 503,
    });
    expect(receiver.requestsTo('/strict')).toHaveLength(1);
    await attempts.until(
      (v) => v.some((a) => a.deliveryId === lenient && a.outcome === 'success'),
      'the lenient delivery to succeed on its retry',
    );
    // The run-time key is not an endpoint: the list does not show it.
    const list = (await (await api('/endpoints')).json()) as { items: { id: string }[] };
    expect(list.items.map((i) => i.id)).not.toContain('');
  });
});
