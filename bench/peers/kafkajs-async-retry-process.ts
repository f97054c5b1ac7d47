/**
 * The kafkajs-async-retry 1.0.0 peer's process: the library's retry-topic helper on kafkajs 2.2.4,
 * POSTing each record's body to its url and sending failures (non-2xx or no response) to the
 * library's retry topics (`<group>-retry-1…n`, attempt-based naming) and finally `<group>-dlq`.
 *
 * How it is driven, and why:
 * - `eachBatch` with one process-wide limit of `concurrency` requests in flight, like the fair
 *   ceiling: the library's `eachMessage` awaits one message per partition at a time, which would
 *   cap it at the partition count and measure the wrapper rather than the library.
 * - Jitter: 1.0.0 has none (`prepareAsyncRetryHeaders` sets `ttl = now + delay`). To run the
 *   same ±25 % schedule as the other systems, that one method is replaced on the instance with a
 *   copy that draws the delay in the jitter band; nothing else of the library is touched.
 * - `maxWaitTime` (ms): a retry whose due time is further away than this makes the library pause
 *   the partition and throw `WaitBeforeProcessing`, a `KafkaJSNonRetriableError`; kafkajs's
 *   `onCrash` (consumer/index.js) restarts only retriable errors, so the consumer stops for good.
 *   The bench therefore sets it above the largest tier (with jitter); `--finding` does not.
 */
import asyncRetry from 'kafkajs-async-retry';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { childOptions, reportEvent } from '../compare/child-peer.js';
import { createBenchHttpClient, createLimiter } from '../compare/http-client.js';
import { createTopicsRetrying } from '../compare/topics.js';
import {
  SCENARIO_B_JITTER,
  SCENARIO_B_TIERS_MS,
  type InputRecord,
  type PeerStartOptions,
} from '../compare/peer.js';

export interface AsyncRetryOptions extends PeerStartOptions {
  /** The library's `maxWaitTime`; absent: above the largest tier with its jitter, plus 1 s. */
  readonly maxWaitTimeMs?: number;
}

interface RetryHeaderDetails {
  readonly previousAttempts: number;
  readonly originalTopic: string;
}

const options = childOptions<AsyncRetryOptions>();
const tiersMs = options.tiersMs ?? SCENARIO_B_TIERS_MS;
const largestTier = Math.max(...tiersMs);
const maxWaitTime = options.maxWaitTimeMs ?? Math.ceil(largestTier * (1 + SCENARIO_B_JITTER)) + 1000;
const groupId = `${options.runId}-kar`;

const kafka = new Kafka({
  clientId: 'bench-kafkajs-async-retry',
  brokers: options.brokers.split(','),
  logLevel: logLevel.WARN,
});
const admin = kafka.admin();
const producer = kafka.producer();
const consumer = kafka.consumer({ groupId });
consumer.on(consumer.events.CRASH, (e) =>
  reportEvent('crash', { error: String(e.payload.error), restart: e.payload.restart }),
);

const [first, ...rest] = tiersMs.map((ms) => ms / 1000);
if (first === undefined) throw new Error('kafkajs-async-retry peer: no tiers');
// A CommonJS module with `exports.default`: Node's ESM import sees the whole `module.exports`.
const helper = new asyncRetry.default({
  producer,
  groupId,
  retryTopicNaming: asyncRetry.RetryTopicNaming.ATTEMPT_BASED,
  retryDelays: [first, ...rest],
  maxRetries: tiersMs.length,
  maxWaitTime,
});
// The jitter the library lacks (see the header comment); the body is the library's own but for
// the one factor.
(
  helper as unknown as { prepareAsyncRetryHeaders: (d: RetryHeaderDetails) => object }
).prepareAsyncRetryHeaders = (details) => {
  const nominal = tiersMs[Math.min(details.previousAttempts, tiersMs.length - 1)] ?? largestTier;
  const jittered = nominal * (1 + SCENARIO_B_JITTER * (2 * Math.random() - 1));
  const headers = {
    ttl: Date.now() + Math.round(jittered),
    top: details.originalTopic,
    att: details.previousAttempts + 1,
  };
  return { asyncRetry: Buffer.from(JSON.stringify(headers)) };
};
helper.on('dead-letter', () => reportEvent('dead-letter'));

await admin.connect();
await createTopicsRetrying(
  admin,
  [...helper.retryTopics, helper.deadLetterTopic].map((topic) => ({
    topic,
    numPartitions: options.partitions,
    replicationFactor: 1,
  })),
);
await admin.disconnect();

const http = createBenchHttpClient();
const limiter = createLimiter(options.concurrency);
await producer.connect();
await consumer.connect();
await consumer.subscribe({ topics: [options.inputTopic, ...helper.retryTopics], fromBeginning: true });
await consumer.run({
  // Every input and retry partition may be in a batch at once; the limiter bounds the requests.
  partitionsConsumedConcurrently: options.partitions * (1 + tiersMs.length),
  eachBatch: helper.eachBatch(async (payload) => {
    await Promise.all(
      payload.batch.messages.map((message: KafkaMessage) =>
        limiter.run(async () => {
          const record = JSON.parse(message.value?.toString('utf8') ?? '{}') as InputRecord;
          const status = await http.post(record.url, record.body);
          if (status < 200 || status > 299)
            await payload.messageFailureHandler(new Error(`HTTP ${status}`), message);
        }),
      ),
    );
    await payload.heartbeat();
  }),
});
reportEvent('running', { maxWaitTime, tiersMs });

process.once('SIGTERM', () => {
  void consumer
    .disconnect()
    .then(() => producer.disconnect())
    .then(() => http.close())
    .finally(() => process.exit(0));
});
