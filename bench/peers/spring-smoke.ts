/**
 * Smoke check of the Spring @RetryableTopic peer against the real broker and a real local HTTP
 * receiver: every delivery reaches a 200, retries come back after the retry topics' delays, the
 * exhausted ones land in the DLT. Run: `npx tsx bench/peers/spring-smoke.ts`
 * (KRETRY_BROKERS, SMOKE_DELIVERIES, SMOKE_PARTITIONS, SMOKE_CONCURRENCY override the defaults).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { createTopics } from '../../src/kafka/create-topics.js';
import { benchSetting, log } from '../support.js';
import { startSpringPeer } from './spring.js';

const brokers = benchSetting('KRETRY_BROKERS', '127.0.0.1:9092');
const deliveries = Number(benchSetting('SMOKE_DELIVERIES', '2000'));
const partitions = Number(benchSetting('SMOKE_PARTITIONS', '12'));
const concurrency = Number(benchSetting('SMOKE_CONCURRENCY', '12'));
/** A: the receiver answers 200 to everything; B (default): the failure pattern below. */
const scenario = benchSetting('SMOKE_SCENARIO', 'B') === 'A' ? 'A' : 'B';
/** Extra arguments for the app, e.g. `--peer.seek-after-error=false`, to compare settings. */
const peerArgs = benchSetting('SMOKE_PEER_ARGS', '')
  .split(' ')
  .filter((a) => a !== '');
const ATTEMPTS = 4;
const DEADLINE_MS = 120_000;

/**
 * How many leading requests of delivery i the receiver fails with 500. Every third fails once (the
 * brief's case); every ninth twice and every 27th three times, so that all three retry tiers are
 * exercised; i ≡ 13 (mod 500) fails all four attempts and must end in the DLT.
 */
function failuresFor(i: number): number {
  if (scenario === 'A') return 0;
  if (i % 500 === 13) return ATTEMPTS;
  if (i % 27 === 0) return 3;
  if (i % 9 === 0) return 2;
  if (i % 3 === 0) return 1;
  return 0;
}

interface Seen {
  readonly at: number[];
  readonly status: number[];
}

function startReceiver(seen: Map<string, Seen>): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const { deliveryId, index } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        deliveryId: string;
        index: number;
      };
      const entry = seen.get(deliveryId) ?? { at: [], status: [] };
      seen.set(deliveryId, entry);
      const status = entry.at.length < failuresFor(index) ? 500 : 200;
      entry.at.push(at);
      entry.status.push(status);
      res.writeHead(status).end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/hook`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

function rssKiB(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined; // not Linux, or the process is gone
  }
}

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function main(): Promise<void> {
  const runId = `spring-smoke-${randomUUID().slice(0, 8)}`;
  const topic = `${runId}.input`; // named as the harness names its input topics
  const topics = [topic, ...[0, 1, 2].map((i) => `${topic}-retry-${i}`), `${topic}-dlt`];
  const kafka = new Kafka({
    clientId: runId,
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    // The shared broker is busy; fail within a minute rather than retry for many.
    retry: { retries: 3 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  // kretry's own helper: it asks again when the busy shared broker answers the leader wait with
  // UNKNOWN_TOPIC_OR_PARTITION although the topic is being created.
  await createTopics(admin, [{ name: topic, configs: {} }], { partitions, replicationFactor: 1 });

  const seen = new Map<string, Seen>();
  const receiver = await startReceiver(seen);
  log(
    `topic ${topic}: ${partitions} partitions; ${deliveries} deliveries; listener concurrency ${concurrency}; peer args: ${peerArgs.join(' ') || '(none)'}`,
  );
  const startedAt = Date.now();
  const peer = await startSpringPeer(
    {
      brokers,
      inputTopic: topic,
      receiverUrl: receiver.url,
      scenario,
      concurrency,
      partitions,
      runId,
    },
    peerArgs,
  );
  log(
    `peer pid ${peer.pid} ready in ${Date.now() - startedAt} ms; retry topic delays ${peer.retryDelaysMs.join('/')} ms`,
  );
  const rss: number[] = [];
  const sampler = setInterval(() => {
    const kib = rssKiB(peer.pid);
    if (kib !== undefined) rss.push(kib);
  }, 250);

  try {
    const records = Array.from({ length: deliveries }, (_, i) => ({
      key: `ep-${i % 97}`,
      value: JSON.stringify({
        deliveryId: `d-${i}`,
        url: receiver.url,
        body: JSON.stringify({ deliveryId: `d-${i}`, index: i, payload: 'x'.repeat(200) }),
      }),
    }));
    const producedAt = Date.now();
    for (let i = 0; i < records.length; i += 500) {
      await producer.send({ topic, messages: records.slice(i, i + 500) });
    }

    const expectedDlt = Array.from({ length: deliveries }, (_, i) => i).filter(
      (i) => failuresFor(i) >= ATTEMPTS,
    );
    const done = (): boolean =>
      Array.from({ length: deliveries }, (_, i) => i).every((i) => {
        const entry = seen.get(`d-${i}`);
        if (entry === undefined) return false;
        return failuresFor(i) >= ATTEMPTS ? entry.at.length >= ATTEMPTS : entry.status.includes(200);
      });
    while (!done() && Date.now() - producedAt < DEADLINE_MS) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const finishedAt = Date.now();
    // The DLT forward is produced after the last failed request: poll its offsets too.
    const dltCount = async (): Promise<number> =>
      (await admin.fetchTopicOffsets(`${topic}-dlt`)).reduce((sum, p) => sum + Number(p.high), 0);
    let dlt = await dltCount();
    while (dlt < expectedDlt.length && Date.now() - finishedAt < 15_000) {
      await new Promise((r) => setTimeout(r, 200));
      dlt = await dltCount();
    }
    // A quiet period after the last expected request, to catch late duplicate requests.
    const quietUntil = Date.now() + 2_000;
    while (Date.now() < quietUntil) await new Promise((r) => setTimeout(r, 200));

    let requests = 0;
    let extra = 0;
    let missing200 = 0;
    let firstAttemptDoneAt = 0;
    const gaps: number[][] = [[], [], []];
    for (let i = 0; i < deliveries; i++) {
      const entry = seen.get(`d-${i}`);
      const failures = failuresFor(i);
      const expected = Math.min(failures + 1, ATTEMPTS);
      if (entry === undefined) {
        missing200++;
        continue;
      }
      requests += entry.at.length;
      extra += Math.max(0, entry.at.length - expected);
      if (failures < ATTEMPTS && !entry.status.includes(200)) missing200++;
      firstAttemptDoneAt = Math.max(firstAttemptDoneAt, entry.at[0] ?? 0);
      for (let k = 0; k + 1 < entry.at.length && k < 3; k++) {
        gaps[k]?.push((entry.at[k + 1] ?? 0) - (entry.at[k] ?? 0));
      }
    }
    const expectedRequests = Array.from({ length: deliveries }, (_, i) =>
      Math.min(failuresFor(i) + 1, ATTEMPTS),
    ).reduce((a, b) => a + b, 0);
    const out: string[] = [];
    out.push(`scenario ${scenario}`);
    out.push(
      `deliveries ${deliveries}, with a 200: ${deliveries - expectedDlt.length - missing200}, without: ${missing200}`,
    );
    out.push(`requests ${requests} (expected ${expectedRequests}), duplicate requests ${extra}`);
    out.push(`DLT records ${dlt} (expected ${expectedDlt.length})`);
    out.push(
      `first attempts of all ${deliveries} done ${firstAttemptDoneAt - producedAt} ms after produce; all done after ${finishedAt - producedAt} ms`,
    );
    // First-attempt arrivals per second after produce: shows whether the rate is steady.
    const perSecond = new Map<number, number>();
    for (const entry of seen.values()) {
      const second = Math.floor(((entry.at[0] ?? producedAt) - producedAt) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    const timeline = [...perSecond.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}s:${n}`);
    out.push(`first attempts per second: ${timeline.join(' ')}`);
    gaps.forEach((g, k) => {
      if (g.length === 0) return; // scenario A: no retries
      const sorted = [...g].sort((a, b) => a - b);
      const delay = peer.retryDelaysMs[k] ?? Number.NaN;
      out.push(
        `retry ${k + 1} (topic delay ${delay} ms): n=${sorted.length} gap min ${sorted[0]} p50 ${quantile(sorted, 0.5)} ` +
          `p99 ${quantile(sorted, 0.99)} max ${sorted[sorted.length - 1]} ms; ` +
          `lateness p50 ${quantile(sorted, 0.5) - delay} p99 ${quantile(sorted, 0.99) - delay} ms`,
      );
    });
    const rssSorted = [...rss].sort((a, b) => a - b);
    out.push(
      `JVM RSS (-Xmx512m, VmRSS sampled every 250 ms, n=${rss.length}): ` +
        `p50 ${Math.round(quantile(rssSorted, 0.5) / 1024)} MiB, max ${Math.round((rssSorted[rssSorted.length - 1] ?? 0) / 1024)} MiB`,
    );
    process.stdout.write(`${out.join('\n')}\n`);
    const ok =
      missing200 === 0 && dlt === expectedDlt.length && (scenario === 'A' || gaps.every((g) => g.length > 0));
    process.stdout.write(ok ? 'spring smoke: OK\n' : 'spring smoke: FAILED\n');
    if (!ok) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    const stopping = Date.now();
    await peer.stop();
    log(`peer stopped (SIGTERM) in ${Date.now() - stopping} ms`);
    await receiver.close();
    await producer.disconnect();
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(runId));
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
