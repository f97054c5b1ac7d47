import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import type { OperatorAction } from '../domain/health/endpoint-health.js';
import type { RetryRulesOverride } from '../domain/retry-rules.js';
import type { BackoffStrategy } from '../domain/delivery/backoff.js';
import type { RateLimit } from '../domain/shaping/token-bucket.js';
import { backoffToValue } from '../kafka/delivery-codec.js';
import { KretryError } from '../errors.js';
import type { Codecs } from '../kafka/codecs.js';
import { PARTITIONER } from '../kafka/kafka-client.js';
import type { EndpointConfigValue, PolicyOverrideValue } from '../kafka/records.js';
import type { Topology } from '../kafka/topology.js';
import type { Logger } from '../observability/logger.js';

/** A change to an endpoint's configuration; an absent field keeps its current value. */
export interface ConfigChange {
  readonly url?: string | null;
  readonly secrets?: readonly string[];
  readonly policy?: PolicyOverrideValue | null;
  readonly disableOn404?: boolean | null;
  readonly retryUnsafe?: boolean | null;
  readonly retryRules?: RetryRulesOverride | null;
  readonly backoff?: BackoffStrategy | null;
  readonly rateLimit?: RateLimit | null;
}

export interface EndpointCommandsDeps {
  readonly kafka: Kafka;
  readonly topology: Topology;
  readonly codecs: Pick<Codecs, 'endpoints' | 'attempts'>;
  /** The endpoint's current configuration, as this process last read it from the endpoints topic. */
  readonly current: (endpointId: string) => EndpointConfigValue | undefined;
  readonly now: () => number;
  readonly logger: Logger;
}

export function defaultEndpointConfig(endpointId: string, at: number): EndpointConfigValue {
  return {
    endpointId,
    url: null,
    secrets: [],
    policy: null,
    enabled: true,
    disableOn404: null,
    retryUnsafe: null,
    enabledAt: null,
    circuitResetAt: null,
    updatedAt: at,
  };
}

/**
 * An operator's commands on an endpoint (admin API and CLI). A command writes the endpoint's new
 * configuration and, for enable / disable / circuit reset, an AttemptRecorded carrying the action
 * to the attempts log, both in one transaction: workers act on the configuration at once, and the
 * projection folds the action at its place in the log, so a rebuild reaches the same health.
 */
export class EndpointCommands {
  #producer: Producer | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** Written by this process but perhaps not read back yet: read-your-writes for the caller. */
  readonly #written = new Map<string, EndpointConfigValue>();

  constructor(private readonly deps: EndpointCommandsDeps) {}

  async start(): Promise<void> {
    // A fresh id per process: commands are independent, there is no input partition to fence on.
    const producer = this.deps.kafka.producer({
      createPartitioner: PARTITIONER,
      transactionalId: `${this.deps.topology.prefix}operator-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { initialRetryTime: 50, maxRetryTime: 1_000, retries: 10 },
    });
    await producer.connect();
    this.#producer = producer;
  }

  async stop(): Promise<void> {
    await this.#queue.catch(() => undefined);
    await this.#producer?.disconnect();
  }

  /** The configuration a command starts from: this process's own latest write, else the table's. */
  current(endpointId: string): EndpointConfigValue | undefined {
    const read = this.deps.current(endpointId);
    const written = this.#written.get(endpointId);
    if (written === undefined) return read;
    return read !== undefined && read.updatedAt >= written.updatedAt ? read : written;
  }

  /** Endpoints this process wrote a command for (some perhaps not read back yet). */
  writtenIds(): IterableIterator<string> {
    return this.#written.keys();
  }

  putConfig(endpointId: string, change: ConfigChange): Promise<EndpointConfigValue> {
    return this.#command(endpointId, null, (config) => ({
      ...config,
      url: change.url === undefined ? config.url : change.url,
      secrets: change.secrets === undefined ? config.secrets : [...change.secrets],
      policy: change.policy === undefined ? config.policy : change.policy,
      disableOn404: change.disableOn404 === undefined ? config.disableOn404 : change.disableOn404,
      retryUnsafe: change.retryUnsafe === undefined ? (config.retryUnsafe ?? null) : change.retryUnsafe,
      retryRules: change.retryRules === undefined ? (config.retryRules ?? null) : change.retryRules,
      backoff:
        change.backoff === undefined
          ? (config.backoff ?? null)
          : change.backoff === null
            ? null
            : backoffToValue(change.backoff),
      rateLimit: change.rateLimit === undefined ? (config.rateLimit ?? null) : change.rateLimit,
    }));
  }

  enable(endpointId: string): Promise<EndpointConfigValue> {
    return this.#command(endpointId, 'enable', (config, at) => ({ ...config, enabled: true, enabledAt: at }));
  }

  disable(endpointId: string): Promise<EndpointConfigValue> {
    return this.#command(endpointId, 'disable', (config) => ({ ...config, enabled: false }));
  }

  resetCircuit(endpointId: string): Promise<EndpointConfigValue> {
    return this.#command(endpointId, 'reset_circuit', (config, at) => ({ ...config, circuitResetAt: at }));
  }

  #command(
    endpointId: string,
    action: OperatorAction | null,
    change: (config: EndpointConfigValue, at: number) => EndpointConfigValue,
  ): Promise<EndpointConfigValue> {
    const run = async (): Promise<EndpointConfigValue> => {
      const producer = this.#producer;
      if (producer === undefined) throw new KretryError('KRETRY_INVARIANT', 'endpoint commands not started');
      // Never before the last write: updatedAt orders this process's writes even if the clock steps back.
      const at = Math.max(this.deps.now(), (this.current(endpointId)?.updatedAt ?? 0) + 1);
      const next = {
        ...change(this.current(endpointId) ?? defaultEndpointConfig(endpointId, at), at),
        updatedAt: at,
      };
      await this.#inTransaction(producer, endpointId, next, action, at);
      this.#written.set(endpointId, next);
      this.deps.logger.info({ endpointId, action: action ?? 'config' }, 'endpoint command written');
      return next;
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #inTransaction(
    producer: Producer,
    endpointId: string,
    config: EndpointConfigValue,
    action: OperatorAction | null,
    at: number,
  ): Promise<void> {
    const { topology, codecs } = this.deps;
    let lastError: unknown;
    // A fresh broker answers the first transactional request with a retriable coordinator error
    // that kafkajs does not always retry itself.
    for (let attempt = 1; attempt <= 5; attempt++) {
      const transaction = await producer.transaction();
      try {
        await transaction.send({
          topic: topology.endpoints,
          messages: [{ key: endpointId, value: codecs.endpoints.encode(config) }],
        });
        if (action !== null) {
          await transaction.send({
            topic: topology.attempts,
            messages: [
              {
                key: endpointId,
                value: codecs.attempts.encode({
                  deliveryId: `operator-${randomUUID()}`,
                  endpointId,
                  attempt: 0,
                  eventTime: at,
                  outcome: 'skipped',
                  status: null,
                  errorClass: `operator_${action}`,
                  latencyMs: null,
                  tierIndex: null,
                  dueAt: null,
                  disablesEndpoint: false,
                  operatorAction: action,
                }),
              },
            ],
          });
        }
        await transaction.commit();
        return;
      } catch (error) {
        lastError = error;
        await transaction.abort().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
    throw new KretryError('KRETRY_KAFKA', `could not write the command for endpoint ${endpointId}`, {
      cause: lastError,
      retryable: true,
      context: { endpointId, action },
    });
  }
}
