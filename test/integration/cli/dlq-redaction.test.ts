import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptRecordedValue, DeadLetterValue } from '../../../src/kafka/records.js';
import { cliEnv, jsonLines, runCli } from '../harness/cli.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

interface TailLine {
  deliveryId: string;
  request: { headers: Record<string, string> };
}

describe('dlq tail redacts credentials, redrive sends them', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;
  let dlq: TopicReader<DeadLetterValue>;
  let attempts: TopicReader<AttemptRecordedValue>;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({ KRETRY_TIERS: '1s,2s' });
    dlq = fx.read(fx.topology.dlq, fx.codecs.dlq);
    attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  it('shows [redacted] for the configured names and secret/token names, and redrives the real values', async () => {
    const headers = {
      Authorization: 'Bearer receiver-credential',
      'X-Shop-Secret': 'shh',
      'X-Tenant': 't1',
    };
    receiver.script('/cred', [{ status: 400 }, { status: 200 }]);
    const id = await fx.send({ endpointId: 'cred-ep', url: receiver.url('/cred'), headers });
    await dlq.until((v) => v.some((d) => d.request?.deliveryId === id), 'the dead letter');
    // What redrive re-injects is the stored letter: it still holds every value.
    expect(dlq.values.find((d) => d.request?.deliveryId === id)?.request?.headers).toEqual(headers);

    const tail = await runCli(['dlq', 'tail', '--json', '--delivery-id', id], cliEnv(fx));
    expect(tail.code, tail.stderr).toBe(0);
    expect(tail.stdout).not.toContain('receiver-credential');
    expect(jsonLines<TailLine>(tail.stdout).map((l) => l.request.headers)).toEqual([
      { Authorization: '[redacted]', 'X-Shop-Secret': '[redacted]', 'X-Tenant': 't1' },
    ]);

    // A list of one's own replaces the default list; secret/token names stay hidden regardless.
    const own = await runCli(
      ['dlq', 'tail', '--json', '--delivery-id', id],
      cliEnv(fx, { KRETRY_REDACT_HEADERS: 'x-tenant' }),
    );
    expect(jsonLines<TailLine>(own.stdout).map((l) => l.request.headers)).toEqual([
      {
        Authorization: 'Bearer receiver-credential',
        'X-Shop-Secret': '[redacted]',
        'X-Tenant': '[redacted]',
      },
    ]);

    const redrive = await runCli(['redrive', '--delivery-id', id, '--json'], cliEnv(fx));
    expect(redrive.code, redrive.stderr).toBe(0);
    await attempts.until(
      (v) => v.some((a) => a.deliveryId === id && a.outcome === 'success'),
      'the redriven delivery to succeed',
    );
    const [first, redriven] = receiver.requestsTo('/cred');
    for (const received of [first, redriven]) {
      expect(received?.headers['authorization']).toBe('Bearer receiver-credential');
      expect(received?.headers['x-shop-secret']).toBe('shh');
      expect(received?.headers['x-tenant']).toBe('t1');
    }
  });

  it('hides a URL password and key-like query values in dlq tail, text and JSON', async () => {
    // The receiver scripts by the whole request target, query included.
    receiver.script('/urlcred?token=query-credential&tenant=t1', [{ status: 400 }]);
    const url = receiver
      .url('/urlcred?token=query-credential&tenant=t1')
      .replace('http://', 'http://hook:url-credential@');
    const id = await fx.send({ endpointId: 'urlcred-ep', url });
    await dlq.until((v) => v.some((d) => d.request?.deliveryId === id), 'the dead letter');
    expect(dlq.values.find((d) => d.request?.deliveryId === id)?.request?.url).toBe(url);
    for (const args of [['--json'], []]) {
      const tail = await runCli(['dlq', 'tail', ...args, '--delivery-id', id], cliEnv(fx));
      expect(tail.code, tail.stderr).toBe(0);
      expect(tail.stdout).toContain(id);
      expect(tail.stdout).not.toContain('url-credential');
      expect(tail.stdout).not.toContain('query-credential');
      expect(tail.stdout).toContain('tenant=t1');
    }
  });
});
