import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AttemptRecordedValue,
  DeadLetterValue,
  ScheduledAttemptValue,
} from '../../../src/kafka/records.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

describe('the engine: ingest → HTTP → tiers → dlq', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;
  let attempts: TopicReader<AttemptRecordedValue>;
  let dlq: TopicReader<DeadLetterValue>;
  let tier0: TopicReader<ScheduledAttemptValue>;
  let tier1: TopicReader<ScheduledAttemptValue>;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({
      KRETRY_TIERS: '1s,2s,4s',
      KRETRY_MAX_ATTEMPTS: '10',
      KRETRY_ENDPOINT_SECRETS: '{"ep-signed":"whsec_c2VjcmV0"}',
    });
    attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
    dlq = fx.read(fx.topology.dlq, fx.codecs.dlq);
    tier0 = fx.read(fx.topology.tiers[0]?.topic ?? '', fx.codecs.tiers[0]!);
    tier1 = fx.read(fx.topology.tiers[1]?.topic ?? '', fx.codecs.tiers[1]!);
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  const attemptsOf = (id: string): AttemptRecordedValue[] =>
    attempts.values.filter((a) => a.deliveryId === id);
  const deadLetterOf = (id: string): DeadLetterValue | undefined =>
    dlq.values.find((d) => d.request?.deliveryId === id);

  it('delivers on the first try with Standard Webhooks headers, and schedules nothing', async () => {
    const id = await fx.send({ endpointId: 'ep-signed', url: receiver.url('/ok') });
    await attempts.until(() => attemptsOf(id).length === 1, 'the first attempt');
    const [request] = receiver.requestsTo('/ok');
    expect(request?.headers['webhook-id']).toBe(id);
    expect(request?.headers['webhook-timestamp']).toMatch(/^\d+$/);
    expect(request?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(attemptsOf(id)[0]).toMatchObject({ outcome: 'success', status: 200, attempt: 1, tierIndex: null });
    expect(tier0.values.filter((s) => s.request.deliveryId === id)).toHaveLength(0);
  });

  it('retries three failures through the tiers in order, each attempt no earlier than due, then succeeds', async () => {
    receiver.script('/flaky', [{ status: 500 }, { status: 503 }, { status: 502 }, { status: 200 }]);
    const id = await fx.send({ endpointId: 'ep-flaky', url: receiver.url('/flaky') });
    await attempts.until(
      () => attemptsOf(id).some((a) => a.outcome === 'success'),
      'the fourth attempt to succeed',
      90_000,
    );
    const recorded = attemptsOf(id).sort((a, b) => a.attempt - b.attempt);
    expect(receiver.requestsTo('/flaky')).toHaveLength(4);
    expect(recorded.map((a) => [a.attempt, a.tierIndex, a.outcome])).toEqual([
      [1, null, 'retryable'],
      [2, 0, 'retryable'],
      [3, 1, 'retryable'],
      [4, 2, 'success'],
    ]);
    for (const attempt of recorded.slice(1))
      expect(attempt.eventTime).toBeGreaterThanOrEqual(attempt.dueAt ?? Infinity);
    // Every attempt carries the same webhook-id, so the receiver can deduplicate.
    expect(new Set(receiver.requestsTo('/flaky').map((r) => r.headers['webhook-id']))).toEqual(new Set([id]));
  });

  it('dead-letters a 410 at once with the last status and every attempt', async () => {
    receiver.script('/gone', [{ status: 410, body: 'endpoint removed' }]);
    const id = await fx.send({ endpointId: 'ep-gone', url: receiver.url('/gone') });
    await dlq.until(() => deadLetterOf(id) !== undefined, 'the dead letter');
    const letter = deadLetterOf(id);
    expect(letter).toMatchObject({
      reason: 'permanent_failure',
      lastStatus: 410,
      lastError: 'http_410',
      lastResponseBody: 'endpoint removed',
    });
    expect(letter?.attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual([[1, 410, 'permanent']]);
    expect(letter?.request?.url).toBe(receiver.url('/gone'));
    expect(attemptsOf(id)[0]?.disablesEndpoint).toBe(true);
  });

  it('dead-letters as max_attempts at the attempt limit, with a summary of every attempt', async () => {
    receiver.script('/down', [{ status: 500 }]);
    const id = await fx.send({
      endpointId: 'ep-down',
      url: receiver.url('/down'),
      policy: { maxAttempts: 3, maxAgeMs: null, tiers: null },
    });
    await dlq.until(() => deadLetterOf(id) !== undefined, 'the max_attempts dead letter', 90_000);
    const letter = deadLetterOf(id);
    expect(letter?.reason).toBe('max_attempts');
    expect(letter?.attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(letter?.lastStatus).toBe(500);
    expect(receiver.requestsTo('/down')).toHaveLength(3);
  });

  it('dead-letters as max_age at the age limit', async () => {
    receiver.script('/slow-fail', [{ status: 503 }]);
    const id = await fx.send({
      endpointId: 'ep-age',
      url: receiver.url('/slow-fail'),
      policy: { maxAttempts: null, maxAgeMs: 2_500, tiers: null },
    });
    await dlq.until(() => deadLetterOf(id) !== undefined, 'the age-limited dead letter', 90_000);
    const letter = deadLetterOf(id);
    expect(letter?.reason).toBe('max_age');
    // Tiers 1s, 2s, 4s (±25 %): the retry on the 4s tier would always fall due past 2.5 s.
    expect(letter?.attempts.length).toBeGreaterThanOrEqual(2);
    expect(letter?.attempts.length).toBeLessThanOrEqual(3);
    for (const attempt of letter?.attempts ?? [])
      expect(attempt.at - (letter?.firstAttemptAt ?? 0)).toBeLessThanOrEqual(2_500);
  });

  it('respects Retry-After: the retry waits at least as long as asked', async () => {
    receiver.script('/busy', [{ status: 429, headers: { 'retry-after': '3' } }, { status: 200 }]);
    const id = await fx.send({ endpointId: 'ep-busy', url: receiver.url('/busy') });
    await attempts.until(
      () => attemptsOf(id).some((a) => a.outcome === 'success'),
      'the retry after Retry-After',
      60_000,
    );
    const [first, second] = receiver.requestsTo('/busy');
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(3_000);
    // A 3 s wait covers the 2 s tier: the retry goes there, not on the 1 s tier (domain/route.ts).
    await tier1.until(
      (values) => values.some((s) => s.request.deliveryId === id),
      'the retry on the 2s tier',
    );
    expect(tier0.values.filter((s) => s.request.deliveryId === id)).toHaveLength(0);
    const scheduled = tier1.values.find((s) => s.request.deliveryId === id);
    expect(scheduled?.tierIndex).toBe(1);
    expect((scheduled?.dueAt ?? 0) - (scheduled?.history[0]?.at ?? 0)).toBeGreaterThanOrEqual(3_000);
  });

  it('dead-letters an invalid record as invalid_record with its bytes, and keeps delivering', async () => {
    const garbage = Buffer.from('this is not avro');
    await fx.sendRaw('ep-bad', garbage);
    const id = await fx.send({ endpointId: 'ep-after-bad', url: receiver.url('/after-bad') });
    await dlq.until(
      (values) => values.some((d) => d.reason === 'invalid_record' && d.rawValue?.equals(garbage) === true),
      'the invalid record',
    );
    await attempts.until(() => attemptsOf(id).some((a) => a.outcome === 'success'), 'the next record');
    const letter = dlq.values.find((d) => d.reason === 'invalid_record');
    expect(letter?.request).toBeNull();
    expect(letter?.lastError).toMatch(/Confluent wire format|undecodable/);
    expect(letter?.source?.topic).toBe(fx.topology.ingest);
  });
});

describe('target guard', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({ KRETRY_TIERS: '1s', KRETRY_ALLOW_PRIVATE_TARGETS: 'false' });
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  it('refuses loopback and private targets by default, by name and by address', async () => {
    const dlq = fx.read(fx.topology.dlq, fx.codecs.dlq);
    const byName = await fx.send({ endpointId: 'ep-local', url: `http://localhost:${receiver.port}/x` });
    const byAddress = await fx.send({ endpointId: 'ep-local', url: receiver.url('/y') });
    await dlq.until(
      (v) => [byName, byAddress].every((id) => v.some((d) => d.request?.deliveryId === id)),
      'both refusals',
    );
    for (const letter of dlq.values)
      expect(letter).toMatchObject({ reason: 'target_forbidden', lastError: 'target_forbidden' });
    expect(receiver.requests).toHaveLength(0);
  });
});
