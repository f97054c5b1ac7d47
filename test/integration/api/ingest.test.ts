import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestRoutes } from '../../../src/api/ingest-routes.js';
import { startApiServer } from '../../../src/api/server.js';
import { createKafka } from '../../../src/kafka/kafka-client.js';
import type { AttemptRecordedValue } from '../../../src/kafka/records.js';
import { createLogger } from '../../../src/observability/logger.js';
import { anyFreePort } from '../../../src/stack/processes.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

describe('HTTP ingest: POST /deliveries and /deliveries:batch', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;
  let attempts: TopicReader<AttemptRecordedValue>;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({ KRETRY_TIERS: '1s,2s', KRETRY_MAX_BODY_BYTES: '1000' });
    attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${fx.engine?.apiUrl ?? ''}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('answers 202 with the deliveryId once written, and the delivery reaches its endpoint', async () => {
    const response = await post('/deliveries', {
      deliveryId: 'msg_http_single',
      endpointId: 'ep-http',
      url: receiver.url('/http-single'),
      body: { hello: 'world' },
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { deliveryId: string; acceptedAt: string };
    expect(body.deliveryId).toBe('msg_http_single');
    expect(Number.isNaN(Date.parse(body.acceptedAt))).toBe(false);
    await attempts.until(
      (v) => v.some((a) => a.deliveryId === 'msg_http_single' && a.outcome === 'success'),
      'the delivery to succeed',
    );
    const [request] = receiver.requestsTo('/http-single');
    expect(JSON.parse(request?.body ?? '{}')).toEqual({ hello: 'world' });
    expect(request?.headers['webhook-id']).toBe('msg_http_single');
  });

  it('takes a batch, answers with every id in order, and delivers them all', async () => {
    const deliveries = [0, 1, 2].map((i) => ({
      endpointId: `ep-batch-${i}`,
      url: receiver.url(`/batch/${i}`),
      body: { i },
    }));
    const response = await post('/deliveries:batch', { deliveries });
    expect(response.status).toBe(202);
    const { accepted } = (await response.json()) as { accepted: { deliveryId: string }[] };
    expect(accepted).toHaveLength(3);
    const ids = accepted.map((a) => a.deliveryId);
    await attempts.until(
      (v) => ids.every((id) => v.some((a) => a.deliveryId === id && a.outcome === 'success')),
      'every batched delivery to succeed',
    );
    expect([0, 1, 2].map((i) => receiver.requestsTo(`/batch/${i}`).length)).toEqual([1, 1, 1]);
  });

  it('answers 400 naming the field, and writes nothing of a batch with one bad delivery', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['/deliveries', {}, /endpointId/],
      ['/deliveries', { endpointId: 'e', url: 'ftp://example.com/' }, /url: must be an http\(s\) URL/],
      [
        '/deliveries',
        { endpointId: 'e', body: 'x'.repeat(1001) },
        /body: 1001 bytes is over KRETRY_MAX_BODY_BYTES/,
      ],
      ['/deliveries', { endpointId: 'e', colour: 'red' }, /colour/],
      ['/deliveries', 'not json', /not JSON/],
      ['/deliveries:batch', { deliveries: [] }, /deliveries: must not be empty/],
      [
        '/deliveries:batch',
        { deliveries: Array.from({ length: 1001 }, () => ({ endpointId: 'e' })) },
        /at most 1000 deliveries/,
      ],
      [
        '/deliveries:batch',
        {
          deliveries: [
            { endpointId: 'e', deliveryId: 'msg_never' },
            { endpointId: 'e', url: 'nope' },
          ],
        },
        /deliveries\.1: url/,
      ],
    ];
    for (const [path, body, message] of cases) {
      const response = await post(path, body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
    // The good half of the bad batch was not written: the next delivery on ingest is processed, it is not.
    await post('/deliveries', { deliveryId: 'msg_after_bad', endpointId: 'e', url: receiver.url('/after') });
    await attempts.until((v) => v.some((a) => a.deliveryId === 'msg_after_bad'), 'the later delivery');
    expect(attempts.values.some((a) => a.deliveryId === 'msg_never')).toBe(false);
  });

  it('answers 503 with Retry-After when the broker cannot be reached, and acknowledges nothing', async () => {
    const deadBroker = `127.0.0.1:${await anyFreePort()}`; // nothing listens there
    const ingest = new IngestRoutes({
      kafka: createKafka([deadBroker], createLogger('silent')),
      topology: fx.topology,
      codecs: fx.codecs,
      maxBodyBytes: 1000,
      now: () => Date.now(),
    });
    const server = await startApiServer({
      host: '127.0.0.1',
      port: 0,
      token: undefined,
      routes: ingest.routes(),
      logger: createLogger('silent'),
    });
    try {
      const response = await fetch(`${server.url}/deliveries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ endpointId: 'e', url: receiver.url('/never') }),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(((await response.json()) as { error: string }).error).toMatch(/did not acknowledge.*try again/);
    } finally {
      await ingest.stop();
      await server.close();
    }
  });
});
