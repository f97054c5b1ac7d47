import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AttemptRecordedValue,
  DeadLetterHandledValue,
  DeadLetterValue,
} from '../../../src/kafka/records.js';
import { PARTITIONER } from '../../../src/kafka/kafka-client.js';
import { letterKey } from '../../../src/operator/redrive.js';
import { cliEnv, jsonLines, runCli } from '../harness/cli.js';
import { testKafka } from '../harness/context.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

/** `matched` counts matching letters not handled before; `alreadyHandled` the others. */
interface RedriveJson {
  matched: number;
  alreadyHandled: number;
  reinjected: number;
  dryRun: boolean;
}

interface ResolveJson {
  matched: number;
  alreadyHandled: number;
  resolved: number;
}

/**
 * Redrive remembers which dead letters it re-injected (dlq-handled), so filtered runs compose and
 * resolve excludes letters from redrive and from the open counts. Every delivery has a path of its
 * own that answers 400 once (a permanent failure: one dead letter) and 200 after, so the number of
 * requests a path received is the number of times its delivery was sent: 1 + times redriven.
 */
describe('redrive composes; dlq resolve', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;
  let dlq: TopicReader<DeadLetterValue>;
  let attempts: TopicReader<AttemptRecordedValue>;
  let marks: TopicReader<DeadLetterHandledValue>;
  let env: Record<string, string>;
  const ids = new Map<string, string>();

  const path = (name: string): string => `/cmp/${name}`;
  const idOf = (name: string): string => ids.get(name) ?? '';
  const sent = (name: string): number => receiver.requestsTo(path(name)).length;
  const succeeded = (names: readonly string[]) =>
    attempts.until(
      (values) =>
        names.every((name) => values.some((a) => a.deliveryId === idOf(name) && a.outcome === 'success')),
      `${names.join(', ')} to succeed`,
    );
  const redriveJson = async (args: string[]): Promise<RedriveJson> => {
    const run = await runCli(['redrive', ...args, '--json'], env);
    expect(run.code).toBe(0);
    return jsonLines<RedriveJson>(run.stdout)[0] as RedriveJson;
  };

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({ KRETRY_TIERS: '1s,2s', KRETRY_MAX_ATTEMPTS: '2' });
    dlq = fx.read(fx.topology.dlq, fx.codecs.dlq);
    attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
    marks = fx.read(fx.topology.dlqHandled, fx.codecs.dlqHandled);
    env = cliEnv(fx);
    const letters: [string, string][] = [
      ['a1', 'cmp-a'],
      ['a2', 'cmp-a'],
      ['b1', 'cmp-b'],
      ['c1', 'cmp-c'],
      ['c2', 'cmp-c'],
      ['d1', 'cmp-d'],
      ['e1', 'cmp-e'],
    ];
    for (const [name, endpointId] of letters) {
      receiver.script(path(name), [{ status: 400 }, { status: 200 }]);
      ids.set(name, await fx.send({ endpointId, url: receiver.url(path(name)) }));
    }
    await dlq.until(
      (values) => [...ids.values()].every((id) => values.some((d) => d.request?.deliveryId === id)),
      'seven dead letters',
    );
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  it('redrive A then B re-injects each exactly once; A again finds nothing', async () => {
    expect(await redriveJson(['--endpoint', 'cmp-a'])).toMatchObject({
      matched: 2,
      alreadyHandled: 0,
      reinjected: 2,
    });
    // The old group-offset redrive had read past b1 here, and the next run could never find it.
    expect(await redriveJson(['--endpoint', 'cmp-b'])).toMatchObject({
      matched: 1,
      alreadyHandled: 0,
      reinjected: 1,
    });
    expect(await redriveJson(['--endpoint', 'cmp-a'])).toMatchObject({
      matched: 0,
      alreadyHandled: 2,
      reinjected: 0,
    });
    await succeeded(['a1', 'a2', 'b1']);
    expect(['a1', 'a2', 'b1', 'c1', 'c2'].map(sent)).toEqual([2, 2, 2, 1, 1]);
    for (const name of ['a1', 'a2', 'b1']) {
      expect(receiver.requestsTo(path(name)).map((r) => r.headers['webhook-id'])).toEqual([
        idOf(name),
        idOf(name),
      ]);
    }
    // One mark per re-injected letter, written in the same transaction as the re-injection.
    const redriven = (await marks.until((v) => v.length >= 3, 'three marks')).filter(
      (m) => m.action === 'redriven',
    );
    expect(redriven.map((m) => m.deliveryId).sort()).toEqual([idOf('a1'), idOf('a2'), idOf('b1')].sort());
  });

  it('--delivery-id redrives that one dead letter only', async () => {
    expect(await redriveJson(['--delivery-id', idOf('c1'), '--dry-run'])).toMatchObject({
      matched: 1,
      reinjected: 1,
      dryRun: true,
    });
    expect(await redriveJson(['--delivery-id', idOf('c1')])).toMatchObject({ matched: 1, reinjected: 1 });
    await succeeded(['c1']);
    expect([sent('c1'), sent('c2')]).toEqual([2, 1]);
    expect(await redriveJson(['--delivery-id', idOf('c1')])).toMatchObject({
      matched: 0,
      alreadyHandled: 1,
      reinjected: 0,
    });
  });

  it('dlq resolve (CLI and API) marks letters handled: redrive skips them, stats do not count them open', async () => {
    const noFilter = await runCli(['dlq', 'resolve', '--by', 'alice'], env);
    expect(noFilter.code).toBe(2);
    expect(noFilter.stderr).toMatch(/needs a filter/);

    const resolved = await runCli(
      [
        'dlq',
        'resolve',
        '--delivery-id',
        idOf('c2'),
        '--by',
        'alice',
        '--note',
        're-sent by the customer',
        '--json',
      ],
      env,
    );
    expect(resolved.code).toBe(0);
    expect(jsonLines<ResolveJson>(resolved.stdout)[0]).toMatchObject({ matched: 1, resolved: 1 });
    const resolvedMarks = await marks.until(
      (v) => v.some((m) => m.action === 'resolved'),
      'the resolve mark',
    );
    expect(resolvedMarks.filter((m) => m.action === 'resolved')).toEqual([
      expect.objectContaining({ deliveryId: idOf('c2'), by: 'alice', note: 're-sent by the customer' }),
    ]);
    // c1 redriven before, c2 resolved now: nothing left for the endpoint.
    expect(await redriveJson(['--endpoint', 'cmp-c'])).toMatchObject({
      matched: 0,
      alreadyHandled: 2,
      reinjected: 0,
    });

    const api = `${fx.engine?.apiUrl ?? ''}/dlq/resolve`;
    const post = (body: unknown): Promise<Response> =>
      fetch(api, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const first = await post({ endpointId: 'cmp-d', by: 'bob', note: 'endpoint retired' });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ matched: 1, alreadyHandled: 0, resolved: 1 });
    const second = await post({ endpointId: 'cmp-d', by: 'bob' });
    expect(await second.json()).toEqual({ matched: 0, alreadyHandled: 1, resolved: 0 });
    for (const bad of [
      { by: 'bob' },
      { endpointId: 'cmp-d' },
      { endpointId: 'cmp-d', by: 'bob', extra: 1 },
    ]) {
      const answer = await post(bad);
      expect({ bad, status: answer.status }).toEqual({ bad, status: 400 });
    }
    expect(await redriveJson(['--endpoint', 'cmp-d'])).toMatchObject({ alreadyHandled: 1, reinjected: 0 });

    const stats = await runCli(['dlq', 'stats', '--json'], env);
    expect(stats.code).toBe(0);
    const counts = jsonLines<Record<string, unknown>>(stats.stdout)[0];
    expect(counts).toMatchObject({ total: 7, open: 1, redriven: 4, resolved: 2 });
    // The breakdowns count open dead letters only.
    expect(counts?.['byEndpoint']).toEqual({ 'cmp-e': 1 });
    expect(counts?.['byReason']).toEqual({ permanent_failure: 1 });
    const table = await runCli(['dlq', 'stats'], env);
    expect(table.stdout).toMatch(/7 dead letter\(s\) in .*: 1 open, 4 redriven, 2 resolved/);
    expect([sent('c2'), sent('d1'), sent('e1')]).toEqual([1, 1, 1]);
  });
  it('a mark left by an earlier dlq topic of the same name does not hide the letter now at its place', async () => {
    for (const [name, endpointId] of [
      ['f1', 'cmp-f'],
      ['g1', 'cmp-g'],
    ] as const) {
      receiver.script(path(name), [{ status: 400 }, { status: 200 }]);
      ids.set(name, await fx.send({ endpointId, url: receiver.url(path(name)) }));
    }
    await dlq.until(
      (values) => ['f1', 'g1'].every((n) => values.some((d) => d.request?.deliveryId === idOf(n))),
      'the f1 and g1 dead letters',
    );
    const coordinates = async (name: string) => {
      const tail = await runCli(['dlq', 'tail', '--delivery-id', idOf(name), '--json'], env);
      const [entry] = jsonLines<{ partition: number; offset: string; deadAt: string }>(tail.stdout);
      if (entry === undefined) throw new Error(`dlq tail did not show ${name}`);
      return { partition: entry.partition, offset: Number(entry.offset), deadAt: Date.parse(entry.deadAt) };
    };
    // Marks at f1's and g1's coordinates, as an earlier dlq topic's letters would have left them:
    // f1's with another deadAt (it was some other letter), g1's from before marks recorded deadAt.
    const f1 = await coordinates('f1');
    const g1 = await coordinates('g1');
    const mark = (at: { partition: number; offset: number }, deadAt: number | null) => ({
      key: letterKey(at.partition, at.offset),
      value: fx.codecs.dlqHandled.encode({
        partition: at.partition,
        offset: at.offset,
        deliveryId: 'msg_of_an_earlier_topic',
        action: 'resolved',
        at: 0,
        by: 'earlier',
        note: null,
        deadAt,
      }),
    });
    const producer = testKafka().producer({ createPartitioner: PARTITIONER });
    await producer.connect();
    try {
      await producer.send({
        topic: fx.topology.dlqHandled,
        messages: [mark(f1, f1.deadAt - 60_000), mark(g1, null)],
      });
    } finally {
      await producer.disconnect();
    }

    expect(await redriveJson(['--endpoint', 'cmp-f'])).toMatchObject({
      matched: 1,
      alreadyHandled: 0,
      reinjected: 1,
    });
    expect(await redriveJson(['--endpoint', 'cmp-g'])).toMatchObject({
      matched: 0,
      alreadyHandled: 1,
      reinjected: 0,
    });
    await succeeded(['f1']);
    expect([sent('f1'), sent('g1')]).toEqual([2, 1]);
  });
});
