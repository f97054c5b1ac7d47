import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { foldDelivery, type DeliveryState, type DeliveryView } from '../domain/delivery-view.js';
import { onReadToEnd } from '../kafka/read-to-end.js';
import type { AttemptRecordedValue } from '../kafka/records.js';
import type { ValueCodec } from '../kafka/value-codec.js';
import type { Logger } from '../observability/logger.js';

/**
 * Deliveries by id, folded from the `attempts` log (domain/delivery-view.ts) by a reader of its
 * own that starts at the log's retained beginning and follows it: rebuilt on every start like
 * endpoint health, nothing stored but the log. Bounded: the `maxDeliveries` most recently updated
 * deliveries are kept (KRETRY_DELIVERY_INDEX_SIZE); an older one is answered 404 with why.
 * Memory: about 300 bytes per delivery plus 120 per attempt kept (at most 50 per delivery).
 */
export class DeliveryIndex {
  readonly #views = new Map<string, DeliveryView>();
  readonly #byEndpoint = new Map<string, Set<string>>();
  #consumer: Consumer | undefined;
  #ready = false;
  #groupId = `kretry-deliveries-${randomUUID()}`;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly topic: string,
    private readonly codec: ValueCodec<AttemptRecordedValue>,
    readonly maxDeliveries: number,
    private readonly logger: Logger,
    /** Keep only this delivery (the CLI's `deliveries show`). */
    private readonly only?: string,
  ) {}

  /** True once the log as it was at start has been read. */
  get ready(): boolean {
    return this.#ready;
  }

  get(deliveryId: string): DeliveryView | undefined {
    return this.#views.get(deliveryId);
  }

  /** An endpoint's deliveries, most recently updated first. */
  ofEndpoint(endpointId: string, state?: DeliveryState): DeliveryView[] {
    const ids = this.#byEndpoint.get(endpointId) ?? new Set<string>();
    return [...ids]
      .map((id) => this.#views.get(id))
      .filter((v): v is DeliveryView => v !== undefined && (state === undefined || v.state === state))
      .sort((a, b) => b.updatedAt - a.updatedAt || (a.deliveryId < b.deliveryId ? -1 : 1));
  }

  /** Starts reading; resolves once the log as it was at start is folded in. */
  async start(): Promise<void> {
    const ends = await this.#logEnds();
    const pending = new Map<number, number>();
    for (const end of ends)
      if (Number(end.high) > Number(end.low)) pending.set(end.partition, Number(end.high));
    const consumer = this.kafka.consumer({
      groupId: this.#groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 250,
    });
    this.#consumer = consumer;
    let caughtUp: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (caughtUp = resolve));
    onReadToEnd(consumer, pending, caughtUp);
    if (pending.size === 0) caughtUp();
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (message.value === null) return;
        let event: AttemptRecordedValue;
        try {
          event = await this.codec.decode(message.value);
        } catch (error) {
          this.logger.warn(
            { err: error, offset: message.offset },
            'delivery index: an attempt record cannot be decoded; skipped',
          );
          return;
        }
        this.#fold(event);
      },
    });
    await ready;
    this.#ready = true;
  }

  /**
   * The log ends to read up to. kafkajs's fetchTopicOffsets can throw a TypeError while its
   * metadata of a new topic is incomplete (seen right after topics were created): ask again.
   */
  async #logEnds(): Promise<Awaited<ReturnType<Admin['fetchTopicOffsets']>>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.admin.fetchTopicOffsets(this.topic);
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * attempt)));
      }
    }
  }

  async stop(): Promise<void> {
    await this.#consumer?.disconnect().catch(() => undefined);
    await this.admin.deleteGroups([this.#groupId]).catch(() => undefined);
  }

  #fold(event: AttemptRecordedValue): void {
    if (event.operatorAction !== null || event.deliveryId === '') return;
    if (this.only !== undefined && event.deliveryId !== this.only) return;
    const previous = this.#views.get(event.deliveryId);
    const view = foldDelivery(previous, {
      deliveryId: event.deliveryId,
      endpointId: event.endpointId,
      attempt: event.attempt,
      eventTime: event.eventTime,
      outcome: event.outcome,
      status: event.status,
      errorClass: event.errorClass,
      latencyMs: event.latencyMs,
      // The tier an attempt ran on is where the previous step scheduled it.
      tier: event.tierIndex === null ? 'ingest' : (previous?.scheduled?.tier ?? `tier ${event.tierIndex}`),
      nextStep: event.nextStep ?? null,
      nextTier: event.nextTier ?? null,
      nextDueAt: event.nextDueAt ?? null,
      deadReason: event.deadReason ?? null,
    });
    // Most recently updated last: the first entry is the one to forget.
    this.#views.delete(event.deliveryId);
    this.#views.set(event.deliveryId, view);
    let ids = this.#byEndpoint.get(event.endpointId);
    if (ids === undefined) this.#byEndpoint.set(event.endpointId, (ids = new Set()));
    ids.add(event.deliveryId);
    while (this.#views.size > this.maxDeliveries) {
      const oldest = this.#views.keys().next().value as string;
      const forgotten = this.#views.get(oldest);
      this.#views.delete(oldest);
      if (forgotten !== undefined) this.#byEndpoint.get(forgotten.endpointId)?.delete(oldest);
    }
  }
}
