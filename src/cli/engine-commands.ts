import { Command, Option } from 'commander';
import { ROLES } from '../config/schema.js';
import { createTopics } from '../kafka/create-topics.js';
import { createKafka } from '../kafka/kafka-client.js';
import { topicSpecs } from '../kafka/topology.js';
import { createLogger } from '../observability/logger.js';
import { startEngine } from '../roles/engine.js';
import { connectedConfig } from './connect.js';
import { configFrom, progress, withCommonOptions, type CommonFlags } from './common.js';

async function ensureTopics(
  config: Awaited<ReturnType<typeof connectedConfig>>,
  json: boolean,
): Promise<boolean> {
  const logger = createLogger('warn');
  const admin = createKafka(config.brokers, logger).admin();
  await admin.connect();
  try {
    const report = await createTopics(admin, topicSpecs(config), {
      partitions: config.partitions,
      replicationFactor: config.replicationFactor,
    });
    if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      for (const name of report.created) process.stdout.write(`created  ${name}\n`);
      for (const name of report.existing) process.stdout.write(`exists   ${name}\n`);
      for (const d of report.drift)
        process.stdout.write(`DRIFT    ${d.topic}: ${d.setting} is ${d.actual}, expected ${d.expected}\n`);
    }
    return report.drift.length === 0;
  } finally {
    await admin.disconnect();
  }
}

export function topicsCommand(): Command {
  const topics = new Command('topics').description('Manage kretry topics.');
  withCommonOptions(topics.command('create'))
    .description('Create the kretry topics that are missing (idempotent) and report drift on existing ones.')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 all topics as specified, 1 drift found or failure, 2 usage.\n\nExamples:\n  kretry topics create\n  KRETRY_TIERS=1s,2s,4s kretry topics create --topic-prefix demo.',
    )
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const config = await connectedConfig(configFrom(flags), progress);
      if (!(await ensureTopics(config, flags.json === true))) process.exitCode = 1;
    });
  return topics;
}

export function startCommand(): Command {
  return withCommonOptions(new Command('start'))
    .description(
      'Run the engine: every role, or those named with --roles. Without KRETRY_BROKERS it runs on the local stack.',
    )
    .addOption(new Option('--roles <list>', `roles to run, comma-separated (${ROLES.join(', ')})`))
    .addHelpText(
      'after',
      '\nExamples:\n  kretry start                      # embedded default: local stack, topics created\n  KRETRY_BROKERS=kafka:9092 KRETRY_SCHEMA_REGISTRY_URL=http://registry:8081 kretry start --roles dispatcher',
    )
    .action(async (flags: CommonFlags & { roles?: string }) => {
      const config = await connectedConfig(configFrom(flags), progress);
      if (config.embedded) await ensureTopics(config, false);
      const logger = createLogger(config.logLevel);
      const engine = await startEngine(config, logger);
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string): void => {
          logger.info({ signal }, 'shutting down');
          engine.stop().then(resolve, (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exitCode = 1;
            resolve();
          });
        };
        process.once('SIGTERM', shutdown);
        process.once('SIGINT', shutdown);
      });
    });
}
