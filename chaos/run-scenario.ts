// First: kafkajs's aborted-record filter must be replaced before kafkajs loads.
import '../src/kafka/kafkajs-read-committed.js';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { processEnv } from '../src/config/env.js';
import { loadConfig } from '../src/config/load.js';
import { registerCodecs, type Codecs } from '../src/kafka/codecs.js';
import { createTopics } from '../src/kafka/create-topics.js';
import type { DeadLetterValue } from '../src/kafka/records.js';
import { topicSpecs, topology, type Topology } from '../src/kafka/topology.js';
import { createRegistryClient } from '../src/kafka/value-codec.js';
import { delay } from '../src/stack/processes.js';
import { audit, legLeft, repeatedKeys, scheduledKey, type ScenarioSummary } from './audit.js';
import { Fleet } from './fleet.js';
import { startReceiver } from './receiver-process.js';
import type { Form, Scenario } from './scenarios.js';
import type { ChaosStack } from './stack.js';
import { readTopic, TopicTail } from './topic-reader.js';
import { planDelivery, produceDeliveries, type PlannedDelivery } from './workload.js';

/** KRETRY_SHUTDOWN_TIMEOUT of every engine process; a process gets 5 s more to exit after SIGTERM. */
const SHUTDOWN_TIMEOUT_MS = 5_000;

/**
 * What every scenario runs with: short tiers and few attempts so a dead delivery settles in
 * seconds; a 6 s session timeout so a lost member's partitions move quickly. Dead endpoints open
 * their circuits (the failure-ratio rule has no setting), so a circuit stays open 1 s only: an
 * open circuit turns attempts into skips, and with the default 30 s a run would mostly wait.
 */
const BASE_ENV: Readonly<Record<string, string>> = {
  KRETRY_TIERS: '1s,2s,4s',
  KRETRY_MAX_ATTEMPTS: '4',
  KRETRY_SESSION_TIMEOUT: '6s',
  KRETRY_SHUTDOWN_TIMEOUT: `${SHUTDOWN_TIMEOUT_MS}ms`,
  KRETRY_ALLOW_PRIVATE_TARGETS: 'true',
  KRETRY_BREAKER_OPEN_FOR: '1s',
  KRETRY_LOG_LEVEL: processEnv()['CHAOS_ENGINE_LOG_LEVEL'] ?? 'warn',
};

const TIMING: Readonly<
  Record<Form, { partitions: number; settleMs: number; stallMs: number; auditMs: number }>
> = {
  full: { partitions: 6, settleMs: 300_000, stallMs: 90_000, auditMs: 90_000 },
  short: { partitions: 3, settleMs: 90_000, stallMs: 25_000, auditMs: 20_000 },
};

export interface RunOptions {
  readonly form: Form;
  /** Overrides the scenario's delivery count. */
  readonly deliveries?: number | undefined;
  readonly keepTopics?: boolean;
  /** Engine logs go to `<logRoot>/<scenario>-<tag>/`. */
  readonly logRoot: string;
  readonly log: (line: string) => void;
}

export async function runScenario(
  stack: ChaosStack,
  scenario: Scenario,
  options: RunOptions,
): Promise<ScenarioSummary> {
  const started = Date.now();
  const timing = TIMING[options.form];
  const tag = `${scenario.name}${randomUUID().slice(0, 6)}`;
  const log = (line: string): void => options.log(`[chaos ${scenario.name}] ${line}`);
  const env: Record<string, string> = {
    ...BASE_ENV,
    KRETRY_PARTITIONS: String(timing.partitions),
    ...scenario.env,
    KRETRY_BROKERS: stack.bootstrap,
    KRETRY_SCHEMA_REGISTRY_URL: stack.registryUrl,
    KRETRY_TOPIC_PREFIX: `chaos.${tag}.`,
  };
  // The engine loads the same variables; loading them here fails fast on a bad one.
  const config = loadConfig({ env });
  const names = topology(config);
  const kafka = new Kafka({
    clientId: 'kretry-chaos',
    brokers: [stack.bootstrap],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const specs = topicSpecs(config).map((s) => ({
    ...s,
    configs: { ...s.configs, ...scenario.topicConfigs },
  }));
  await createTopics(admin, specs, { partitions: config.partitions, replicationFactor: 1 });
  await admin.disconnect();
  const codecs = await registerCodecs(createRegistryClient(stack.registryUrl), names);

  const count = options.deliveries ?? scenario.deliveries[options.form];
  const plan = Array.from({ length: count }, (_, i) => planDelivery(tag, i));
  const logDir = join(options.logRoot, tag);
  await mkdir(logDir, { recursive: true });
  log(`${count} deliveries, ${scenario.processes} process(es), topics chaos.${tag}.*, logs ${logDir}`);

  const receiver = await startReceiver({
    latencyMinMs: scenario.latencyMs?.[0] ?? 0,
    latencyMaxMs: scenario.latencyMs?.[1] ?? 0,
  });
  const fleet = new Fleet(scenario.processes, env, logDir, SHUTDOWN_TIMEOUT_MS + 5_000, log);
  const settled = new Set<string>();
  const delivered = new Set<string>();
  const tails = [
    new TopicTail(kafka, names.attempts, codecs.attempts, (a) => {
      if (a.outcome === 'success') {
        delivered.add(a.deliveryId);
        settled.add(a.deliveryId);
      }
    }),
    new TopicTail(kafka, names.dlq, codecs.dlq, (d) => {
      if (d.request !== null) settled.add(d.request.deliveryId);
    }),
  ];
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  let faults = 0;
  let schemasForgotten: number | undefined;
  try {
    await Promise.all(tails.map((t) => t.start()));
    await producer.connect();
    await fleet.startAll(90_000);
    log('engine ready; producing and injecting faults');
    await Promise.all([
      produceDeliveries({
        producer,
        topic: names.ingest,
        codec: codecs.ingest,
        baseUrl: receiver.baseUrl,
        plan,
        bodyBytes: scenario.bodyBytes ?? 64,
        overMs: scenario.produceOverMs[options.form],
        maxBatchBytes: 200_000,
      }).then(() => log('all deliveries produced')),
      scenario.faults({
        fleet,
        stack,
        form: options.form,
        log,
        fault(what) {
          faults++;
          log(`fault ${faults}: ${what}`);
        },
        async checkSchemas() {
          schemasForgotten = await forgottenSubjects(stack.registryUrl, codecs);
          log(`registry after the restart: ${schemasForgotten} of the run's subjects forgotten`);
        },
      }),
    ]);
    await waitSettled(plan.length, settled, delivered, timing, log);
  } finally {
    await fleet.terminateAll();
    await producer.disconnect().catch(() => undefined);
    await Promise.all(tails.map((t) => t.stop()));
  }
  const { requests } = await receiver.stats();
  await receiver.stop();

  log('auditing the topics (read_committed)');
  const summary = await auditTopics(kafka, names, codecs, timing.auditMs, plan, log, {
    scenario: scenario.name,
    deliveryIds: plan.map((p) => p.deliveryId),
    httpRequests: requests,
    stuckOnSigterm: fleet.counts.stuckOnSigterm,
    nonZeroExit: fleet.counts.nonZeroExit,
    faults,
    durationMs: Date.now() - started,
    schemasForgotten,
  });
  if (options.keepTopics !== true) {
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteTopics({ topics: specs.map((s) => s.name) }).catch(() => undefined);
    await cleanup.disconnect();
  }
  return summary;
}

async function waitSettled(
  total: number,
  settled: ReadonlySet<string>,
  delivered: ReadonlySet<string>,
  timing: (typeof TIMING)[Form],
  log: (line: string) => void,
): Promise<void> {
  const deadline = Date.now() + timing.settleMs;
  let last = -1;
  let lastChange = Date.now();
  let lastReport = 0;
  while (settled.size < total) {
    const now = Date.now();
    if (settled.size !== last) {
      last = settled.size;
      lastChange = now;
    }
    if (now - lastReport >= 5_000) {
      lastReport = now;
      log(`settled ${settled.size}/${total} (delivered ${delivered.size})`);
    }
    if (now > deadline) return log(`deadline: ${total - settled.size} not settled`);
    if (now - lastChange > timing.stallMs)
      return log(`no progress for ${timing.stallMs / 1000} s: ${total - settled.size} not settled`);
    await delay(250);
  }
  log(`all ${total} settled`);
}

async function auditTopics(
  kafka: Kafka,
  names: Topology,
  codecs: Codecs,
  timeoutMs: number,
  plan: readonly PlannedDelivery[],
  log: (line: string) => void,
  facts: {
    scenario: string;
    deliveryIds: string[];
    httpRequests: number;
    stuckOnSigterm: number;
    nonZeroExit: number;
    faults: number;
    durationMs: number;
    schemasForgotten: number | undefined;
  },
): Promise<ScenarioSummary> {
  const [attempts, dlq, ...tiers] = await Promise.all([
    readTopic(kafka, names.attempts, codecs.attempts, timeoutMs),
    readTopic(kafka, names.dlq, codecs.dlq, timeoutMs),
    ...names.tiers.map((tier, i) => readTopic(kafka, tier.topic, codecs.tiers[i]!, timeoutMs)),
  ]);
  const deadLetters = await Promise.all(
    dlq.values.map(async (d) => ({
      deliveryId: await deadLetterDeliveryId(d, names, codecs),
      reason: d.reason,
    })),
  );
  const scheduled = tiers.flatMap((t) =>
    t.values.map((s) => ({
      deliveryId: s.request.deliveryId,
      attempt: s.attempt,
      tierIndex: s.tierIndex,
      steps: s.history.length,
      legLeft: legLeft(s),
    })),
  );
  const summary = audit({
    ...facts,
    attempts: attempts.values,
    deadLetters,
    scheduled,
    auditComplete: [attempts, dlq, ...tiers].every((t) => t.complete && t.undecodable === 0),
  });
  // A double: the whole story of the first few deliveries it hit, to find the process that did it.
  const doubled = new Set([
    ...repeatedKeys(scheduled.map(scheduledKey)).map((key) => key.split('#')[0] ?? ''),
    ...repeatedKeys(deadLetters.flatMap((d) => (d.deliveryId === undefined ? [] : [d.deliveryId]))),
  ]);
  for (const id of [...doubled].slice(0, 5)) {
    const tried = attempts.values
      .filter((a) => a.deliveryId === id)
      .map((a) => `${a.attempt}:${a.outcome}@${a.tierIndex ?? 'ingest'}/${a.eventTime}`);
    const steps = scheduled
      .filter((s) => s.deliveryId === id)
      .map((s) => `${s.attempt}@${s.tierIndex}#${s.steps}`);
    const dead = deadLetters.filter((d) => d.deliveryId === id).map((d) => d.reason);
    log(
      `doubled ${id}: attempts [${tried.join(' ')}], scheduled [${steps.join(' ')}], dead [${dead.join(' ')}]`,
    );
  }
  if (summary.lost > 0) {
    const settled = new Set([
      ...attempts.values.filter((a) => a.outcome === 'success').map((a) => a.deliveryId),
      ...deadLetters.map((d) => d.deliveryId),
    ]);
    // Where the first few lost deliveries stopped: what an engine developer looks at first.
    for (const p of plan.filter((d) => !settled.has(d.deliveryId)).slice(0, 5)) {
      const tried = attempts.values
        .filter((a) => a.deliveryId === p.deliveryId)
        .map((a) => `${a.attempt}:${a.outcome}${a.status === null ? '' : `/${a.status}`}`);
      const steps = scheduled
        .filter((s) => s.deliveryId === p.deliveryId)
        .map((s) => `${s.attempt}@${s.tierIndex}`);
      log(
        `lost ${p.deliveryId} (${p.kind}, ${p.endpointId}): attempts [${tried.join(' ')}], scheduled [${steps.join(' ')}]`,
      );
    }
  }
  return summary;
}

/** The delivery a dead letter names; an `invalid_record` one carries only the raw record. */
async function deadLetterDeliveryId(
  d: DeadLetterValue,
  names: Topology,
  codecs: Codecs,
): Promise<string | undefined> {
  if (d.request !== null) return d.request.deliveryId;
  if (d.rawValue === null || d.source === null) return undefined;
  try {
    if (d.source.topic === names.ingest) return (await codecs.ingest.decode(d.rawValue)).deliveryId;
    const tier = names.tiers.findIndex((t) => t.topic === d.source?.topic);
    if (tier >= 0) return (await codecs.tiers[tier]!.decode(d.rawValue)).request.deliveryId;
  } catch {
    // Undecodable here too: the dead letter names no delivery we can tell.
  }
  return undefined;
}

/**
 * Subjects whose latest version the registry no longer serves under the id the run registered
 * (Confluent API `GET /subjects/{subject}/versions/latest`): records written before a restart name
 * those ids, so a forgotten one cannot be decoded by a process that starts afterwards.
 */
async function forgottenSubjects(registryUrl: string, codecs: Codecs): Promise<number> {
  const all = [
    codecs.ingest,
    codecs.dlq,
    codecs.attempts,
    codecs.endpointState,
    codecs.endpoints,
    ...codecs.tiers,
  ];
  let forgotten = 0;
  for (const codec of all) {
    const response = await fetch(
      `${registryUrl}/subjects/${encodeURIComponent(codec.subject)}/versions/latest`,
      {
        signal: AbortSignal.timeout(10_000),
      },
    );
    const body = response.ok ? ((await response.json()) as { id?: number }) : {};
    if (body.id !== codec.schemaId) forgotten++;
  }
  return forgotten;
}
