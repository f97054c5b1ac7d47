import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { isFenced } from '../../../src/kafka/transactional-producers.js';

// kafkajs's own error constructors, as its broker and retrier build them (not a stand-in).
const require = createRequire(import.meta.url);
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode: (code: number) => Error & { type: string; code: number };
};
const { KafkaJSNonRetriableError } = require('kafkajs/src/errors.js') as {
  KafkaJSNonRetriableError: new (e: Error, options: { cause: Error }) => Error;
};

describe('isFenced', () => {
  it('knows PRODUCER_FENCED (90), which kafkajs 2.2.4 reports as an unknown code', () => {
    const error = createErrorFromCode(90);
    expect(error.type).toBe('KAFKAJS_UNKNOWN_ERROR_CODE');
    expect(isFenced(error)).toBe(true);
  });

  it('knows INVALID_PRODUCER_EPOCH and TRANSACTIONAL_ID_AUTHORIZATION_FAILED', () => {
    expect(isFenced(createErrorFromCode(47))).toBe(true);
    expect(isFenced(createErrorFromCode(53))).toBe(true);
  });

  it("looks through the retrier's KafkaJSNonRetriableError to its cause", () => {
    const original = createErrorFromCode(47);
    const wrapped = new KafkaJSNonRetriableError(original, { cause: original });
    expect((wrapped as { type?: string }).type).toBeUndefined();
    expect(isFenced(wrapped)).toBe(true);
  });

  it('is false for errors a new producer can get past', () => {
    expect(isFenced(createErrorFromCode(51))).toBe(false); // CONCURRENT_TRANSACTIONS
    expect(isFenced(createErrorFromCode(48))).toBe(false); // INVALID_TXN_STATE
    expect(isFenced(new Error('Connection closed'))).toBe(false);
    expect(isFenced(undefined)).toBe(false);
  });
});
