import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface EngineMetrics {
  readonly registry: Registry;
  readonly attempts: Counter<'outcome' | 'tier'>;
  readonly deliveries: Counter<'result'>;
  readonly deadLetters: Counter<'reason'>;
  /** Ingest records whose deliveryId was already accepted within KRETRY_DEDUPE_WINDOW. */
  readonly ingestDuplicates: Counter;
  readonly attemptDuration: Histogram;
  /** Due time → attempt start, per tier: what "retries on time" means, measured. */
  readonly lateness: Histogram<'tier'>;
}

export function createMetrics(
  options: { defaultMetrics: boolean } = { defaultMetrics: true },
): EngineMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    attempts: new Counter({
      name: 'kretry_attempts_total',
      help: 'HTTP attempts by outcome and tier',
      labelNames: ['outcome', 'tier'],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'kretry_deliveries_total',
      help: 'Deliveries ended, by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    ingestDuplicates: new Counter({
      name: 'kretry_ingest_duplicates_total',
      help: 'Ingest records not delivered because their deliveryId was accepted within KRETRY_DEDUPE_WINDOW',
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'kretry_dead_letters_total',
      help: 'Dead letters by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    attemptDuration: new Histogram({
      name: 'kretry_attempt_duration_seconds',
      help: 'HTTP attempt duration',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    lateness: new Histogram({
      name: 'kretry_schedule_lateness_seconds',
      help: 'Time from a retry falling due to its attempt starting, by tier',
      labelNames: ['tier'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  };
}
