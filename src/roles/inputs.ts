import type { KafkaMessage } from 'kafkajs';
import { isKretryError } from '../errors.js';
import type { Decoded } from '../kafka/partition-processor.js';
import type { DeliveryRequestValue, ScheduledAttemptValue } from '../kafka/records.js';
import type { ValueCodec } from '../kafka/value-codec.js';
import { BYPASS_DEDUPE_HEADER } from '../kafka/ingest-dedupe.js';

/** What a worker read: a usable record, or bytes it could not use (which dead-letter as invalid_record). */
export type Input<T> =
  | {
      readonly kind: 'valid';
      readonly value: T;
      /** The record's `traceparent` header (W3C Trace Context), as a producer set it. */
      readonly traceparent: string | null;
      /** Where the record is: the dedupe check tells a record read again from another copy. */
      readonly position: { readonly partition: number; readonly offset: number };
      /** Set by redrive (its header): an operator's decision to deliver this id again. */
      readonly bypassDedupe: boolean;
    }
  | {
      readonly kind: 'invalid';
      readonly raw: Buffer | null;
      readonly key: string;
      readonly problem: string;
      readonly source: { readonly topic: string; readonly partition: number; readonly offset: string };
    };

/**
 * Decodes a record. An invalid one becomes an item due at once, so it reaches `dlq` without
 * delay; a transient failure (the registry unreachable, a 5xx) is thrown, so the partition waits
 * and decodes it again — a valid record is never dead-lettered because the registry was away.
 */
export function inputDecoder<T>(
  topic: string,
  codec: ValueCodec<T>,
  validate: (value: T) => string | undefined,
  timing: (value: T) => { dueAt: number; scheduledAt: number },
): (
  message: Pick<KafkaMessage, 'value' | 'key' | 'offset'> & Partial<Pick<KafkaMessage, 'headers'>>,
  partition: number,
) => Promise<Decoded<Input<T>>> {
  return async (message, partition) => {
    const invalid = (problem: string): Decoded<Input<T>> => ({
      item: {
        kind: 'invalid',
        raw: message.value,
        key: message.key?.toString() ?? '',
        problem,
        source: { topic, partition, offset: message.offset },
      },
      dueAt: 0,
      scheduledAt: 0,
    });
    if (message.value === null) return invalid('the record has no value (tombstone)');
    let value: T;
    try {
      value = await codec.decode(message.value);
    } catch (error) {
      if (isKretryError(error) && error.retryable) throw error;
      return invalid(`undecodable: ${(error as Error).message}`);
    }
    const problem = validate(value);
    if (problem !== undefined) return invalid(problem);
    return {
      item: {
        kind: 'valid',
        value,
        traceparent: headerText(message.headers, 'traceparent'),
        position: { partition, offset: Number(message.offset) },
        bypassDedupe: headerText(message.headers, BYPASS_DEDUPE_HEADER) !== null,
      },
      ...timing(value),
    };
  };
}

export function validateRequest(request: DeliveryRequestValue): string | undefined {
  if (request.deliveryId.trim() === '') return 'deliveryId is empty';
  if (request.endpointId.trim() === '') return 'endpointId is empty';
  return undefined;
}

export function validateScheduled(scheduled: ScheduledAttemptValue): string | undefined {
  if (scheduled.attempt < 1) return 'attempt must be at least 1';
  return validateRequest(scheduled.request);
}

function headerText(headers: KafkaMessage['headers'], name: string): string | null {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? null : first.toString();
}

/** The same decoder, its valid values mapped (wire value to domain noun); invalid records pass unchanged. */
export function mapDecoded<T, U>(
  decode: ReturnType<typeof inputDecoder<T>>,
  map: (value: T, input: Extract<Input<T>, { kind: 'valid' }>) => U,
): (
  message: Parameters<ReturnType<typeof inputDecoder<T>>>[0],
  partition: number,
) => Promise<Decoded<Input<U>>> {
  return async (message, partition) => {
    const decoded = await decode(message, partition);
    const { item } = decoded;
    if (item.kind === 'invalid') return { ...decoded, item };
    return { ...decoded, item: { ...item, value: map(item.value, item) } };
  };
}
