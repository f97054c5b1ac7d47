import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legLeft, scheduledKey } from '../../../chaos/audit.js';
import type {
  AttemptRecordedValue,
  DeadLetterValue,
  ScheduledAttemptValue,
} from '../../../src/kafka/records.js';
import { packageRoot } from '../../../src/package-root.js';
import { brokers, registryUrl, waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

const DELIVERIES = 1_000;

/** The engine as a real child process, so it can be killed with SIGKILL mid-flight. */
function spawnEngine(fx: EngineFixture): ChildProcess {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('KRETRY_') && value !== undefined) env[name] = value;
  Object.assign(env, {
    KRETRY_BROKERS: brokers().join(','),
    KRETRY_SCHEMA_REGISTRY_URL: registryUrl(),
    KRETRY_TOPIC_PREFIX: fx.config.topicPrefix,
    KRETRY_TIERS: '1s,2s',
    KRETRY_MAX_ATTEMPTS: '4',
    KRETRY_PARTITIONS: '2',
    KRETRY_ALLOW_PRIVATE_TARGETS: 'true',
    KRETRY_SESSION_TIMEOUT: '6s',
    // Random failures trip circuits now and then; a short open period keeps the run short.
    KRETRY_BREAKER_OPEN_FOR: '1s',
    KRETRY_LOG_LEVEL: 'error',
    KRETRY_API_PORT: '0',
  });
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
    cwd: packageRoot(),
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

describe('crash: kill -9 in the middle of 1,000 deliveries', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({ KRETRY_TIERS: '1s,2s', KRETRY_MAX_ATTEMPTS: '4' }, { start: false });
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await fx.stop();
    await receiver.stop();
  });

  it('loses nothing, schedules no retry twice, and repeats only the attempts in flight at the kill', async () => {
    // Each request fails with 500 about 30 % of the time, decided by a seeded generator.
    let seed = 42;
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const path = (i: number): string => `/crash/${i}`;
    const scripted = new Map<string, number>();
    for (let i = 0; i < DELIVERIES; i++) scripted.set(path(i), 0);
    const originalNext = receiver.next.bind(receiver);
    receiver.next = (p: string) =>
      scripted.has(p) ? { status: random() < 0.3 ? 500 : 200 } : originalNext(p);

    const attempts: TopicReader<AttemptRecordedValue> = fx.read(fx.topology.attempts, fx.codecs.attempts);
    const dlq: TopicReader<DeadLetterValue> = fx.read(fx.topology.dlq, fx.codecs.dlq);
    const tierReaders = fx.topology.tiers.map((tier, i) =>
      fx.read<ScheduledAttemptValue>(tier.topic, fx.codecs.tiers[i]!),
    );

    child = spawnEngine(fx);
    const ids: string[] = [];
    for (let i = 0; i < DELIVERIES; i++)
      ids.push(await fx.send({ endpointId: `ep-${i % 20}`, url: receiver.url(path(i)) }));

    await waitFor(() => receiver.requests.length >= 400, {
      what: '400 requests before the kill',
      timeoutMs: 120_000,
    });
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));
    // Requests that arrive before the killed process is gone are its own, even if the receiver
    // finished reading them a moment after the signal.
    const goneAt = Date.now();
    child = spawnEngine(fx);

    const settled = (): boolean => {
      const succeeded = new Set(
        attempts.values.filter((a) => a.outcome === 'success').map((a) => a.deliveryId),
      );
      const dead = new Set(dlq.values.map((d) => d.request?.deliveryId));
      return ids.every((id) => succeeded.has(id) || dead.has(id));
    };
    const progress = setInterval(() => {
      const succeeded = new Set(
        attempts.values.filter((a) => a.outcome === 'success').map((a) => a.deliveryId),
      );
      process.stderr.write(
        `[crash test] requests=${receiver.requests.length} recorded=${attempts.values.length} succeeded=${succeeded.size} dead=${dlq.values.length}\n`,
      );
    }, 10_000);
    await attempts
      .until(settled, 'every delivery to succeed or dead-letter', 240_000)
      .finally(() => clearInterval(progress));

    // No retry scheduled twice: (deliveryId, attempt, tier step) is unique on the tier topics (an
    // open circuit moves a delivery on with the same attempt number, but always to a later step).
    const scheduled = tierReaders.flatMap((r) =>
      r.values.map((s) =>
        scheduledKey({
          ...s,
          deliveryId: s.request.deliveryId,
          steps: s.history.length,
          legLeft: legLeft(s),
        }),
      ),
    );
    expect(new Set(scheduled).size).toBe(scheduled.length);
    // No HTTP attempt (deliveryId, attempt) recorded twice in the attempts log either.
    const httpAttempts = attempts.values.filter((a) => a.outcome !== 'skipped');
    const recorded = httpAttempts.map((a) => `${a.deliveryId}#${a.attempt}`);
    expect(new Set(recorded).size).toBe(recorded.length);

    // HTTP attempts beyond those recorded are repeats; each must have been in flight at the kill.
    let repeats = 0;
    const recordedCount = new Map<string, number>();
    // Only attempts that got a response were surely seen by the receiver (a reused keep-alive
    // socket the receiver had just closed fails before the request reaches it).
    for (const a of httpAttempts.filter((h) => h.status !== null)) {
      recordedCount.set(a.deliveryId, (recordedCount.get(a.deliveryId) ?? 0) + 1);
    }
    for (const id of ids) {
      const requests = receiver.requests.filter((r) => r.headers['webhook-id'] === id);
      const extra = requests.length - (recordedCount.get(id) ?? 0);
      expect(extra).toBeGreaterThanOrEqual(0);
      if (extra > 0) {
        repeats += extra;
        const beforeKill = requests.filter((r) => r.at <= goneAt && r.at > killedAt - 30_000);
        expect(
          beforeKill.length,
          `delivery ${id} was repeated without being in flight at the kill`,
        ).toBeGreaterThanOrEqual(extra);
      }
    }
    process.stderr.write(
      `[crash test] ${receiver.requests.length} HTTP requests, ${repeats} repeated after the kill\n`,
    );
  }, 400_000);
});
