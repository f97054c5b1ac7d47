import type { Admin } from 'kafkajs';
import { KretryError } from '../errors.js';
import { topicSpecs, type TopicSpec, type TopologyConfig } from './topology.js';

export interface TopicDrift {
  readonly topic: string;
  readonly setting: string;
  readonly expected: string;
  readonly actual: string;
}

export interface CreateTopicsReport {
  readonly created: readonly string[];
  readonly existing: readonly string[];
  readonly drift: readonly TopicDrift[];
}

export interface CreateTopicsOptions {
  readonly partitions: number;
  /** @defaultValue min(3, brokers in the cluster) */
  readonly replicationFactor?: number | undefined;
}

const TOPIC_RESOURCE = 2; // kafkajs ConfigResourceTypes.TOPIC
const CREATE_ATTEMPTS = 4;

async function stillAbsent(admin: Admin, specs: readonly TopicSpec[]): Promise<TopicSpec[]> {
  const present = new Set(await admin.listTopics());
  return specs.filter((spec) => !present.has(spec.name));
}

/**
 * Creates the missing topics and reports, without changing them, where existing ones differ from
 * the spec: altering partitions or retention of a live topic is an operator's decision.
 */
export async function createTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  options: CreateTopicsOptions,
): Promise<CreateTopicsReport> {
  const present = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !present.has(spec.name));
  const existing = specs.filter((spec) => present.has(spec.name));
  if (missing.length > 0) {
    const brokers = (await admin.describeCluster()).brokers.length;
    const replicationFactor = options.replicationFactor ?? Math.min(3, brokers);
    // A busy broker can answer the leader wait with UNKNOWN_TOPIC_OR_PARTITION (retriable) after
    // kafkajs's own retries, although the topics are being created: ask again, for what is still
    // missing only, before giving up (the chaos suite met this under load).
    for (let attempt = 1; ; attempt++) {
      const stillMissing = attempt === 1 ? missing : await stillAbsent(admin, missing);
      if (stillMissing.length === 0) break;
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: stillMissing.map((spec) => ({
            topic: spec.name,
            numPartitions: options.partitions,
            replicationFactor,
            configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
          })),
        });
        break;
      } catch (error) {
        const retriable = (error as { retriable?: unknown }).retriable === true;
        if (!retriable || attempt >= CREATE_ATTEMPTS) {
          throw new KretryError('KRETRY_KAFKA', `Creating topics failed: ${(error as Error).message}`, {
            cause: error,
            retryable: true,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }
  return {
    created: missing.map((s) => s.name),
    existing: existing.map((s) => s.name),
    drift: await driftOf(admin, existing, options),
  };
}

async function driftOf(
  admin: Admin,
  specs: readonly TopicSpec[],
  options: CreateTopicsOptions,
): Promise<TopicDrift[]> {
  if (specs.length === 0) return [];
  const drift: TopicDrift[] = [];
  const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
  for (const topic of metadata.topics) {
    if (topic.partitions.length !== options.partitions) {
      drift.push({
        topic: topic.name,
        setting: 'partitions',
        expected: String(options.partitions),
        actual: String(topic.partitions.length),
      });
    }
  }
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: specs.map((spec) => ({
      type: TOPIC_RESOURCE,
      name: spec.name,
      configNames: Object.keys(spec.configs),
    })),
  });
  for (const resource of described.resources) {
    const spec = specs.find((s) => s.name === resource.resourceName);
    for (const entry of resource.configEntries) {
      const expected = spec?.configs[entry.configName];
      if (expected !== undefined && expected !== entry.configValue) {
        drift.push({
          topic: resource.resourceName,
          setting: entry.configName,
          expected,
          actual: entry.configValue,
        });
      }
    }
  }
  return drift;
}

/** The deployment's topics (per its configuration) that do not exist on the cluster. */
export async function missingTopics(admin: Admin, config: TopologyConfig): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  return topicSpecs(config)
    .map((s) => s.name)
    .filter((name) => !existing.has(name));
}
