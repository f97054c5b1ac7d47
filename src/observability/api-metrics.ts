import type { Admin } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';
import type { EndpointState } from '../domain/health/gate.js';
import { groupLag } from '../kafka/consumer-lag.js';
import type { Logger } from './logger.js';

export interface ApiMetricsSources {
  readonly registry: Registry;
  readonly admin: Admin;
  /** (group, topic) pairs whose lag is exported. */
  readonly consumed: readonly { readonly group: string; readonly topic: string }[];
  readonly endpointStates: () => Readonly<Record<EndpointState, number>>;
  /** Endpoints with their 5-minute failure rate; only the `topN` worst get a series. */
  readonly failureRates: () => Iterable<{ readonly id: string; readonly rate: number }>;
  readonly topN: number;
  readonly logger: Logger;
}

const LAG_CACHE_MS = 5_000;

/**
 * Gauges computed when scraped: consumer lag from committed offsets, endpoints by state, and the
 * most failing endpoints. Per-endpoint series are limited to the top N so cardinality stays bounded
 * however many endpoints there are.
 */
export function registerApiMetrics(sources: ApiMetricsSources): void {
  let lagAt = 0;
  let lagRows: { topic: string; partition: number; lag: number }[] = [];
  new Gauge({
    name: 'kretry_consumer_lag',
    help: "Records between a kretry group's committed offset and the log end, per partition (an upper bound: it counts transaction markers)",
    labelNames: ['topic', 'partition'],
    registers: [sources.registry],
    async collect() {
      if (Date.now() - lagAt > LAG_CACHE_MS) {
        try {
          const lags = await Promise.all(
            sources.consumed.map((c) => groupLag(sources.admin, c.group, c.topic)),
          );
          lagRows = lags.flatMap((l) =>
            l.partitions.map((p) => ({ topic: l.topic, partition: p.partition, lag: p.lag })),
          );
          lagAt = Date.now();
        } catch (error) {
          sources.logger.warn({ err: error }, 'consumer lag unavailable for this scrape');
        }
      }
      this.reset();
      for (const row of lagRows) this.set({ topic: row.topic, partition: String(row.partition) }, row.lag);
    },
  });
  new Gauge({
    name: 'kretry_endpoints',
    help: 'Endpoints known to this process, by state (closed, open, half_open, disabled)',
    labelNames: ['state'],
    registers: [sources.registry],
    collect() {
      for (const [state, count] of Object.entries(sources.endpointStates())) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'kretry_endpoint_failure_rate',
    help: 'Failure rate over 5 minutes of the most failing endpoints (top N, KRETRY_METRICS_TOP_ENDPOINTS)',
    labelNames: ['endpoint'],
    registers: [sources.registry],
    collect() {
      this.reset();
      if (sources.topN === 0) return;
      const worst = [...sources.failureRates()]
        .filter((e) => e.rate > 0)
        .sort((a, b) => b.rate - a.rate || a.id.localeCompare(b.id))
        .slice(0, sources.topN);
      for (const e of worst) this.set({ endpoint: e.id }, e.rate);
    },
  });
}
