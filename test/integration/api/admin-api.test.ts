import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import type { DeadLetterValue } from '../../../src/kafka/records.js';
import { waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

// Asymmetric matchers are typed any; as unknown they satisfy the lint rules.
const aNumber: unknown = expect.any(Number);
const aString: unknown = expect.any(String);
const TOKEN = 'test-token-0123456789';
const SECRET = 'whsec_c2VjcmV0LWZvci1rcmV0cnktdGVzdHM=';

describe('admin API', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;
  let dlq: TopicReader<DeadLetterValue>;
  let base: string;

  const call = async (
    method: string,
    path: string,
    options: { body?: unknown; raw?: string; token?: string | null } = {},
  ): Promise<{ status: number; body: unknown; text: string; headers: Headers }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const token = options.token === undefined ? TOKEN : options.token;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(options.raw !== undefined
        ? { body: options.raw }
        : options.body !== undefined && { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Prometheus text
    }
    return { status: response.status, body, text, headers: response.headers };
  };

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({
      KRETRY_TIERS: '1s,2s',
      KRETRY_MAX_ATTEMPTS: '10',
      KRETRY_API_TOKEN: TOKEN,
      KRETRY_ENDPOINT_SECRETS: '{}',
    });
    dlq = fx.read(fx.topology.dlq, fx.codecs.dlq);
    base = fx.engine?.apiUrl ?? '';
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  it('serves probes and the OpenAPI document without a token', async () => {
    expect((await call('GET', '/healthz', { token: null })).body).toEqual({ status: 'ok' });
    const ready = await call('GET', '/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready' });
    const doc = await call('GET', '/openapi.json', { token: null });
    expect(doc.body).toMatchObject({ openapi: '3.1.0' });
  });

  it('refuses a missing or wrong token with 401', async () => {
    const missing = await call('GET', '/endpoints', { token: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await call('GET', '/metrics', { token: 'wrong-token-0123456789' })).status).toBe(401);
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    expect((await call('GET', '/nowhere')).status).toBe(404);
    const wrong = await call('DELETE', '/endpoints');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect((await call('GET', '/endpoints/never-seen')).status).toBe(404);
    expect((await call('GET', '/endpoints/%E0%A4%A')).status).toBe(400);
  });

  it('sets an endpoint configuration, validates it, never shows its secrets, and workers apply it', async () => {
    const bad = await call('PUT', '/endpoints/ep-conf/config', {
      body: { policy: { maxAttempts: 0, tiers: ['5s'] } },
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toMatch(/policy\.maxAttempts/);
    expect((bad.body as { error: string }).error).toMatch(/policy\.tiers/);
    expect((await call('PUT', '/endpoints/ep-conf/config', { raw: '{"policy":' })).status).toBe(400);
    expect((await call('PUT', '/endpoints/ep-conf/config', { body: { secret: SECRET } })).status).toBe(400);
    expect((await call('PUT', '/endpoints/ep-conf/config', { body: [1, 2] })).status).toBe(400);

    const good = await call('PUT', '/endpoints/ep-conf/config', {
      body: {
        url: receiver.url('/conf'),
        secrets: [SECRET, 'env:KRETRY_TEST_UNSET_SECRET'],
        policy: { maxAttempts: 2, tiers: ['1s'] },
      },
    });
    expect(good.status).toBe(200);
    expect(good.text).not.toContain(SECRET);
    expect(good.body).toMatchObject({
      id: 'ep-conf',
      state: 'closed',
      config: {
        secretCount: 2,
        secretRefs: ['env:KRETRY_TEST_UNSET_SECRET'],
        policy: { maxAttempts: 2, maxAgeMs: null, tiers: [1000] },
        enabled: true,
      },
    });
    const shown = await call('GET', '/endpoints/ep-conf');
    expect(shown.text).not.toContain(SECRET);

    // The endpoint's policy (2 attempts) and secret reach the workers through the endpoints topic.
    receiver.script('/conf', [{ status: 503 }]);
    await waitFor(() => fx.engine?.endpointConfig('ep-conf')?.policy?.maxAttempts === 2, {
      what: "the workers' endpoints table to hold the configuration",
    });
    const id = await fx.send({ endpointId: 'ep-conf', url: receiver.url('/conf') });
    await dlq.until(
      (values) => values.some((d) => d.request?.deliveryId === id),
      'the max_attempts dead letter',
    );
    expect(dlq.values.find((d) => d.request?.deliveryId === id)).toMatchObject({ reason: 'max_attempts' });
    const requests = receiver.requestsTo('/conf');
    expect(requests).toHaveLength(2);
    const first = requests[0];
    // Verified by the Standard Webhooks reference library, not by kretry's own signing function:
    // it throws on a missing, stale or wrong signature.
    expect(() =>
      new Webhook(SECRET).verify(first?.body ?? '', {
        'webhook-id': String(first?.headers['webhook-id']),
        'webhook-timestamp': String(first?.headers['webhook-timestamp']),
        'webhook-signature': String(first?.headers['webhook-signature']),
      }),
    ).not.toThrow();
    expect(() =>
      new Webhook('whsec_b3RoZXItc2VjcmV0').verify(first?.body ?? '', {
        'webhook-id': String(first?.headers['webhook-id']),
        'webhook-timestamp': String(first?.headers['webhook-timestamp']),
        'webhook-signature': String(first?.headers['webhook-signature']),
      }),
    ).toThrow();
  });

  it('disables and enables an endpoint; disabled deliveries dead-letter without a call', async () => {
    const disabled = await call('POST', '/endpoints/ep-switch/disable');
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ state: 'disabled', config: { enabled: false } });
    await waitFor(() => fx.engine?.endpointConfig('ep-switch')?.enabled === false, {
      what: "the workers' endpoints table to see the endpoint disabled",
    });
    const off = await fx.send({ endpointId: 'ep-switch', url: receiver.url('/switch') });
    await dlq.until(
      (values) => values.some((d) => d.request?.deliveryId === off),
      'the endpoint_disabled dead letter',
    );
    expect(dlq.values.find((d) => d.request?.deliveryId === off)?.reason).toBe('endpoint_disabled');
    expect(receiver.requestsTo('/switch')).toHaveLength(0);

    const listed = await call('GET', '/endpoints?state=disabled');
    expect((listed.body as { items: { id: string }[] }).items.map((e) => e.id)).toContain('ep-switch');

    const enabled = await call('POST', '/endpoints/ep-switch/enable');
    expect(enabled.body).toMatchObject({ state: 'closed', config: { enabled: true } });
    await waitFor(() => fx.engine?.endpointConfig('ep-switch')?.enabled === true, {
      what: "the workers' endpoints table to see the endpoint enabled",
    });
    await fx.send({ endpointId: 'ep-switch', url: receiver.url('/switch') });
    await waitFor(() => receiver.requestsTo('/switch').length === 1, { what: 'the delivery after enabling' });

    const reset = await call('POST', '/endpoints/ep-switch/circuit/reset');
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ state: 'closed', config: { circuitResetAt: aString } });

    // The dead letter from while it was disabled: resolved once, with who and why; never twice.
    const noFilter = await call('POST', '/dlq/resolve', { body: { by: 'ops' } });
    expect(noFilter.status).toBe(400);
    expect(noFilter.body).toMatchObject({ error: expect.stringMatching(/needs a filter/) as unknown });
    const noBy = await call('POST', '/dlq/resolve', { body: { deliveryId: off } });
    expect(noBy.status).toBe(400);
    const resolved = await call('POST', '/dlq/resolve', {
      body: { deliveryId: off, by: 'ops', note: 'sent by hand' },
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toEqual({ resolved: 1, alreadyHandled: 0, matched: 1 });
    const again = await call('POST', '/dlq/resolve', { body: { deliveryId: off, by: 'ops' } });
    expect(again.body).toEqual({ resolved: 0, alreadyHandled: 1, matched: 0 });
  });

  it("sends a delivery without a url to the endpoint's configured url", async () => {
    const put = await call('PUT', '/endpoints/ep-default/config', {
      body: { url: receiver.url('/default') },
    });
    expect(put.status).toBe(200);
    await waitFor(() => fx.engine?.endpointConfig('ep-default')?.url === receiver.url('/default'), {
      what: "the workers' endpoints table to hold the url",
    });
    const id = await fx.send({ endpointId: 'ep-default', url: '' });
    await waitFor(() => receiver.requestsTo('/default').length === 1, {
      what: 'the delivery at the configured url',
    });
    expect(receiver.requestsTo('/default')[0]?.headers['webhook-id']).toBe(id);
    // Without a configured url either, the attempt fails as an invalid URL: dead-lettered, not retried.
    const lost = await fx.send({ endpointId: 'ep-nowhere', url: '' });
    await dlq.until((values) => values.some((d) => d.request?.deliveryId === lost), 'the dead letter');
    expect(dlq.values.find((d) => d.request?.deliveryId === lost)).toMatchObject({
      reason: 'permanent_failure',
      lastError: 'invalid_url',
    });
  });

  it('pages through endpoints and validates the query', async () => {
    for (const id of ['page-a', 'page-b', 'page-c']) {
      expect((await call('PUT', `/endpoints/${id}/config`, { body: {} })).status).toBe(200);
    }
    const first = await call('GET', '/endpoints?limit=2');
    const page = first.body as { items: { id: string }[]; next: string | null };
    expect(page.items).toHaveLength(2);
    expect(page.next).toBe(page.items[1]?.id);
    const rest = await call('GET', `/endpoints?limit=1000&after=${encodeURIComponent(page.next ?? '')}`);
    const ids = [...page.items, ...(rest.body as { items: { id: string }[] }).items].map((e) => e.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c', 'ep-conf', 'ep-switch']));
    expect((await call('GET', '/endpoints?limit=0')).status).toBe(400);
    expect((await call('GET', '/endpoints?state=sleepy')).status).toBe(400);
    expect((await call('GET', '/endpoints?colour=blue')).status).toBe(400);
  });

  it('reports backlog, dead letters by reason and metrics', async () => {
    await waitFor(
      async () => {
        const stats = (await call('GET', '/stats')).body as { dlq: { byReason: Record<string, number> } };
        return (
          (stats.dlq.byReason['max_attempts'] ?? 0) >= 1 &&
          (stats.dlq.byReason['endpoint_disabled'] ?? 0) >= 1
        );
      },
      { what: 'the dead letters to be counted' },
    );
    const stats = (await call('GET', '/stats')).body as Record<string, unknown>;
    expect(stats).toMatchObject({
      ingest: { topic: fx.topology.ingest, group: fx.topology.dispatcherGroup, lag: aNumber },
      tiers: [
        { tier: '1s', topic: fx.topology.tiers[0]?.topic, lag: aNumber },
        { tier: '2s', topic: fx.topology.tiers[1]?.topic, lag: aNumber },
      ],
      projection: { topic: fx.topology.attempts },
      endpoints: { closed: aNumber, disabled: aNumber },
    });
    const metrics = await call('GET', '/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(/kretry_attempts_total\{outcome="retryable",tier="ingest"\} \d+/);
    expect(metrics.text).toMatch(
      new RegExp(
        `kretry_consumer_lag\\{topic="${fx.topology.ingest.replace('.', '\\.')}",partition="0"\\} \\d+`,
      ),
    );
    expect(metrics.text).toMatch(/kretry_endpoints\{state="closed"\} \d+/);
    expect(metrics.text).toMatch(/kretry_endpoint_failure_rate\{endpoint="ep-conf"\} 1/);
    expect(metrics.text).toMatch(/kretry_dead_letters_total\{reason="max_attempts"\} \d+/);
  });
});
