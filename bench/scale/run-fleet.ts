import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { Fleet } from '../../chaos/fleet.js';
import { delay } from '../../src/stack/processes.js';
import { readTopic } from '../../chaos/topic-reader.js';
import { loadConfig } from '../../src/config/load.js';
import { registerCodecs, type Codecs } from '../../src/kafka/codecs.js';
import { createTopics } from '../../src/kafka/create-topics.js';
import { topicSpecs, topology, type Topology } from '../../src/kafka/topology.js';
import { createRegistryClient } from '../../src/kafka/value-codec.js';
import { fleetLaneCounts } from './engine-metrics.js';
import { committedToEnd, endOffsetSum, groupsSpread, pollUntil } from './offsets.js';
import { connectionsTo, ProcSampler, type Usage } from './proc-sampler.js';
import type { ScaleReceiver } from './receiver-process.js';
import { producePhase, type PhaseWorkload } from './workload.js';

const IDLE_MS = 5_000;

export interface ScaleSettings {
  readonly bootstrap: string;
  readonly registryUrl: string;
  readonly partitions: number;
  readonly tiers: string;
  readonly count: number;
  /** Other processes to account CPU to (broker, registry): name → pid. */
  readonly others: ReadonlyMap<string, number>;
  /** Leave the topics for inspection (BENCH_SCALE_KEEP_TOPICS=true). */
  readonly keepTopics: boolean;
  readonly log: (line: string) => void;
}

export interface PhaseResult {
  readonly deliveries: number;
  /** Requests that reached the receiver: deliveries plus their retries. */
  readonly requests: number;
  /** First request to last request at the receiver. */
  readonly seconds: number;
  /** Requests per second over `seconds`. */
  readonly requestsPerSecond: number;
  /** Deliveries never answered 200 by the deadline. */
  readonly lost: number;
  /** Requests for a delivery the receiver had already answered 200. */
  readonly duplicates: number;
  /** CPU and RSS from the first send to the last request (engines: `engine-<slot>`). */
  readonly usage: Usage;
  /** Dispatcher transactions in the phase: commit markers on ingest-dedupe (records excluded). */
  readonly dispatcherTransactions: number;
  /**
   * Tier-worker transactions in the phase: commit markers on attempts minus the dispatcher's. Each
   * transaction of either role writes attempts records to one partition only, since attempts, ingest
   * and the tier topics share key (endpoint id), partitioner and partition count.
   */
  readonly tierTransactions: number;
  /** Lanes reopened during the phase (after a failed commit): 0 for clean transaction counts. */
  readonly reopens: number;
  /** Retry lateness (due → attempt start) per tier, ms, from the attempts topic. */
  readonly lateness: Readonly<Record<string, Percentiles>>;
}

export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface FleetResult {
  readonly processes: number;
  readonly partitions: number;
  /** Spawn to every group Stable with every process in it and every lane open. */
  readonly startupSeconds: number;
  /** Transactional producers each process holds: one per owned partition per consumer group. */
  readonly lanesPerProcess: number;
  /** Established TCP connections from each engine to the broker, at the end of phase A. */
  readonly brokerConnections: readonly number[];
  readonly engineCrashes: number;
  /** CPU over IDLE_MS with every lane open and nothing to deliver. */
  readonly idle: Usage;
  readonly a: PhaseResult;
  readonly b: PhaseResult;
}

interface Deployment {
  readonly names: Topology;
  readonly codecs: Codecs;
  readonly admin: Admin;
  readonly producer: Producer;
  readonly kafka: Kafka;
  readonly receiver: ScaleReceiver;
  readonly sampler: ProcSampler;
  readonly settings: ScaleSettings;
  readonly fleet: Fleet;
  /** The engines' API ports, by slot. */
  readonly ports: () => number[];
}

/**
 * One fleet of `processes` engines (`kretry start` children, every default role) on topics of
 * their own: phase A (all 200) then phase B (30 % fail their first attempt), each a backlog of
 * `count` deliveries produced at once once every group has spread its partitions over the fleet.
 */
export async function runFleet(
  processes: number,
  kafka: Kafka,
  receiver: ScaleReceiver,
  settings: ScaleSettings,
): Promise<FleetResult> {
  const { log } = settings;
  const runTag = randomUUID().slice(0, 6);
  const env: Record<string, string> = {
    KRETRY_BROKERS: settings.bootstrap,
    KRETRY_SCHEMA_REGISTRY_URL: settings.registryUrl,
    KRETRY_TOPIC_PREFIX: `scale${runTag}.`,
    KRETRY_PARTITIONS: String(settings.partitions),
    KRETRY_TIERS: settings.tiers,
    KRETRY_JITTER: '0.25',
    KRETRY_ALLOW_PRIVATE_TARGETS: 'true',
    KRETRY_SHUTDOWN_TIMEOUT: '5s',
    KRETRY_LOG_LEVEL: 'warn',
  };
  const config = loadConfig({ env });
  const names = topology(config);
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  const logDir = join(tmpdir(), 'kretry-bench-scale', runTag);
  await mkdir(logDir, { recursive: true });
  const fleet = new Fleet(processes, env, logDir, 10_000, log);
  const sampler = new ProcSampler();
  try {
    await createTopics(admin, topicSpecs(config), { partitions: settings.partitions, replicationFactor: 1 });
    const codecs = await registerCodecs(createRegistryClient(settings.registryUrl), names);
    log(`${processes} process(es): topics scale${runTag}.*, engine logs in ${logDir}`);
    const spawned = Date.now();
    await fleet.startAll(180_000);
    const groups = [names.dispatcherGroup, names.projectionGroup, ...names.tiers.map((t) => t.group)];
    if (!(await pollUntil(() => groupsSpread(admin, groups, processes), 180_000)))
      throw new Error(`the groups did not spread over ${processes} process(es) within 180 s`);
    // A stable group has assigned its partitions; each lane still fences, restores and seeks
    // before it consumes. Wait for every lane, so no open lands inside a phase's counts.
    const lanes = settings.partitions * (2 + names.tiers.length);
    const ports = (): number[] =>
      Array.from({ length: processes }, (_, slot) => fleet.process(slot)?.apiPort ?? 0);
    if (!(await pollUntil(async () => (await fleetLaneCounts(ports())).live === lanes, 180_000)))
      throw new Error(`not all ${lanes} lanes opened within 180 s`);
    const startupSeconds = (Date.now() - spawned) / 1000;
    log(`${processes} process(es): every lane open after ${startupSeconds.toFixed(1)} s`);
    for (let slot = 0; slot < processes; slot++) {
      const pid = fleet.process(slot)?.pid;
      if (pid !== undefined) sampler.watch(`engine-${slot}`, pid);
    }
    for (const [name, pid] of settings.others) sampler.watch(name, pid);
    sampler.watch('receiver', receiver.pid);
    sampler.watch('bench', process.pid);
    sampler.start(500);
    // Idle: every lane open, nothing to deliver. What a process costs before its first delivery
    // (fetch loops, heartbeats, the API's readers), and the broker's share of serving it.
    const idleFrom = sampler.mark();
    await delay(IDLE_MS);
    const idle = sampler.since(idleFrom);
    const d: Deployment = {
      names,
      codecs,
      admin,
      producer,
      kafka,
      receiver,
      sampler,
      settings,
      fleet,
      ports,
    };

    const a = await runPhase(d, { tag: `a${runTag}`, count: settings.count, failSome: false });
    const brokerPort = Number(settings.bootstrap.split(',')[0]?.split(':').at(-1));
    const connections = connectionsTo(brokerPort);
    const brokerConnections = Array.from({ length: processes }, (_, slot) => {
      const pid = fleet.process(slot)?.pid;
      return pid === undefined ? 0 : (connections.get(pid) ?? 0);
    });
    const b = await runPhase(d, { tag: `b${runTag}`, count: settings.count, failSome: true });
    return {
      processes,
      partitions: settings.partitions,
      startupSeconds,
      lanesPerProcess: lanes / processes,
      brokerConnections,
      engineCrashes: fleet.counts.nonZeroExit,
      idle,
      a,
      b,
    };
  } finally {
    sampler.stop();
    log(`${processes} process(es): stopping`);
    await fleet.terminateAll();
    await producer.disconnect();
    if (!settings.keepTopics)
      await admin
        .deleteTopics({ topics: topicSpecs(config).map((s) => s.name) })
        .catch((error: unknown) => log(`deleting topics: ${String(error)}`));
    await admin.disconnect();
  }
}

async function runPhase(d: Deployment, phase: PhaseWorkload): Promise<PhaseResult> {
  const { names, admin, receiver, sampler, settings } = d;
  const label = `${d.fleet.size} process(es), phase ${phase.failSome ? 'B' : 'A'}`;
  await receiver.reset();
  const dedupeBefore = await endOffsetSum(admin, names.ingestDedupe);
  const attemptsBefore = await endOffsetSum(admin, names.attempts);
  const reopensBefore = (await fleetLaneCounts(d.ports())).reopens;
  const from = sampler.mark();
  settings.log(`${label}: producing ${phase.count} deliveries`);
  await producePhase(d.producer, names.ingest, d.codecs.ingest, receiver.baseUrl, phase);
  const ticker = setInterval(
    () =>
      void receiver
        .stats()
        .then((s) => settings.log(`${label}: ${s.ok}/${phase.count} delivered, ${s.failed} failed first`))
        .catch(() => undefined),
    5_000,
  );
  const deadlineMs = Math.max(120_000, phase.count * 10);
  const done = await pollUntil(async () => (await receiver.stats()).ok >= phase.count, deadlineMs).finally(
    () => clearInterval(ticker),
  );
  const usage = sampler.since(from);
  const stats = await receiver.stats();
  if (!done) settings.log(`${label}: only ${stats.ok} of ${phase.count} delivered within ${deadlineMs} ms`);

  // Every delivery's attempt is recorded once its transaction commits: wait for the dispatcher
  // (and in phase B the first tier, which makes the retries) to commit through the end.
  const committed = await pollUntil(
    async () =>
      (await committedToEnd(admin, names.dispatcherGroup, names.ingest, 0)) &&
      (!phase.failSome ||
        (await Promise.all(names.tiers.map((t) => committedToEnd(admin, t.group, t.topic, 1)))).every(
          Boolean,
        )),
    60_000,
  );
  if (!committed) settings.log(`${label}: not every partition committed through its end within 60 s`);
  const dispatcherTransactions = (await endOffsetSum(admin, names.ingestDedupe)) - dedupeBefore - phase.count;
  const attemptsMarkers = (await endOffsetSum(admin, names.attempts)) - attemptsBefore - stats.requests;
  const reopens = (await fleetLaneCounts(d.ports())).reopens - reopensBefore;
  const lateness = phase.failSome ? await retryLateness(d, phase.tag) : {};
  const seconds = (stats.lastAt - stats.firstAt) / 1000;
  return {
    deliveries: phase.count,
    requests: stats.requests,
    seconds,
    requestsPerSecond: seconds > 0 ? stats.requests / seconds : 0,
    lost: Math.max(0, phase.count - stats.ok + stats.duplicates),
    duplicates: stats.duplicates,
    usage,
    dispatcherTransactions,
    tierTransactions: attemptsMarkers - dispatcherTransactions,
    reopens,
    lateness,
  };
}

/** Due → start of every retry of the phase, per tier, from the AttemptRecorded records. */
async function retryLateness(d: Deployment, tag: string): Promise<Record<string, Percentiles>> {
  const attempts = await readTopic(d.kafka, d.names.attempts, d.codecs.attempts, 60_000);
  if (!attempts.complete) d.settings.log('the attempts topic was not read to its end within 60 s');
  const byTier = new Map<number, number[]>();
  for (const a of attempts.values) {
    if (!a.deliveryId.startsWith(`${tag}-`) || a.tierIndex === null || a.dueAt === null) continue;
    const list = byTier.get(a.tierIndex) ?? [];
    list.push(a.eventTime - a.dueAt);
    byTier.set(a.tierIndex, list);
  }
  const result: Record<string, Percentiles> = {};
  for (const [index, values] of [...byTier].sort(([x], [y]) => x - y)) {
    const tier = d.names.tiers[index]?.topic.slice(d.names.prefix.length) ?? `tier${index}`;
    result[tier] = percentiles(values);
  }
  return result;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: at(1) };
}
