import type { Admin } from 'kafkajs';
import type { Config, Role } from '../config/schema.js';
import { createHttpAttempter } from '../delivery/attempt.js';
import { KretryError } from '../errors.js';
import { registerCodecs } from '../kafka/codecs.js';
import { ConcurrencyLimit } from '../kafka/concurrency-limit.js';
import type { PartitionProcessor } from '../kafka/partition-processor.js';
import { PartitionStatus } from '../kafka/partition-status.js';
import { readBrokerLimits } from '../kafka/broker-limits.js';
import { ProbeTracker } from '../domain/health/probe-tracker.js';
import { createKafka } from '../kafka/kafka-client.js';
import { topology } from '../kafka/topology.js';
import { missingTopics } from '../kafka/create-topics.js';
import { createRegistryClient } from '../kafka/value-codec.js';
import type { Logger } from '../observability/logger.js';
import { attemptLog } from '../observability/attempt-log.js';
import { createMetrics, type EngineMetrics } from '../observability/metrics.js';
import type { StepContext } from './delivery-step.js';
import { DEFAULT_HEALTH_POLICY, type HealthPolicy } from '../domain/health/endpoint-health.js';
import { CompactedTable } from '../kafka/compacted-table.js';
import { closeWithin } from '../kafka/bounded-close.js';
import { gateFields, type EndpointHealthValue } from '../kafka/health-record.js';
import { readOnly } from '../kafka/value-codec.js';
import type { HealthSnapshot } from '../domain/health/gate.js';
import { DEFAULT_CONCURRENCY_SETTINGS } from '../domain/shaping/adaptive-concurrency.js';
import { EndpointFlows } from './endpoint-flows.js';
import { EndpointViews } from './endpoint-views.js';
import type { EndpointConfigValue } from '../kafka/records.js';
import { DlqCounter } from '../api/dlq-counter.js';
import { EndpointCommands } from '../operator/endpoint-commands.js';
import { resolve } from '../operator/redrive.js';
import { adminRoutes } from '../api/routes.js';
import { startApiServer, type ApiServer } from '../api/server.js';
import { collectStats, consumedTopics, emptyStateCounts } from '../api/stats.js';
import { stateOf } from '../api/views.js';
import { registerApiMetrics } from '../observability/api-metrics.js';
import { resolveSecrets } from '../delivery/secret-refs.js';
import { processEnv } from '../config/env.js';
import { dispatcher } from './dispatcher.js';
import { notifier } from './notifier.js';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../observability/tracing.js';
import { IngestRoutes } from '../api/ingest-routes.js';
import { DeliveryIndex } from '../api/delivery-index.js';
import { deliveryRoutes } from '../api/delivery-routes.js';
import type { Accepted } from '../domain/dedupe-memory.js';
import { ACCEPTED_CODEC } from '../kafka/ingest-dedupe.js';
import { DEFAULT_RULES_KEY } from '../kafka/topology.js';
import type { RetryRules } from '../domain/retry-rules.js';
import { projection as projectionRole } from './projection.js';
import { tierWorkers } from './tiers.js';

export interface ConnectedConfig extends Config {
  readonly brokers: string[];
  readonly schemaRegistryUrl: string;
}

export interface Engine {
  readonly metrics: EngineMetrics;
  /** This process's view of an endpoint's health (undefined when it runs no gated role, or knows none). */
  endpointHealth(endpointId: string): EndpointHealthValue | undefined;
  /** This process's view of an endpoint's configuration from the endpoints topic. */
  endpointConfig(endpointId: string): EndpointConfigValue | undefined;
  /** The admin API's base URL, when this process runs the `api` role. */
  readonly apiUrl: string | undefined;
  /** Graceful: stop fetching, finish in-flight attempts within the deadline, commit, leave the groups. */
  stop(): Promise<void>;
}

export interface EngineOptions {
  readonly roles?: readonly Role[];
  readonly now?: () => number;
  readonly random?: () => number;
  readonly defaultMetrics?: boolean;
  /** Receives every span instead of the OTLP exporter (tests; see observability/tracing.ts). */
  readonly spanProcessor?: SpanProcessor;
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
  const missing = await missingTopics(admin, config);
  if (missing.length > 0) {
    await admin.disconnect();
    throw new KretryError(
      'KRETRY_KAFKA',
      `Missing topics: ${missing.join(', ')}. Create them with \`kretry topics create\`.`,
    );
  }
  const codecs = await registerCodecs(createRegistryClient(config.schemaRegistryUrl), names);
  const now = options.now ?? Date.now;
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  const status = new PartitionStatus(metrics.registry, now);
  const limits = await readBrokerLimits(admin, outputTopics(names), logger);
  assertBodiesFit(config, limits.maxMessageBytes);
  const gated = roles.includes('dispatcher') || roles.includes('tiers');
  const withApi = roles.includes('api');
  const tables = gated || withApi;
  // The api role serves full health snapshots; the workers keep only the gate's fields of each
  // (a snapshot carries 24 h of minute buckets, and a worker would hold one per endpoint).
  const endpointState = withApi
    ? new CompactedTable<EndpointHealthValue>(
        kafka,
        admin,
        names.endpointState,
        codecs.endpointState,
        logger.child({ component: 'endpoint-state' }),
      )
    : undefined;
  const gateTable = gated
    ? new CompactedTable<HealthSnapshot>(
        kafka,
        admin,
        names.endpointState,
        readOnly(codecs.endpointState, gateFields),
        logger.child({ component: 'endpoint-gates' }),
      )
    : undefined;
  const endpoints = tables
    ? new CompactedTable<EndpointConfigValue>(
        kafka,
        admin,
        names.endpoints,
        codecs.endpoints,
        logger.child({ component: 'endpoints' }),
      )
    : undefined;
  // Loading the tables is awaited only after the projection has started. A process killed in the
  // middle of a projection transaction leaves it open on endpoint-state, and a read_committed
  // reader cannot read past it until it is aborted: by the projection lane that fences that
  // partition's transactional id when it opens, or by the broker after the transaction timeout
  // (60 s). Waiting for the tables first would wait for the timeout (the chaos suite's kill -9
  // loop stalled on exactly this, silently).
  const tablesLoaded = Promise.all([endpointState?.start(), gateTable?.start(), endpoints?.start()]);
  tablesLoaded.catch(() => undefined);
  const attempter = createHttpAttempter({
    attemptTimeoutMs: config.attemptTimeout,
    maxBodyBytes: config.maxBodyBytes,
    responseBodyLimit: config.responseBodyLimit,
    allowPrivateTargets: config.allowPrivateTargets,
    allowedTargetCidrs: config.allowedTargetCidrs,
    secretsFor: (endpointId) => {
      const configured = endpoints?.get(endpointId)?.secrets ?? [];
      return configured.length > 0
        ? resolveSecrets(configured, endpointId, logger, processEnv())
        : (config.endpointSecrets[endpointId] ?? []);
    },
    now,
  });
  const tracing = await startTracing(processEnv(), options.spanProcessor);
  const healthPolicy: HealthPolicy = {
    ...DEFAULT_HEALTH_POLICY,
    breaker: {
      ...DEFAULT_HEALTH_POLICY.breaker,
      openForMs: config.breakerOpenFor,
      consecutiveFailures: config.breakerConsecutiveFailures,
    },
    failingAfter: config.failingEventAfter,
  };
  const flows = new EndpointFlows(
    {
      concurrency: { ...DEFAULT_CONCURRENCY_SETTINGS, max: config.endpointMaxConcurrency },
      maxRateWaitMs: config.rateLimitMaxWait,
    },
    now,
  );
  flows.registerMetrics(metrics.registry, config.metricsTopEndpoints);
  const step: StepContext = {
    views: new EndpointViews({
      health: gateTable,
      endpoints,
      policy: {
        tiersMs: config.tiers,
        maxAttempts: config.maxAttempts,
        maxAgeMs: config.maxAge,
        jitter: config.jitter,
      },
      rules: engineRules(config),
      disableOn404: config.disableOn404,
      breakerOpenForMs: config.breakerOpenFor,
      defaultRateLimit: config.endpointRateLimit ?? null,
    }),
    flows,
    // A probe whose result never reaches the gate (its commit was abandoned) is freed after this.
    probes: new ProbeTracker(config.attemptTimeout + 30_000),
    topology: names,
    codecs,
    attempter,
    now,
    random: options.random ?? Math.random,
    metrics,
    tracer: tracing.tracer,
    attemptLog: config.logAttempts ? attemptLog(logger) : undefined,
  };
  const deps = {
    sessionTimeoutMs: config.sessionTimeout,
    kafka,
    admin,
    step,
    limit: new ConcurrencyLimit(config.concurrency),
    lookahead: config.tierLookahead,
    jitter: config.jitter,
    dedupeWindowMs: config.dedupeWindow,
    limits,
    status,
    logger,
  };
  // One limit per role: due retries must not queue behind a deep ingest backlog, nor the reverse.
  const workers: Pick<PartitionProcessor<unknown, unknown>, 'start' | 'stop'>[] = [];
  if (roles.includes('dispatcher')) workers.push(dispatcher(deps));
  if (roles.includes('tiers')) {
    workers.push(...tierWorkers({ ...deps, limit: new ConcurrencyLimit(config.concurrency) }));
  }
  if (roles.includes('notifier') && config.notifyUrl !== undefined) {
    workers.push(
      notifier({
        ...deps,
        topology: names,
        codecs,
        limit: new ConcurrencyLimit(config.concurrency),
        metrics,
        now,
        url: config.notifyUrl,
        endpointId: config.notifyEndpointId,
      }),
    );
  }
  const projectionFrom = workers.length;
  if (roles.includes('projection')) {
    workers.push(
      projectionRole({
        kafka,
        admin,
        topology: names,
        codecs,
        policy: healthPolicy,
        sessionTimeoutMs: config.sessionTimeout,
        limits,
        status,
        metrics,
        now,
        logger,
      }),
    );
  }
  const projectionWorkers = workers.slice(projectionFrom);
  await Promise.all(projectionWorkers.map((w) => w.start()));
  try {
    await tablesLoaded;
  } catch (error) {
    await Promise.all(projectionWorkers.map((w) => w.stop(0)));
    throw error;
  }
  let started = false;
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  if (withApi && endpointState !== undefined && endpoints !== undefined) {
    api = await startApi(
      config,
      { kafka, admin, names, codecs, metrics, endpointState, endpoints, now, logger },
      () => (started ? status.problems() : ['starting']),
    );
  }
  await Promise.all(workers.filter((w) => !projectionWorkers.includes(w)).map((w) => w.start()));
  started = true;
  logger.info(
    { roles, brokers: config.brokers, topics: names.ingest, api: api?.server.url },
    'kretry started',
  );

  return {
    metrics,
    endpointHealth: (endpointId) => endpointState?.get(endpointId),
    endpointConfig: (endpointId) => endpoints?.get(endpointId),
    apiUrl: api?.server.url,
    async stop() {
      // Bounded at every step, so SIGTERM ends the process within KRETRY_SHUTDOWN_TIMEOUT plus a
      // few seconds even when the broker stopped answering: the workers drain within the timeout
      // and close their consumers within 3 s; everything else gets 2 s together.
      const closing = (promise: Promise<unknown> | undefined, what: string): Promise<void> =>
        closeWithin(promise ?? Promise.resolve(), REST_CLOSE_MS, logger, what);
      await closing(api?.server.close(), 'api server');
      await Promise.all(workers.map((w) => w.stop(config.shutdownTimeout)));
      await Promise.all([
        closing(attempter.close(), 'http agent'),
        closing(endpointState?.stop(), 'endpoint-state table'),
        closing(gateTable?.stop(), 'endpoint gates table'),
        closing(endpoints?.stop(), 'endpoints table'),
        closing(api?.commands.stop(), 'endpoint commands'),
        closing(api?.dlq.stop(), 'dlq counter'),
        closing(api?.ingest.stop(), 'ingest producer'),
        closing(api?.accepted.stop(), 'ingest-dedupe table'),
        closing(api?.deliveries.stop(), 'delivery index'),
        closing(tracing.shutdown(), 'span exporter'),
      ]);
      await closing(admin.disconnect(), 'admin');
      logger.info('kretry stopped');
    },
  };
}

interface ApiParts {
  readonly kafka: ReturnType<typeof createKafka>;
  readonly admin: Admin;
  readonly names: ReturnType<typeof topology>;
  readonly codecs: Awaited<ReturnType<typeof registerCodecs>>;
  readonly metrics: EngineMetrics;
  readonly endpointState: CompactedTable<EndpointHealthValue>;
  readonly endpoints: CompactedTable<EndpointConfigValue>;
  readonly now: () => number;
  readonly logger: Logger;
}

/** Role `api`: operator commands, dead-letter counts, the gauges computed on scrape, the HTTP server. */
async function startApi(
  config: ConnectedConfig,
  parts: ApiParts,
  engineProblems: () => string[],
): Promise<{
  server: ApiServer;
  commands: EndpointCommands;
  dlq: DlqCounter;
  ingest: IngestRoutes;
  accepted: CompactedTable<Accepted>;
  deliveries: DeliveryIndex;
}> {
  const { kafka, admin, names, codecs, metrics, endpointState, endpoints, now, logger } = parts;
  const log = logger.child({ role: 'api' });
  const commands = new EndpointCommands({
    kafka,
    topology: names,
    codecs,
    current: (id) => endpoints.get(id),
    now,
    logger: log,
  });
  const dlq = new DlqCounter(kafka, admin, names.dlq, codecs.dlq, log);
  dlq.start();
  await commands.start();
  const stateCounts = () => {
    const counts = emptyStateCounts();
    for (const id of new Set([...endpointState.keys(), ...endpoints.keys(), ...commands.writtenIds()])) {
      if (id === DEFAULT_RULES_KEY) continue; // the run-time retry rules, not an endpoint
      counts[stateOf(endpointState.get(id), commands.current(id))]++;
    }
    return counts;
  };
  registerApiMetrics({
    registry: metrics.registry,
    admin,
    consumed: consumedTopics(names, config.notifyUrl !== undefined),
    endpointStates: stateCounts,
    failureRates: function* () {
      for (const health of endpointState.values()) {
        if (health.failureRate5m !== null) yield { id: health.endpointId, rate: health.failureRate5m };
      }
    },
    topN: config.metricsTopEndpoints,
    logger: log,
  });
  // The ids the dispatcher accepted, for duplicate answers; read in the background (until it has
  // caught up, a repeat is answered 202 and the dispatcher still drops it).
  const accepted = new CompactedTable<Accepted>(kafka, admin, names.ingestDedupe, ACCEPTED_CODEC, log);
  accepted.start().catch((error: unknown) => log.error({ err: error }, 'ingest-dedupe table stopped'));
  const ingest = new IngestRoutes({
    kafka,
    topology: names,
    codecs,
    maxBodyBytes: config.maxBodyBytes,
    now,
    dedupe: { table: accepted, windowMs: config.dedupeWindow },
  });
  const deliveries = new DeliveryIndex(
    kafka,
    admin,
    names.attempts,
    codecs.attempts,
    config.deliveryIndexSize,
    log,
  );
  deliveries.start().catch((error: unknown) => log.error({ err: error }, 'delivery index stopped'));
  const server = await startApiServer({
    host: config.apiHost,
    port: config.apiPort,
    token: config.apiToken,
    logger: log,
    routes: adminRoutes({
      ingest,
      deliveries: deliveryRoutes(deliveries, (id) => accepted.get(id)),
      health: endpointState,
      configs: endpoints,
      commands,
      registry: metrics.registry,
      engineTiersMs: config.tiers,
      engineRules: engineRules(config),
      engineProblems,
      resolveDeadLetters: async (request) => {
        const result = await resolve({ kafka, admin, topology: names, codecs, logger: log }, request);
        return { resolved: result.handled, alreadyHandled: result.alreadyHandled, matched: result.matched };
      },
      stats: () =>
        collectStats({
          admin,
          topology: names,
          dlqCounts: () => dlq.counts(),
          endpointStates: stateCounts,
          now,
          notifies: config.notifyUrl !== undefined,
        }),
    }),
  });
  log.info({ url: server.url, auth: config.apiToken !== undefined }, 'admin API listening');
  return { server, commands, dlq, ingest, accepted, deliveries };
}

/** Every topic kretry writes: a commit must fit the smallest `max.message.bytes` among them. */
function outputTopics(names: ReturnType<typeof topology>): string[] {
  return [names.ingest, names.dlq, names.attempts, names.endpointState, ...names.tiers.map((t) => t.topic)];
}

/** Room for a request's URL, headers and ids, and the record's own fields. */
const REQUEST_HEADROOM_BYTES = 16 * 1024;
/** What closing the parts besides the workers may take at shutdown, each. */
const REST_CLOSE_MS = 2_000;
/** Bytes one attempt adds to a record's history. */
const HISTORY_BYTES_PER_ATTEMPT = 64;

/**
 * A delivery's body travels whole in its ScheduledAttempt and DeadLetter. If the largest body
 * kretry accepts cannot fit the smallest topic limit, such a delivery could never be committed;
 * refuse at start, naming both settings, instead of wedging a partition later.
 */
function assertBodiesFit(config: ConnectedConfig, maxMessageBytes: number): void {
  const largest =
    config.maxBodyBytes +
    config.responseBodyLimit +
    config.maxAttempts * HISTORY_BYTES_PER_ATTEMPT +
    REQUEST_HEADROOM_BYTES;
  if (largest > maxMessageBytes) {
    throw new KretryError(
      'KRETRY_CONFIG',
      `The largest record kretry may write (KRETRY_MAX_BODY_BYTES ${config.maxBodyBytes} + KRETRY_RESPONSE_BODY_LIMIT ${config.responseBodyLimit} + history of KRETRY_MAX_ATTEMPTS ${config.maxAttempts} + ${REQUEST_HEADROOM_BYTES} bytes for URL and headers = ${largest}) does not fit the smallest max.message.bytes of kretry's topics (${maxMessageBytes}); lower KRETRY_MAX_BODY_BYTES or raise the topics' max.message.bytes`,
      { context: { key: 'maxBodyBytes', maxMessageBytes, largest } },
    );
  }
}

/** The retry rules of the configuration: the bottom layer of every delivery's rules. */
function engineRules(config: ConnectedConfig): RetryRules {
  return {
    retryOn: config.retryOn,
    permanentOn: config.permanentOn,
    minDelayMs: config.minRetryDelay ?? 0,
  };
}
