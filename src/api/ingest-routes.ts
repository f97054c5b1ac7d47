import type { Kafka, Producer } from 'kafkajs';
import { z } from 'zod';
import { KretryError } from '../errors.js';
import type { Accepted } from '../domain/dedupe-memory.js';
import type { Codecs } from '../kafka/codecs.js';
import type { CompactedTable } from '../kafka/compacted-table.js';
import { PARTITIONER } from '../kafka/kafka-client.js';
import type { DeliveryRequestValue } from '../kafka/records.js';
import type { Topology } from '../kafka/topology.js';
import { parseDeliveryInput } from '../operator/delivery-input.js';
import { ApiError, type Route } from './http.js';

/** At most this many deliveries per `POST /deliveries:batch`. */
export const MAX_BATCH = 1_000;
/** A batch's body, whatever its count: 32 MiB of JSON. */
const BATCH_BODY_LIMIT = 32 * 1024 * 1024;

export interface IngestDeps {
  readonly kafka: Kafka;
  readonly topology: Topology;
  readonly codecs: Pick<Codecs, 'ingest'>;
  /** KRETRY_MAX_BODY_BYTES: a longer body would only be dead-lettered as body_too_large. */
  readonly maxBodyBytes: number;
  readonly now: () => number;
  /**
   * The ids the dispatcher accepted (the ingest-dedupe topic as a table) and KRETRY_DEDUPE_WINDOW:
   * a delivery whose id is there is answered 200 with its first acceptance, and not written.
   */
  readonly dedupe?: { readonly table: CompactedTable<Accepted>; readonly windowMs: number };
}

/**
 * HTTP ingest (role api): the same validation as `kretry send`, produced to `ingest` by an
 * idempotent producer (acks from every in-sync replica). A 202 only after the broker acknowledged
 * the write; a broker that cannot be reached is a 503 with Retry-After and nothing acknowledged.
 * A batch is validated whole before anything is written, and either acknowledged whole or not at
 * all; after a 503 some of it may have been written, so a client that sends it again relies on the
 * deliveryIds it chose (the dedupe of `ingest` drops repeats; see docs/lifecycle.md).
 */
export class IngestRoutes {
  #producer: Producer | undefined;
  #prunedAt = 0;
  #connecting: Promise<Producer> | undefined;

  constructor(private readonly deps: IngestDeps) {}

  routes(): Route[] {
    const singleLimit = 2 * this.deps.maxBodyBytes + 64 * 1024; // a body as a JSON string may double
    return [
      {
        method: 'POST',
        path: '/deliveries',
        auth: true,
        bodyLimit: singleLimit,
        handler: async ({ body }) => {
          const request = this.#validate(await body(), 'body');
          const earlier = this.#acceptedBefore(request.deliveryId);
          if (earlier !== undefined) return { status: 200, body: earlier };
          await this.#write([request]);
          return { status: 202, body: accepted(request) };
        },
      },
      {
        method: 'POST',
        path: '/deliveries:batch',
        auth: true,
        bodyLimit: BATCH_BODY_LIMIT,
        handler: async ({ body }) => {
          const input = batchBody.safeParse(await body());
          if (!input.success) {
            throw new ApiError(
              400,
              `invalid body: ${input.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
            );
          }
          const problems: string[] = [];
          const requests: DeliveryRequestValue[] = [];
          input.data.deliveries.forEach((delivery, index) => {
            try {
              requests.push(this.#validate(delivery, `deliveries.${index}`));
            } catch (error) {
              problems.push((error as Error).message);
            }
          });
          if (problems.length > 0) throw new ApiError(400, problems.join('; '), problems);
          const answers = requests.map((r) => this.#acceptedBefore(r.deliveryId) ?? accepted(r));
          const fresh = requests.filter((_, i) => !('duplicate' in (answers[i] ?? {})));
          if (fresh.length > 0) await this.#write(fresh);
          return { status: fresh.length > 0 ? 202 : 200, body: { accepted: answers } };
        },
      },
    ];
  }

  async stop(): Promise<void> {
    const producer = this.#producer ?? (await this.#connecting?.catch(() => undefined));
    await producer?.disconnect().catch(() => undefined);
  }

  #validate(value: unknown, where: string): DeliveryRequestValue {
    const parsed = parseDeliveryInput(value, this.deps.now());
    if ('problem' in parsed) throw new ApiError(400, `${where}: ${parsed.problem}`);
    if (parsed.request.body.length > this.deps.maxBodyBytes) {
      throw new ApiError(
        400,
        `${where}.body: ${parsed.request.body.length} bytes is over KRETRY_MAX_BODY_BYTES (${this.deps.maxBodyBytes})`,
      );
    }
    return parsed.request;
  }

  /**
   * The first acceptance of an id the dispatcher already accepted within the window, as the
   * answer to give instead of writing it again. Two requests with a new id at once both get a
   * 202 (the table learns of an id once the dispatcher commits it); the dispatcher delivers once.
   */
  #acceptedBefore(
    deliveryId: string,
  ): { deliveryId: string; acceptedAt: string; duplicate: true } | undefined {
    const dedupe = this.deps.dedupe;
    if (dedupe === undefined) return undefined;
    const now = this.deps.now();
    if (now - this.#prunedAt > 60_000) {
      this.#prunedAt = now;
      dedupe.table.prune((a) => a.at >= now - dedupe.windowMs);
    }
    const earlier = dedupe.table.get(deliveryId);
    if (earlier === undefined || earlier.at < now - dedupe.windowMs) return undefined;
    return { deliveryId, acceptedAt: new Date(earlier.at).toISOString(), duplicate: true };
  }

  async #write(requests: readonly DeliveryRequestValue[]): Promise<void> {
    const { topology, codecs } = this.deps;
    try {
      const producer = await this.#connected();
      await producer.send({
        topic: topology.ingest,
        messages: requests.map((r) => ({ key: r.endpointId, value: codecs.ingest.encode(r) })),
      });
    } catch (error) {
      if (error instanceof ApiError) throw error;
      const type = (error as { type?: string }).type ?? '';
      if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') {
        throw new ApiError(413, `the broker refused the record as too large (${type}); send a smaller body`);
      }
      // Anything else is the broker being away or busy: retryable, answered 503 with Retry-After.
      throw new KretryError(
        'KRETRY_KAFKA',
        `the broker did not acknowledge the write: ${(error as Error).message}`,
        {
          cause: error,
          retryable: true,
        },
      );
    }
  }

  /** One producer for every request, connected on first use (a broker away at start is no 500). */
  #connected(): Promise<Producer> {
    if (this.#producer !== undefined) return Promise.resolve(this.#producer);
    this.#connecting ??= (async () => {
      const producer = this.deps.kafka.producer({
        createPartitioner: PARTITIONER,
        idempotent: true,
        maxInFlightRequests: 1,
        // Bounded: a request must get its answer (202 or 503) in seconds, not minutes.
        retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
      });
      await producer.connect();
      this.#producer = producer;
      return producer;
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }
}

const batchBody = z
  .object({
    deliveries: z
      .array(z.unknown())
      .min(1, 'must not be empty')
      .max(MAX_BATCH, `at most ${MAX_BATCH} deliveries per batch`),
  })
  .strict();

function accepted(request: DeliveryRequestValue): { deliveryId: string; acceptedAt: string } {
  return { deliveryId: request.deliveryId, acceptedAt: new Date(request.createdAt).toISOString() };
}
