import type { Message, Producer } from 'kafkajs';
import type { ValueCodec } from '../../src/kafka/value-codec.js';
import type { DeliveryRequestValue } from '../../src/kafka/records.js';
import type { InputRecord } from './peer.js';

/** Turns delivery number k into the record a system consumes; `id` replaces its delivery id. */
export type Encode = (k: number, id?: string) => Message;

/** Warm-up deliveries: the receiver answers them 200 and counts them apart (receiver.ts). */
export const WARM_UP_PREFIX = 'warm-';

/** Every delivery of a phase is `<runId>-<k>`, POSTed with body `{"id":"<runId>-<k>"}`. */
export function deliveryId(runId: string, k: number): string {
  return `${runId}-${k}`;
}

function endpointId(k: number): string {
  return `ep${k % 100}`;
}

/** The peers' input: JSON {@link InputRecord}s keyed by endpoint. */
export function jsonInput(runId: string, url: string): Encode {
  return (k, id = deliveryId(runId, k)) => {
    const record: InputRecord = { deliveryId: id, url, body: JSON.stringify({ id }) };
    return { key: endpointId(k), value: JSON.stringify(record) };
  };
}

/** kretry's input: the same deliveries as Avro DeliveryRequests, as a producer of `ingest` writes them. */
export function kretryInput(runId: string, url: string, codec: ValueCodec<DeliveryRequestValue>): Encode {
  return (k, id = deliveryId(runId, k)) => {
    const value = codec.encode({
      deliveryId: id,
      endpointId: endpointId(k),
      url,
      method: 'POST',
      headers: {},
      body: Buffer.from(JSON.stringify({ id })),
      contentType: 'application/json',
      createdAt: Date.now(),
      policy: null,
    });
    return { key: endpointId(k), value };
  };
}

const BATCH = 2000;
const SENDS_IN_FLIGHT = 4;

/** Produces deliveries [from, to) as fast as the broker takes them. */
export async function produceAll(
  producer: Producer,
  topic: string,
  encode: Encode,
  from: number,
  to: number,
): Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  for (let i = from; i < to; i += BATCH) {
    const messages: Message[] = [];
    for (let k = i; k < Math.min(to, i + BATCH); k++) messages.push(encode(k));
    const send = producer.send({ topic, messages }).finally(() => inFlight.delete(send));
    inFlight.add(send);
    if (inFlight.size >= SENDS_IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

/**
 * Produces `count` deliveries at `perSecond`, in waves every 100 ms, so a system sees a steady
 * offered load rather than a backlog (scenario B measures lateness, not throughput).
 */
export async function producePaced(
  producer: Producer,
  topic: string,
  encode: Encode,
  count: number,
  perSecond: number,
): Promise<void> {
  const started = Date.now();
  let sent = 0;
  while (sent < count) {
    const due = Math.min(count, Math.floor(((Date.now() - started) / 1000) * perSecond) + 1);
    if (due > sent) {
      await produceAll(producer, topic, encode, sent, due);
      sent = due;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
