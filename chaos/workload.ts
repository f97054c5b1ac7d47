import type { Producer } from 'kafkajs';
import type { ValueCodec } from '../src/kafka/value-codec.js';
import type { DeliveryRequestValue } from '../src/kafka/records.js';
import { delay } from '../src/stack/processes.js';

export type EndpointKind = 'healthy' | 'flaky' | 'dead500' | 'dead410';

export interface PlannedDelivery {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly kind: EndpointKind;
  /** Receiver path: `/ok`, `/flaky/<n>`, `/dead/<status>` (chaos/receiver.ts). */
  readonly path: string;
}

/**
 * The mix of every scenario, by index: 60 % healthy, 20 % flaky (500 on the first 1–3 requests,
 * so it succeeds within 4 attempts), 10 % always 500 (max_attempts or max_age), 10 % 410 (permanent; the first
 * 410 disables its endpoint, so the rest of that endpoint's deliveries dead-letter as
 * `endpoint_disabled`). Endpoints are shared by many deliveries, as in real traffic.
 */
export function planDelivery(runTag: string, index: number): PlannedDelivery {
  const deliveryId = `msg_${runTag}_${index}`;
  const bucket = index % 10;
  // Within a bucket, consecutive deliveries go to consecutive endpoints.
  const round = Math.floor(index / 10);
  if (bucket < 6) return { deliveryId, endpointId: `ep-ok-${index % 24}`, kind: 'healthy', path: '/ok' };
  if (bucket < 8) {
    const failures = 1 + (index % 3);
    return { deliveryId, endpointId: `ep-flaky-${round % 20}`, kind: 'flaky', path: `/flaky/${failures}` };
  }
  // Many dead endpoints with few deliveries each: an open circuit lets one probe through per open
  // period, so a dead endpoint with hundreds of deliveries would take minutes to exhaust them.
  if (bucket === 8)
    return { deliveryId, endpointId: `ep-dead-${round % 30}`, kind: 'dead500', path: '/dead/500' };
  return { deliveryId, endpointId: `ep-gone-${round % 10}`, kind: 'dead410', path: '/dead/410' };
}

/** A JSON body of exactly `bytes` bytes (at least the bare envelope). */
export function bodyOf(deliveryId: string, bytes: number): Buffer {
  const envelope = JSON.stringify({ deliveryId, pad: '' });
  return Buffer.from(JSON.stringify({ deliveryId, pad: 'x'.repeat(Math.max(0, bytes - envelope.length)) }));
}

export interface ProduceOptions {
  readonly producer: Producer;
  readonly topic: string;
  readonly codec: ValueCodec<DeliveryRequestValue>;
  readonly baseUrl: string;
  readonly plan: readonly PlannedDelivery[];
  readonly bodyBytes: number;
  /** Spread the sends evenly over this long (0: all at once). */
  readonly overMs: number;
  /** Largest sum of value sizes in one send, so a batch stays under the topic's max.message.bytes. */
  readonly maxBatchBytes: number;
}

/** Produces the planned DeliveryRequests to `ingest`, in waves every 250 ms across `overMs`. */
export async function produceDeliveries(options: ProduceOptions): Promise<void> {
  const { plan, overMs } = options;
  const waves = Math.max(1, Math.floor(overMs / 250));
  const perWave = Math.ceil(plan.length / waves);
  const started = Date.now();
  for (let wave = 0; wave * perWave < plan.length; wave++) {
    const due = started + wave * 250;
    if (Date.now() < due) await delay(due - Date.now());
    await sendBatched(options, plan.slice(wave * perWave, (wave + 1) * perWave));
  }
}

async function sendBatched(options: ProduceOptions, deliveries: readonly PlannedDelivery[]): Promise<void> {
  let batch: { key: string; value: Buffer }[] = [];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await options.producer.send({ topic: options.topic, messages: batch });
    batch = [];
    bytes = 0;
  };
  for (const d of deliveries) {
    const value = options.codec.encode({
      deliveryId: d.deliveryId,
      endpointId: d.endpointId,
      url: `${options.baseUrl}${d.path}`,
      method: 'POST',
      headers: {},
      body: bodyOf(d.deliveryId, options.bodyBytes),
      contentType: 'application/json',
      createdAt: Date.now(),
      policy: null,
    });
    if (bytes + value.length > options.maxBatchBytes) await flush();
    batch.push({ key: d.endpointId, value });
    bytes += value.length;
  }
  await flush();
}
