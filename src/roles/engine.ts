import type { Config, Role } from '../config/schema.js';
import { createHttpAttempter } from '../delivery/attempt.js';
import { KretryError } from '../errors.js';
import { registerCodecs } from '../kafka/codecs.js';
import { ConcurrencyLimit } from '../kafka/concurrency-limit.js';
import type { DueConsumer } from '../kafka/due-consumer.js';
import { createKafka } from '../kafka/kafka-client.js';
import { topicSpecs, topology } from '../kafka/topology.js';
import { createRegistryClient } from '../kafka/value-codec.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics, type EngineMetrics } from '../observability/metrics.js';
import type { StepContext } from './delivery-step.js';
import { DEFAULT_HEALTH_POLICY, type HealthPolicy } from '../domain/health/endpoint-health.js';
import { EndpointStateTable } from '../kafka/endpoint-state-table.js';
import type { EndpointHealthValue } from '../kafka/health-record.js';
import { dispatcher } from './dispatcher.js';
import { Projection } from './projection.js';
import { tierWorkers } from './tiers.js';

export interface ConnectedConfig extends Config {
  readonly brokers: string[];
  readonly schemaRegistryUrl: string;
}

export interface Engine {
  readonly metrics: EngineMetrics;
  /** This process's view of an endpoint's health (undefined when it runs no gated role, or knows none). */
  endpointHealth(endpointId: string): EndpointHealthValue | undefined;
  /** Graceful: stop fetching, finish in-flight attempts within the deadline, commit, leave the groups. */
  stop(): Promise<void>;
}

export interface EngineOptions {
  readonly roles?: readonly Role[];
  readonly now?: () => number;
  readonly random?: () => number;
  readonly defaultMetrics?: boolean;
}

export async function startEngine(
  config: ConnectedConfig,
  logger: Logger,
  options: EngineOptions = {},
): Promise<Engine> {
  const roles = options.roles ?? config.roles;
  const kafka = createKafka(config.brokers, logger);
  const admin = kafka.admin();
  await admin.connect();
  const names = topology(config);
  const existing = new Set(await admin.listTopics());
  const missing = topicSpecs(config)
    .map((s) => s.name)
    .filter((name) => !existing.has(name));
  if (missing.length > 0) {
    await admin.disconnect();
    throw new KretryError(
      'KRETRY_KAFKA',
      `Missing topics: ${missing.join(', ')}. Create them with \`kretry topics create\`.`,
    );
  }
  const codecs = await registerCodecs(createRegistryClient(config.schemaRegistryUrl), names);
  const now = options.now ?? Date.now;
  const attempter = createHttpAttempter({
    attemptTimeoutMs: config.attemptTimeout,
    maxBodyBytes: config.maxBodyBytes,
    responseBodyLimit: config.responseBodyLimit,
    allowPrivateTargets: config.allowPrivateTargets,
    allowedTargetCidrs: config.allowedTargetCidrs,
    secretsFor: (endpointId) => config.endpointSecrets[endpointId] ?? [],
    now,
  });
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  const gated = roles.includes('dispatcher') || roles.includes('tiers');
  const endpointState = gated
    ? new EndpointStateTable(
        kafka,
        admin,
        names.endpointState,
        codecs.endpointState,
        logger.child({ component: 'endpoint-state' }),
      )
    : undefined;
  await endpointState?.start();
  const healthPolicy: HealthPolicy = {
    ...DEFAULT_HEALTH_POLICY,
    breaker: {
      ...DEFAULT_HEALTH_POLICY.breaker,
      openForMs: config.breakerOpenFor,
      consecutiveFailures: config.breakerConsecutiveFailures,
    },
  };
  const step: StepContext = {
    endpointState,
    breakerOpenForMs: config.breakerOpenFor,
    probes: new Set(),
    topology: names,
    codecs,
    attempter,
    basePolicy: {
      tiersMs: config.tiers,
      maxAttempts: config.maxAttempts,
      maxAgeMs: config.maxAge,
      jitter: config.jitter,
    },
    classifyOptions: { disableOn404: config.disableOn404 },
    now,
    random: options.random ?? Math.random,
    metrics,
  };
  const deps = {
    sessionTimeoutMs: config.sessionTimeout,
    kafka,
    admin,
    step,
    limit: new ConcurrencyLimit(config.concurrency),
    lookahead: config.tierLookahead,
    jitter: config.jitter,
    logger,
  };
  // One limit per role: due retries must not queue behind a deep ingest backlog, nor the reverse.
  const workers: DueConsumer<unknown>[] = [];
  if (roles.includes('dispatcher')) workers.push(dispatcher(deps) as DueConsumer<unknown>);
  if (roles.includes('tiers')) {
    workers.push(
      ...(tierWorkers({
        ...deps,
        limit: new ConcurrencyLimit(config.concurrency),
      }) as DueConsumer<unknown>[]),
    );
  }
  const projection = roles.includes('projection')
    ? new Projection({
        kafka,
        admin,
        topology: names,
        codecs,
        policy: healthPolicy,
        sessionTimeoutMs: config.sessionTimeout,
        logger: logger.child({ role: 'projection' }),
      })
    : undefined;
  await Promise.all([...workers.map((w) => w.start()), projection?.start()]);
  logger.info({ roles, brokers: config.brokers, topics: names.ingest }, 'kretry started');

  return {
    metrics,
    endpointHealth: (endpointId) => endpointState?.get(endpointId),
    async stop() {
      await Promise.all([...workers.map((w) => w.stop(config.shutdownTimeout)), projection?.stop()]);
      await attempter.close();
      await endpointState?.stop();
      await admin.disconnect();
      logger.info('kretry stopped');
    },
  };
}
