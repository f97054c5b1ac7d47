import { Gauge, type Registry } from 'prom-client';
import type { ReceiverSignal } from '../domain/shaping/adaptive-concurrency.js';
import {
  admit,
  finish,
  flowLimit,
  idle,
  newFlow,
  type EndpointFlow,
  type FlowSettings,
} from '../domain/shaping/endpoint-flow.js';
import type { RateLimit } from '../domain/shaping/token-bucket.js';
import type { Admit, Permit } from '../kafka/partition-processor.js';

/** An endpoint untouched this long, at rest, is forgotten (a 0.002/s limit's burst of 1 refills in it). */
const FORGET_AFTER_MS = 10 * 60_000;

/** What a held-back delivery carries between two admission questions. */
interface Ticket {
  readonly hasToken: boolean;
  /** How long until the reserved token (an over-rate deferral). */
  readonly waitMs?: number;
}

/** The wait an over-rate deferral reserved, from its ticket. */
export function reservedWaitMs(ticket: unknown): number {
  return (ticket as Ticket | undefined)?.waitMs ?? 0;
}

/**
 * The one admission slot an attempt holds. `settle` reports what the receiver said; `release`
 * (the processor's, after the work, whatever happened) frees the slot if nothing settled it.
 */
export class EndpointPermit implements Permit {
  #done = false;
  constructor(private readonly end: (signal: ReceiverSignal) => void) {}

  settle(signal: ReceiverSignal): void {
    if (this.#done) return;
    this.#done = true;
    this.end(signal);
  }

  release(): void {
    this.settle({ kind: 'other' });
  }
}

/** A permit for work the gate does not let through to the endpoint: it holds nothing. */
const FREE_PERMIT: Permit = { release: () => undefined };

/**
 * Every endpoint's flow in this process (domain/shaping/endpoint-flow.ts), shared by the dispatcher
 * and the tier workers: an endpoint's limits count every attempt this process makes to it, from
 * whichever topic. The limits are per process and need no coordination: an endpoint's records are
 * on one partition of each topic, so at most one process per topic owns them (docs/scaling.md).
 */
export class EndpointFlows {
  readonly #flows = new Map<string, EndpointFlow>();
  readonly #waiters = new Map<string, (() => void)[]>();
  #admissions = 0;

  constructor(
    private readonly settings: FlowSettings,
    private readonly now: () => number,
  ) {}

  /**
   * Admission for one due delivery to `endpointId` (partition-processor.ts, PartitionWork.admit).
   * `open` is false when the gate will not attempt it normally (circuit not closed, endpoint
   * disabled): such work is not shaped, and the next open admission after it starts slowly.
   */
  admit(
    endpointId: string,
    rate: RateLimit | null,
    open: boolean,
    ticket: unknown,
    carry?: (waitMs: number) => number,
  ): Admit {
    const now = this.now();
    const hasToken = (ticket as Ticket | undefined)?.hasToken ?? false;
    const flow = this.#flows.get(endpointId) ?? newFlow(this.settings, now);
    const answer = admit(flow, rate, open, hasToken, now, this.settings, carry);
    this.#flows.set(endpointId, answer.flow);
    if (++this.#admissions % 10_000 === 0) this.#forgetIdle(now);
    switch (answer.admission.kind) {
      case 'start': {
        if (!open) return { kind: 'start', permit: FREE_PERMIT };
        const saturated = answer.admission.saturated ?? true;
        return {
          kind: 'start',
          permit: new EndpointPermit((signal) =>
            this.#finish(endpointId, signal.kind === 'success' ? { ...signal, saturated } : signal),
          ),
        };
      }
      case 'wait':
        return {
          kind: 'retry-at',
          at: answer.admission.at,
          ticket: { hasToken: true },
          reason: 'rate_limited',
        };
      case 'full':
        return { kind: 'park', key: endpointId, ticket: { hasToken }, reason: 'concurrency_limited' };
      case 'over-rate':
        return {
          kind: 'defer',
          reason: 'rate_limited',
          ticket: { hasToken: true, waitMs: answer.admission.waitMs },
        };
    }
  }

  /** Calls `wake` once, when `endpointId` next finishes an attempt. */
  whenFree(endpointId: string, wake: () => void): void {
    const waiting = this.#waiters.get(endpointId);
    if (waiting === undefined) this.#waiters.set(endpointId, [wake]);
    else waiting.push(wake);
  }

  /** The enforced in-flight limit of an endpoint, for tests and the API. */
  limitOf(endpointId: string): number | undefined {
    const flow = this.#flows.get(endpointId);
    return flow === undefined ? undefined : flowLimit(flow);
  }

  inFlightOf(endpointId: string): number {
    return this.#flows.get(endpointId)?.inFlight ?? 0;
  }

  /**
   * `kretry_endpoint_concurrency{endpoint}`: the enforced limit of the `topN` endpoints that are
   * held lowest below the maximum (the throttled ones first), read at scrape time.
   */
  registerMetrics(registry: Registry, topN: number): void {
    const flows = this.#flows;
    const max = this.settings.concurrency.max;
    new Gauge({
      name: 'kretry_endpoint_concurrency',
      help: `Adaptive in-flight limit per endpoint (max ${max}), for the ${topN} endpoints held lowest`,
      labelNames: ['endpoint'],
      registers: [registry],
      collect() {
        this.reset();
        const ranked = [...flows.entries()]
          .map(([endpoint, flow]) => ({ endpoint, limit: flowLimit(flow), inFlight: flow.inFlight }))
          .sort((a, b) => a.limit - b.limit || b.inFlight - a.inFlight)
          .slice(0, topN);
        for (const { endpoint, limit } of ranked) this.set({ endpoint }, limit);
      },
    });
  }

  #finish(endpointId: string, signal: ReceiverSignal): void {
    const flow = this.#flows.get(endpointId);
    if (flow !== undefined) this.#flows.set(endpointId, finish(flow, signal, this.now(), this.settings));
    const waiting = this.#waiters.get(endpointId);
    if (waiting === undefined) return;
    this.#waiters.delete(endpointId);
    for (const wake of waiting) wake();
  }

  /** Endpoints at rest are forgotten, so the map follows the endpoints in use, not all ever seen. */
  #forgetIdle(now: number): void {
    for (const [endpointId, flow] of this.#flows) {
      if (idle(flow, now, FORGET_AFTER_MS, this.settings) && !this.#waiters.has(endpointId))
        this.#flows.delete(endpointId);
    }
  }
}
