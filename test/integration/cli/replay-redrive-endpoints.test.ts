import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptRecordedValue, DeadLetterValue } from '../../../src/kafka/records.js';
import { createLogger } from '../../../src/observability/logger.js';
import { startEngine, type Engine } from '../../../src/roles/engine.js';
import { cliEnv, jsonLines, runCli } from '../harness/cli.js';
import { TEST_LOG_LEVEL, testKafka, waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

interface Plan {
  group: string;
  topic: string;
  total: number;
  executed: boolean;
  rows: { partition: number; current: number | null; target: number; toReRead: number }[];
}

describe('kretry replay, redrive, endpoints', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;
  let dlq: TopicReader<DeadLetterValue>;
  let attempts: TopicReader<AttemptRecordedValue>;
  let env: Record<string, string>;
  let restarted: Engine | undefined;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({ KRETRY_TIERS: '1s,2s', KRETRY_MAX_ATTEMPTS: '2' });
    dlq = fx.read(fx.topology.dlq, fx.codecs.dlq);
    attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
    env = cliEnv(fx);
  });

  afterAll(async () => {
    await restarted?.stop();
    await fx.stop();
    await receiver.stop();
  });

  it('redrive re-injects only matching dead letters, keeps webhook-id, and does not repeat itself', async () => {
    receiver.script('/a', [{ status: 400 }, { status: 400 }, { status: 200 }]);
    receiver.script('/b', [{ status: 400 }]);
    const a = [
      await fx.send({ endpointId: 'rd-a', url: receiver.url('/a') }),
      await fx.send({ endpointId: 'rd-a', url: receiver.url('/a') }),
    ];
    const b = await fx.send({ endpointId: 'rd-b', url: receiver.url('/b') });
    await dlq.until(
      (v) => [...a, b].every((id) => v.some((d) => d.request?.deliveryId === id)),
      'three dead letters',
    );

    const dry = await runCli(['redrive', '--endpoint', 'rd-a', '--dry-run', '--json'], env);
    expect(dry.code).toBe(0);
    expect(jsonLines(dry.stdout)[0]).toMatchObject({ matched: 2, reinjected: 2, dryRun: true });

    const run = await runCli(['redrive', '--endpoint', 'rd-a', '--json'], env);
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout)[0]).toMatchObject({ matched: 2, reinjected: 2, dryRun: false });
    await attempts.until(
      (v) => a.every((id) => v.some((x) => x.deliveryId === id && x.outcome === 'success')),
      'the redriven deliveries to succeed',
    );
    expect(
      receiver
        .requestsTo('/a')
        .map((r) => r.headers['webhook-id'])
        .sort(),
    ).toEqual([...a, ...a].sort());
    expect(receiver.requestsTo('/b')).toHaveLength(1);

    const again = await runCli(['redrive', '--endpoint', 'rd-a'], env);
    expect(again.stdout).toMatch(/re-injected 0 into \S+; 2 matching already redriven or resolved, skipped/);

    // Filters compose: the rd-a runs read past rd-b's dead letter without taking it, so a run for
    // rd-b still finds it (a group offset, as before, would have moved past it for good).
    const onlyB = await runCli(['redrive', '--delivery-id', b, '--dry-run', '--json'], env);
    expect(jsonLines(onlyB.stdout)[0]).toMatchObject({ matched: 1, reinjected: 1, alreadyHandled: 0 });
    const everything = await runCli(['redrive', '--dry-run', '--json'], env);
    expect(jsonLines(everything.stdout)[0]).toMatchObject({ matched: 1, reinjected: 1, alreadyHandled: 2 });

    // Resolved: recorded with who and why, never redriven, not open.
    const resolved = await runCli(
      ['dlq', 'resolve', '--delivery-id', b, '--by', 'alice', '--note', 'refunded by hand', '--json'],
      env,
    );
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(jsonLines(resolved.stdout)[0]).toMatchObject({ resolved: 1, dryRun: false });
    const afterResolve = await runCli(['redrive', '--endpoint', 'rd-b', '--json'], env);
    expect(jsonLines(afterResolve.stdout)[0]).toMatchObject({ matched: 0, reinjected: 0, alreadyHandled: 1 });
    expect(receiver.requestsTo('/b')).toHaveLength(1);
    const stats = await runCli(['dlq', 'stats', '--json'], env);
    expect(jsonLines(stats.stdout)[0]).toMatchObject({ total: 3, open: 0, redriven: 2, resolved: 1 });
    const unfiltered = await runCli(['dlq', 'resolve', '--by', 'alice'], env);
    expect(unfiltered.code).toBe(2);
    expect(unfiltered.stderr).toMatch(/needs a filter/);
    const bad = await runCli(['redrive', '--reason', 'sleepy'], env);
    expect(bad.code).toBe(2);
  });

  it('endpoints: disable, list, show, enable, reset-circuit, set', async () => {
    const disabled = await runCli(['endpoints', 'disable', 'cli-ep', '--json'], env);
    expect(disabled.code).toBe(0);
    expect(jsonLines(disabled.stdout)[0]).toMatchObject({ id: 'cli-ep', state: 'disabled' });
    const list = await runCli(['endpoints', '--state', 'disabled', '--json'], env);
    expect(jsonLines<{ id: string }[]>(list.stdout)[0]?.map((e) => e.id)).toEqual(['cli-ep']);
    const table = await runCli(['endpoints'], env);
    expect(table.stdout).toMatch(/cli-ep\s*│\s*disabled/);
    expect(table.stdout).toMatch(/rd-b\s*│\s*closed/);
    await waitFor(() => fx.engine?.endpointConfig('cli-ep')?.enabled === false, {
      what: 'workers to see it',
    });
    const off = await fx.send({ endpointId: 'cli-ep', url: receiver.url('/cli') });
    await dlq.until(
      (v) => v.some((d) => d.request?.deliveryId === off && d.reason === 'endpoint_disabled'),
      'dead letter',
    );

    const enabled = await runCli(['endpoints', 'enable', 'cli-ep', '--json'], env);
    expect(jsonLines(enabled.stdout)[0]).toMatchObject({ state: 'closed', config: { enabled: true } });
    const reset = await runCli(['endpoints', 'reset-circuit', 'cli-ep', '--json'], env);
    expect(reset.code).toBe(0);
    const shown = await runCli(['endpoints', 'show', 'rd-b', '--json'], env);
    expect(jsonLines(shown.stdout)[0]).toMatchObject({
      id: 'rd-b',
      health: { lastFailure: { status: 400 } },
    });
    const set = await runCli(
      [
        'endpoints',
        'set',
        'cli-ep',
        '--secret',
        'env:CLI_EP_SECRET',
        '--max-attempts',
        '3',
        '--policy-tiers',
        '2s',
        '--json',
      ],
      env,
    );
    expect(set.code).toBe(0);
    expect(jsonLines(set.stdout)[0]).toMatchObject({
      config: {
        secretCount: 1,
        secretRefs: ['env:CLI_EP_SECRET'],
        policy: { maxAttempts: 3, tiers: [2000] },
      },
    });
    await waitFor(() => fx.engine?.endpointConfig('cli-ep')?.policy?.maxAttempts === 3, {
      what: 'workers to see the policy',
    });
    const badSet = await runCli(
      ['endpoints', 'set', 'cli-ep', '--max-attempts', '99', '--policy-tiers', '3s'],
      env,
    );
    expect(badSet.code).toBe(2);
    expect(badSet.stderr).toMatch(/policy\.maxAttempts/);
    expect(badSet.stderr).toMatch(/policy\.tiers: each tier must be one of the engine's tiers: 1s, 2s/);
    const unknown = await runCli(['endpoints', 'show', 'never-seen'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no attempts and no configuration/);
  });

  it('replay refuses while the group is active, then re-delivers exactly the re-read records', async () => {
    const first = [];
    for (let i = 0; i < 4; i++)
      first.push(await fx.send({ endpointId: `rp-${i % 2}`, url: receiver.url('/rp') }));
    await waitFor(() => receiver.requestsTo('/rp').length === 4, { what: 'the first batch' });
    // A gap in record timestamps between the two batches, so the cut falls between them.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const cut = new Date().toISOString();
    const second = [];
    for (let i = 0; i < 6; i++)
      second.push(await fx.send({ endpointId: `rp-${i % 2}`, url: receiver.url('/rp') }));
    await waitFor(() => receiver.requestsTo('/rp').length === 10, { what: 'the second batch' });

    const refused = await runCli(['replay', '--group', 'dispatcher', '--to-datetime', cut, '--execute'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/active member\(s\)/);
    expect(refused.stderr).toMatch(/Stop the kretry processes/);

    await fx.stopEngine();
    const plan = await runCli(['replay', '--group', 'dispatcher', '--to-datetime', cut, '--json'], env);
    expect(plan.code).toBe(0);
    const planned = jsonLines<Plan>(plan.stdout)[0];
    expect(planned).toMatchObject({
      group: fx.topology.dispatcherGroup,
      topic: fx.topology.ingest,
      executed: false,
    });
    // Per partition: records read again, or (negative) a trailing commit marker of a redrive skipped.
    const reRead = (planned?.rows ?? []).reduce((sum, r) => sum + Math.max(0, r.toReRead), 0);
    expect(reRead).toBe(6);
    const executed = await runCli(
      ['replay', '--group', 'dispatcher', '--to-datetime', cut, '--execute', '--json'],
      env,
    );
    expect(executed.code).toBe(0);
    expect(jsonLines<Plan>(executed.stdout)[0]?.executed).toBe(true);

    restarted = await startEngine(fx.config, createLogger(TEST_LOG_LEVEL), { defaultMetrics: false });
    // Done when the dispatcher has committed again as far as it had before the replay (the plan's
    // `current`: past the last record of each partition): nothing more can come from ingest.
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await waitFor(
        async () => {
          const [committed] = await admin.fetchOffsets({
            groupId: fx.topology.dispatcherGroup,
            topics: [fx.topology.ingest],
          });
          return (planned?.rows ?? []).every((row) => {
            const at = committed?.partitions.find((p) => p.partition === row.partition)?.offset;
            return at !== undefined && Number(at) >= (row.current ?? 0);
          });
        },
        { what: 'the dispatcher to commit past the replayed records' },
      );
    } finally {
      await admin.disconnect();
    }
    await waitFor(() => receiver.requestsTo('/rp').length >= 16, { what: 'the replayed deliveries' });
    const seen = receiver.requestsTo('/rp').map((r) => String(r.headers['webhook-id']));
    const count = (id: string): number => seen.filter((s) => s === id).length;
    expect(first.map(count)).toEqual([1, 1, 1, 1]);
    expect(second.map(count)).toEqual([2, 2, 2, 2, 2, 2]);
  });
});
