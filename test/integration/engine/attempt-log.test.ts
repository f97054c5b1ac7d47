import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptRecordedValue } from '../../../src/kafka/records.js';
import { createLogger } from '../../../src/observability/logger.js';
import { waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

const AUTHORIZATION = 'Bearer tok_attempt_log_must_not_leak';
const SECRET = 'whsec_c2VjcmV0LWF0dGVtcHQtbG9n';
const BODY_MARKER = 'body_text_must_not_leak';
const URL_TOKEN = 'url_token_must_not_leak';

/** The engine's log lines, as pino writes them (one JSON document a line), kept in memory. */
class CapturedLog {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  write(chunk: string): void {
    for (const text of chunk.split('\n').filter((t) => t !== '')) {
      this.raw.push(text);
      this.lines.push(JSON.parse(text) as Record<string, unknown>);
    }
  }
  attemptsOf(deliveryId: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l['msg'] === 'attempt' && l['deliveryId'] === deliveryId);
  }
}

async function startWithLog(env: Record<string, string>, log: CapturedLog): Promise<EngineFixture> {
  const config = { KRETRY_TIERS: '1s,2s', KRETRY_ENDPOINT_SECRETS: JSON.stringify({ 'ep-log': SECRET }) };
  return startEngineFixture(
    { KRETRY_LOG_LEVEL: 'info', ...config, ...env },
    { logger: createLogger('info', 'kretry', log) },
  );
}

async function deliveredCount(fx: EngineFixture): Promise<number> {
  const metric = await fx.engine?.metrics.deliveries.get();
  return metric?.values.find((v) => v.labels['result'] === 'delivered')?.value ?? 0;
}

describe('the attempt log line (KRETRY_LOG_ATTEMPTS)', () => {
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
  });

  afterAll(async () => {
    await receiver.stop();
  });

  describe('on (the default)', () => {
    const log = new CapturedLog();
    let fx: EngineFixture;
    let attempts: TopicReader<AttemptRecordedValue>;

    beforeAll(async () => {
      fx = await startWithLog({}, log);
      attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
    });

    afterAll(async () => {
      await fx.stop();
    });

    // The receiver scripts by path with its query string.
    const withToken = (path: string) => `${path}?token=${URL_TOKEN}`;
    const request = (path: string) => ({
      endpointId: 'ep-log',
      url: receiver.url(withToken(path)),
      headers: { Authorization: AUTHORIZATION },
      body: Buffer.from(JSON.stringify({ note: BODY_MARKER })),
    });

    it('logs one line per attempt, after it commits, with the next step', async () => {
      receiver.script(withToken('/log-flaky'), [
        { status: 503, body: `busy ${BODY_MARKER}` },
        { status: 200 },
      ]);
      const id = await fx.send(request('/log-flaky'));
      await attempts.until(
        (values) => values.some((a) => a.deliveryId === id && a.outcome === 'success'),
        'the second attempt to succeed',
      );
      await waitFor(() => log.attemptsOf(id).length >= 2, { what: 'both attempt lines' });
      const recorded = attempts.values
        .filter((a) => a.deliveryId === id)
        .sort((a, b) => a.attempt - b.attempt);
      const lines = log.attemptsOf(id);
      expect(lines).toHaveLength(recorded.length);
      const [first, second] = lines;
      expect(first).toMatchObject({
        level: 30,
        component: 'attempts',
        deliveryId: id,
        endpointId: 'ep-log',
        attempt: 1,
        tier: 'ingest',
        status: 503,
        errorClass: 'http_503',
        outcome: 'retryable',
        nextTier: 'retry-1s',
        latencyMs: recorded[0]?.latencyMs,
      });
      // The due time the line gives is the one the ScheduledAttempt carries (its attempt's dueAt).
      const dueAt = new Date(recorded[1]?.dueAt ?? 0).toISOString();
      expect(first?.['dueAt']).toBe(dueAt);
      expect(first?.['next']).toBe(`scheduled retry-1s due ${dueAt}`);
      expect(second).toMatchObject({
        deliveryId: id,
        attempt: 2,
        tier: 'retry-1s',
        status: 200,
        errorClass: null,
        outcome: 'success',
        next: 'delivered',
      });
    });

    it('names the reason of a dead letter', async () => {
      receiver.script(withToken('/log-down'), [{ status: 500 }]);
      const id = await fx.send({
        ...request('/log-down'),
        policy: { maxAttempts: 2, maxAgeMs: null, tiers: null },
      });
      await waitFor(() => log.attemptsOf(id).length >= 2, { what: 'both attempt lines' });
      expect(log.attemptsOf(id).map((l) => [l['attempt'], l['outcome'], l['next']])).toEqual([
        [1, 'retryable', expect.stringMatching(/^scheduled retry-1s due /)],
        [2, 'retryable', 'dead max_attempts'],
      ]);
      expect(log.attemptsOf(id)[1]).toMatchObject({ reason: 'max_attempts' });
    });

    it('logs no Authorization value, secret, URL token or body text in any line', () => {
      expect(log.raw.length).toBeGreaterThan(0);
      for (const text of log.raw) {
        for (const leak of [AUTHORIZATION, 'tok_attempt_log', SECRET, URL_TOKEN, BODY_MARKER]) {
          expect(text).not.toContain(leak);
        }
      }
    });
  });

  describe('off (KRETRY_LOG_ATTEMPTS=false)', () => {
    const log = new CapturedLog();
    let fx: EngineFixture;

    beforeAll(async () => {
      fx = await startWithLog({ KRETRY_LOG_ATTEMPTS: 'false' }, log);
    });

    afterAll(async () => {
      await fx.stop();
    });

    it('logs no attempt line', async () => {
      const before = await deliveredCount(fx);
      const id = await fx.send({ endpointId: 'ep-log', url: receiver.url('/log-quiet') });
      // The delivered count moves in the same after-commit step that would have logged the line.
      await waitFor(async () => (await deliveredCount(fx)) > before, { what: 'the delivery to commit' });
      expect(receiver.requestsTo('/log-quiet')).toHaveLength(1);
      expect(log.lines.length).toBeGreaterThan(0); // the logger works; it just says nothing per attempt
      expect(log.attemptsOf(id)).toEqual([]);
      expect(log.lines.filter((l) => l['msg'] === 'attempt')).toEqual([]);
    });
  });
});
