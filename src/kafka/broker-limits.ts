// First: kafkajs's aborted-record filter must be replaced before kafkajs loads.
import './kafkajs-read-committed.js';
import kafkajs, { type Admin } from 'kafkajs';

// kafkajs is CommonJS and Node's ESM loader cannot see ConfigResourceTypes as a named export
// (cjs-module-lexer misses it), so it is read from the default export.
const { ConfigResourceTypes } = kafkajs;
import type { Logger } from '../observability/logger.js';

/** The broker limits a commit must fit (commit-budget.ts). */
export interface BrokerLimits {
  /** Smallest `max.message.bytes` among the topics kretry writes. */
  readonly maxMessageBytes: number;
  /** The broker's `offset.metadata.max.bytes`. */
  readonly metadataMaxBytes: number;
}

/** Kafka's defaults: `message.max.bytes` 1048588, `offset.metadata.max.bytes` 4096. */
export const DEFAULT_BROKER_LIMITS: BrokerLimits = { maxMessageBytes: 1_048_588, metadataMaxBytes: 4096 };

/**
 * Reads the limits from the cluster: each output topic's `max.message.bytes` (which falls back to
 * the broker's `message.max.bytes`) and the broker's `offset.metadata.max.bytes`. A cluster that
 * will not say (ACLs) gets Kafka's defaults, logged, never a guess above them.
 */
export async function readBrokerLimits(
  admin: Admin,
  topics: readonly string[],
  logger: Logger,
): Promise<BrokerLimits> {
  let maxMessageBytes = DEFAULT_BROKER_LIMITS.maxMessageBytes;
  let metadataMaxBytes = DEFAULT_BROKER_LIMITS.metadataMaxBytes;
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['max.message.bytes'],
      })),
    });
    const sizes = described.resources.flatMap((r) =>
      r.configEntries.filter((e) => e.configName === 'max.message.bytes').map((e) => Number(e.configValue)),
    );
    const valid = sizes.filter((n) => Number.isSafeInteger(n) && n > 0);
    if (valid.length > 0) maxMessageBytes = Math.min(...valid);
  } catch (error) {
    logger.warn({ err: error }, "could not read the topics' max.message.bytes; assuming Kafka's default");
  }
  try {
    const { brokers } = await admin.describeCluster();
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: brokers.map((b) => ({
        type: ConfigResourceTypes.BROKER,
        name: String(b.nodeId),
        configNames: ['offset.metadata.max.bytes'],
      })),
    });
    const limits = described.resources
      .flatMap((r) => r.configEntries)
      .filter((e) => e.configName === 'offset.metadata.max.bytes')
      .map((e) => Number(e.configValue))
      .filter((n) => Number.isSafeInteger(n) && n > 0);
    if (limits.length > 0) metadataMaxBytes = Math.min(...limits);
  } catch (error) {
    logger.warn({ err: error }, "could not read the broker's offset.metadata.max.bytes; assuming 4096");
  }
  return { maxMessageBytes, metadataMaxBytes };
}
