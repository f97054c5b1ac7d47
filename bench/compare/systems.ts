import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { deployment } from '../support.js';
import { asyncRetryPeer } from '../peers/kafkajs-async-retry.js';
import { ceilingPeer } from './ceiling.js';
import { createTopicsRetrying } from './topics.js';
import { jsonInput, kretryInput, type Encode } from './feed.js';
import { createKretryPeer, kretryPrefix, kretryTiers } from './kretry-peer.js';
import { SCENARIO_B_JITTER, SCENARIO_B_TIERS_MS, type Peer, type Scenario } from './peer.js';

/** What the harness shares with every system: the broker and one admin and producer on it. */
export interface HarnessContext {
  readonly brokers: string;
  readonly schemaRegistryUrl: string;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly partitions: number;
  readonly concurrency: number;
}

/** A phase's input, created before the system starts. */
export interface PreparedInput {
  readonly inputTopic: string;
  readonly producer: Producer;
  readonly encode: Encode;
  cleanup(): Promise<void>;
}

export interface System {
  readonly name: string;
  readonly peer: Peer;
  /** The ceiling never retries, so it has no scenario B. */
  readonly scenarios: readonly Scenario[];
  prepare(ctx: HarnessContext, runId: string, receiverUrl: string): Promise<PreparedInput>;
}

/**
 * A JSON input topic `<runId>.input` and a producer of its own: a kafkajs producer refreshes
 * metadata for every topic it ever sent to and fails once one of them is deleted, so a producer
 * shared across phases breaks in the second phase. Cleanup deletes every topic starting with runId.
 */
export async function prepareJson(
  ctx: HarnessContext,
  runId: string,
  receiverUrl: string,
): Promise<PreparedInput> {
  const inputTopic = `${runId}.input`;
  await createTopicsRetrying(ctx.admin, [
    { topic: inputTopic, numPartitions: ctx.partitions, replicationFactor: 1 },
  ]);
  const producer = ctx.kafka.producer();
  await producer.connect();
  return {
    inputTopic,
    producer,
    encode: jsonInput(runId, receiverUrl),
    async cleanup() {
      await producer.disconnect();
      const topics = (await ctx.admin.listTopics()).filter((t) => t.startsWith(runId));
      await ctx.admin.deleteTopics({ topics }).catch(() => undefined);
    },
  };
}

const jsonSystem = (peer: Peer, scenarios: readonly Scenario[]): System => ({
  name: peer.name,
  peer,
  scenarios,
  prepare: prepareJson,
});

function kretrySystem(schemaRegistryUrl: string): System {
  return {
    name: 'kretry',
    peer: createKretryPeer(schemaRegistryUrl),
    scenarios: ['A', 'B'],
    async prepare(ctx, runId, receiverUrl) {
      // The deployment's own topics, schemas and producer, exactly as bench/support.ts makes them;
      // the engine child then starts on the same prefix and finds them.
      const d = await deployment({
        KRETRY_TOPIC_PREFIX: kretryPrefix(runId),
        KRETRY_PARTITIONS: String(ctx.partitions),
        KRETRY_TIERS: kretryTiers(SCENARIO_B_TIERS_MS),
        KRETRY_JITTER: String(SCENARIO_B_JITTER),
      });
      return {
        inputTopic: d.names.ingest,
        producer: d.producer,
        encode: kretryInput(runId, receiverUrl, d.codecs.ingest),
        cleanup: () => d.cleanup(),
      };
    },
  };
}

const SPRING_ENTRY = new URL('../peers/spring.ts', import.meta.url);

/** bench/peers/spring.ts's `springPeer`, when that file exists (it is built on another branch). */
async function springSystem(): Promise<System | undefined> {
  if (!existsSync(fileURLToPath(SPRING_ENTRY))) return undefined;
  const module = (await import(SPRING_ENTRY.href)) as { springPeer?: Peer };
  return module.springPeer === undefined ? undefined : jsonSystem(module.springPeer, ['A', 'B']);
}

/** Every system available: the ceiling (the ratios' basis), kretry and the peers. */
export async function allSystems(schemaRegistryUrl: string): Promise<System[]> {
  const spring = await springSystem();
  return [
    jsonSystem(ceilingPeer, ['A']),
    kretrySystem(schemaRegistryUrl),
    jsonSystem(asyncRetryPeer, ['A', 'B']),
    ...(spring === undefined ? [] : [spring]),
  ];
}
