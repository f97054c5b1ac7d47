import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptRecordedValue, DeadLetterValue } from '../../../src/kafka/records.js';
import { parseDeliveryInput } from '../../../src/operator/delivery-input.js';
import { waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';

/**
 * A real HTTP server that reads each request in full, then destroys the socket without a word: the
 * receiver got the request, and kretry cannot know whether it acted on it.
 */
class HangUpReceiver {
  readonly received: { path: string; method: string }[] = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<HangUpReceiver> {
    const holder: { receiver?: HangUpReceiver } = {};
    const server = createServer((req) => {
      req.resume();
      req.on('end', () => {
        holder.receiver?.received.push({ path: req.url ?? '/', method: req.method ?? '' });
        req.socket.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.receiver = new HangUpReceiver(server);
    return holder.receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  requestsTo(path: string): { path: string; method: string }[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('non-idempotent requests after an ambiguous failure', () => {
  let receiver: HangUpReceiver;
  let fx: EngineFixture;
  let attempts: TopicReader<AttemptRecordedValue>;
  let dlq: TopicReader<DeadLetterValue>;

  beforeAll(async () => {
    receiver = await HangUpReceiver.start();
    fx = await startEngineFixture({ KRETRY_TIERS: '1s,2s' });
    attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
    dlq = fx.read(fx.topology.dlq, fx.codecs.dlq);
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  const deadLetterOf = (id: string): DeadLetterValue | undefined =>
    dlq.values.find((d) => d.request?.deliveryId === id);
  const attemptsOf = (id: string): AttemptRecordedValue[] =>
    attempts.values.filter((a) => a.deliveryId === id);

  it('dead-letters a PATCH as unsafe_to_retry after one attempt', async () => {
    const id = await fx.send({ endpointId: 'ep-patch', url: receiver.url('/patch'), method: 'PATCH' });
    await dlq.until(() => deadLetterOf(id) !== undefined, 'the unsafe_to_retry dead letter');
    expect(deadLetterOf(id)).toMatchObject({ reason: 'unsafe_to_retry', lastError: 'connection_reset' });
    expect(deadLetterOf(id)?.attempts.map((a) => [a.attempt, a.outcome, a.errorClass])).toEqual([
      [1, 'retryable', 'connection_reset'],
    ]);
    expect(receiver.requestsTo('/patch')).toEqual([{ path: '/patch', method: 'PATCH' }]);
  });

  it('retries the same PATCH when the delivery sets retryUnsafe (as `kretry send` reads it)', async () => {
    const parsed = parseDeliveryInput(
      {
        endpointId: 'ep-patch-opt-in',
        url: receiver.url('/patch-opt-in'),
        method: 'PATCH',
        retryUnsafe: true,
        policy: { maxAttempts: 2 },
      },
      Date.now(),
    );
    if (!('request' in parsed)) throw new Error(parsed.problem);
    const id = await fx.send(parsed.request);
    await dlq.until(() => deadLetterOf(id) !== undefined, 'the dead letter after both attempts', 60_000);
    expect(deadLetterOf(id)?.reason).toBe('max_attempts');
    expect(attemptsOf(id).map((a) => a.errorClass)).toEqual(['connection_reset', 'connection_reset']);
    expect(receiver.requestsTo('/patch-opt-in')).toHaveLength(2);
  });

  it('retries a PATCH to an endpoint that opts in, unless the delivery says false', async () => {
    const response = await fetch(`${fx.engine?.apiUrl ?? ''}/endpoints/ep-opt-in/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ retryUnsafe: true }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ config: { retryUnsafe: true } });
    await waitFor(() => fx.engine?.endpointConfig('ep-opt-in')?.retryUnsafe === true, {
      what: "the workers' endpoints table to hold the opt-in",
    });
    const policy = { maxAttempts: 2, maxAgeMs: null, tiers: null };
    const opted = await fx.send({
      endpointId: 'ep-opt-in',
      url: receiver.url('/ep-opt-in'),
      method: 'PATCH',
      policy,
    });
    const refused = await fx.send({
      endpointId: 'ep-opt-in',
      url: receiver.url('/ep-opt-out'),
      method: 'PATCH',
      policy,
      retryUnsafe: false,
    });
    await dlq.until(
      () => deadLetterOf(opted) !== undefined && deadLetterOf(refused) !== undefined,
      'both dead letters',
      60_000,
    );
    expect(deadLetterOf(opted)?.reason).toBe('max_attempts');
    expect(receiver.requestsTo('/ep-opt-in')).toHaveLength(2);
    expect(deadLetterOf(refused)?.reason).toBe('unsafe_to_retry');
    expect(receiver.requestsTo('/ep-opt-out')).toHaveLength(1);
  });

  it('retries a POST by default (receivers drop a repeat by its webhook-id)', async () => {
    const id = await fx.send({
      endpointId: 'ep-post',
      url: receiver.url('/post'),
      method: 'POST',
      policy: { maxAttempts: 2, maxAgeMs: null, tiers: null },
    });
    await dlq.until(() => deadLetterOf(id) !== undefined, 'the dead letter after both attempts', 60_000);
    expect(deadLetterOf(id)?.reason).toBe('max_attempts');
    expect(receiver.requestsTo('/post')).toHaveLength(2);
  });

  it('retries a PATCH whose connection was refused: nothing was sent', async () => {
    // A port that was just free: nothing listens there, so the connection is refused.
    const closed = await HangUpReceiver.start();
    const url = closed.url('/refused');
    await closed.stop();
    const id = await fx.send({
      endpointId: 'ep-refused',
      url,
      method: 'PATCH',
      policy: { maxAttempts: 2, maxAgeMs: null, tiers: null },
    });
    await dlq.until(() => deadLetterOf(id) !== undefined, 'the dead letter after both attempts', 60_000);
    expect(deadLetterOf(id)).toMatchObject({ reason: 'max_attempts', lastError: 'connection_refused' });
    expect(attemptsOf(id)).toHaveLength(2);
  });
});
