import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterValue } from '../../../src/kafka/records.js';
import { cliEnv, jsonLines, runCli } from '../harness/cli.js';
import { waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

describe('kretry send, dlq tail, dlq stats', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;
  let dlq: TopicReader<DeadLetterValue>;
  let env: Record<string, string>;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({ KRETRY_TIERS: '1s,2s', KRETRY_MAX_ATTEMPTS: '2' });
    dlq = fx.read(fx.topology.dlq, fx.codecs.dlq);
    env = cliEnv(fx);
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  it('send: delivers every valid JSON line from stdin, prints their ids, names the invalid line and exits 1', async () => {
    const lines = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({ endpointId: `bulk-${i % 3}`, url: receiver.url('/bulk'), body: { n: i } }),
    );
    lines.splice(7, 0, '{"endpointId": "bulk-0", "url": "not a url"}', 'not json at all');
    const result = await runCli(['send'], env, { stdin: `${lines.join('\n')}\n` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/stdin:8: url: must be an http\(s\) URL/);
    expect(result.stderr).toMatch(/stdin:9: not a JSON object/);
    expect(result.stderr).toMatch(/sent 30 deliveries/);
    const ids = result.stdout.trim().split('\n');
    expect(ids).toHaveLength(30);
    await waitFor(() => receiver.requestsTo('/bulk').length >= 30, { what: 'every line delivered' });
    expect(
      receiver
        .requestsTo('/bulk')
        .map((r) => r.headers['webhook-id'])
        .sort(),
    ).toEqual([...ids].sort());
    const bodies = receiver.requestsTo('/bulk').map((r) => (JSON.parse(r.body) as { n: number }).n);
    expect(bodies.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('send: one delivery from flags, with headers and a chosen id; usage errors exit 2', async () => {
    const result = await runCli(
      [
        'send',
        '-e',
        'flags-ep',
        '-u',
        receiver.url('/flags'),
        '-d',
        '{"hello":"world"}',
        '-H',
        'X-Tenant: t1',
        '--id',
        'msg_flags_1',
        '--json',
      ],
      env,
    );
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([{ deliveryId: 'msg_flags_1', endpointId: 'flags-ep' }]);
    await waitFor(() => receiver.requestsTo('/flags').length === 1, { what: 'the delivery' });
    const request = receiver.requestsTo('/flags')[0];
    expect(request?.headers['x-tenant']).toBe('t1');
    expect(request?.headers['webhook-id']).toBe('msg_flags_1');
    expect(request?.body).toBe('{"hello":"world"}');
    const usage = await runCli(['send', '-e', 'x', '-u', receiver.url('/x'), '-d', '{broken'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--data is not JSON/);
  });

  it('dlq tail and dlq stats decode, filter and count dead letters', async () => {
    receiver.script('/bad', [{ status: 400, body: 'no such customer' }]);
    receiver.script('/down', [{ status: 503 }]);
    const bad = await fx.send({ endpointId: 'dlq-bad', url: receiver.url('/bad') });
    const down = await fx.send({ endpointId: 'dlq-down', url: receiver.url('/down') });
    await dlq.until(
      (values) => [bad, down].every((id) => values.some((d) => d.request?.deliveryId === id)),
      'both dead letters',
    );

    const tail = await runCli(['dlq', 'tail', '--json', '--reason', 'permanent_failure'], env);
    expect(tail.code).toBe(0);
    const letters = jsonLines<{
      deliveryId: string;
      reason: string;
      lastStatus: number;
      lastResponseBody: string;
      attempts: unknown[];
    }>(tail.stdout);
    expect(letters.map((l) => l.deliveryId)).toEqual([bad]);
    expect(letters[0]).toMatchObject({
      reason: 'permanent_failure',
      lastStatus: 400,
      lastResponseBody: 'no such customer',
    });
    expect(letters[0]?.attempts).toHaveLength(1);

    const text = await runCli(['dlq', 'tail', '--endpoint', 'dlq-down'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(down);
    expect(text.stdout).toContain('max_attempts');
    expect(text.stdout).toMatch(/#2 .* retryable +503/);
    expect(text.stdout).not.toContain(bad);

    const stats = await runCli(['dlq', 'stats', '--json'], env);
    expect(stats.code).toBe(0);
    const counts = jsonLines<{
      total: number;
      byReason: Record<string, number>;
      byEndpoint: Record<string, number>;
      byLastStatus: Record<string, number>;
      byAge: Record<string, number>;
    }>(stats.stdout)[0];
    expect(counts?.total).toBe(dlq.values.length);
    expect(counts?.byReason).toMatchObject({ permanent_failure: 1, max_attempts: 1 });

    const byReason = await runCli(['dlq', 'tail', '--reason', 'max_attempts', '--json'], env);
    expect(byReason.code, byReason.stderr).toBe(0);
    expect(jsonLines<{ deliveryId: string }>(byReason.stdout).map((l) => l.deliveryId)).toEqual([down]);
    expect(counts?.byEndpoint).toMatchObject({ 'dlq-bad': 1, 'dlq-down': 1 });
    expect(counts?.byLastStatus).toMatchObject({ '400': 1, '503': 1 });
    expect(counts?.byAge['< 1h']).toBe(dlq.values.length);
    const table = await runCli(['dlq', 'stats'], env);
    expect(table.stdout).toMatch(/permanent_failure\s*│\s*1/);
  });
});
