import type { Command } from 'commander';
import { processEnv } from '../config/env.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { KretryError } from '../errors.js';
import { registerCodecs, type Codecs } from '../kafka/codecs.js';
import { createKafka } from '../kafka/kafka-client.js';
import { topology, type Topology } from '../kafka/topology.js';
import { missingTopics } from '../kafka/create-topics.js';
import { createRegistryClient } from '../kafka/value-codec.js';
import { createLogger, type Logger } from '../observability/logger.js';
import type { ConnectedConfig } from '../roles/engine.js';
import { connectedConfig } from './connect.js';
import type { Admin, Kafka } from 'kafkajs';

/** Status lines go to stderr, so stdout stays clean for results and `--json`. */
export const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export interface CommonFlags {
  config?: string;
  brokers?: string;
  schemaRegistryUrl?: string;
  topicPrefix?: string;
  tiers?: string;
}

export function withCommonOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'JSON config file (keys as in the README reference)')
    .option('--brokers <list>', 'Kafka bootstrap servers, comma-separated (KRETRY_BROKERS)')
    .option('--schema-registry-url <url>', 'schema registry URL (KRETRY_SCHEMA_REGISTRY_URL)')
    .option('--topic-prefix <prefix>', 'topic name prefix (KRETRY_TOPIC_PREFIX)')
    .option('--tiers <list>', 'retry tiers, e.g. 2m,4m,8m (KRETRY_TIERS)');
}

/** `servesNothing` for commands that run no role: see `ConfigSources.servesNothing`. */
export function configFrom(flags: CommonFlags & { roles?: string }, servesNothing = false): Config {
  return loadConfig({
    servesNothing,
    env: processEnv(),
    file: flags.config,
    flags: {
      brokers: flags.brokers,
      schemaRegistryUrl: flags.schemaRegistryUrl,
      topicPrefix: flags.topicPrefix,
      tiers: flags.tiers,
      roles: flags.roles,
    },
  });
}

export const EXIT_CODES_HELP = '\nExit codes: 0 ok, 1 failed, 2 usage or configuration error.';

/** What an operator command needs: a connection to the deployment's topics and schemas. */
export interface Deployment {
  readonly config: ConnectedConfig;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topology: Topology;
  readonly codecs: Codecs;
  readonly logger: Logger;
  close(): Promise<void>;
}

/**
 * Connects to the configured deployment (or the local stack, the embedded default) and checks its
 * topics exist: an operator command on a deployment that was never started says so.
 */
export async function connectDeployment(flags: CommonFlags): Promise<Deployment> {
  const config = await connectedConfig(configFrom(flags, true), progress);
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const kafka = createKafka(config.brokers, logger);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const names = topology(config);
    const missing = await missingTopics(admin, config);
    if (missing.length > 0) {
      throw new KretryError(
        'KRETRY_USAGE',
        `no kretry deployment with prefix "${config.topicPrefix}" here (missing ${missing.join(', ')}); ` +
          'check KRETRY_TOPIC_PREFIX / --topic-prefix and KRETRY_TIERS, or create the topics with `kretry topics create`',
      );
    }
    const codecs = await registerCodecs(createRegistryClient(config.schemaRegistryUrl), names);
    return {
      config,
      kafka,
      admin,
      topology: names,
      codecs,
      logger,
      close: () => admin.disconnect(),
    };
  } catch (error) {
    await admin.disconnect();
    throw error;
  }
}

/** Runs `body` with a deployment and always disconnects. */
export async function withDeployment<T>(flags: CommonFlags, body: (d: Deployment) => Promise<T>): Promise<T> {
  const deployment = await connectDeployment(flags);
  try {
    return await body(deployment);
  } finally {
    await deployment.close();
  }
}

/** Parses a point in time: an ISO 8601 date-time, or a duration ago such as 30m, 2h, 7d. */
export function parseTime(text: string, option: string, now: number = Date.now()): number {
  const duration = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (duration !== null) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      duration[2] as 'ms' | 's' | 'm' | 'h' | 'd'
    ];
    return now - Number(duration[1]) * unit;
  }
  const at = Date.parse(text);
  if (Number.isNaN(at)) {
    throw new KretryError(
      'KRETRY_USAGE',
      `${option} "${text}" is neither a date-time (2026-05-01T12:00:00Z) nor a duration ago (30m, 2h, 7d)`,
    );
  }
  return at;
}

export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
