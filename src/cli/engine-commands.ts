import { Command, Option } from 'commander';
import { ROLES } from '../config/schema.js';
import { createTopics } from '../kafka/create-topics.js';
import { createKafka } from '../kafka/kafka-client.js';
import { topicSpecs } from '../kafka/topology.js';
import { createLogger, type Logger } from '../observability/logger.js';
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
      const config = await connectedConfig(configFrom(flags, true), progress);
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
      // The handlers go in before the engine starts: a SIGTERM during a slow start (broker away,
      // topics being created) must still end the process, not kill it with Node's default
      // handler halfway through opening producers, nor be ignored.
      const signalled = new Promise<string>((resolve) => {
        const onSignal = (signal: string): void => {
          if (stopping) {
            logger.warn({ signal }, 'second signal: exiting without waiting for the drain');
            process.exit(130);
          }
          stopping = true;
          armHardExit(logger, config.shutdownTimeout);
          resolve(signal);
        };
        let stopping = false;
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      // A signal during the start is answered once the start is done (the hard exit bounds a start
      // that never finishes), so no producer is left half-opened.
      const engine = await startEngine(config, logger);
      const signal = await signalled;
      logger.info({ signal }, 'shutting down');
      try {
        await engine.stop();
      } catch (error) {
        logger.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      }
      // Everything is committed and closed; a socket kafkajs or undici still holds (a reconnect
      // timer, a keep-alive) must not keep a stopped engine alive.
      process.exit();
    });
}

/** Grace beyond KRETRY_SHUTDOWN_TIMEOUT for closing producers and leaving the group. */
const EXIT_GRACE_MS = 8_000;

/**
 * A stop that overruns its budget (a broker that stopped answering mid-drain) must not keep the
 * process alive forever: after the drain timeout plus a grace, exit 1. Whatever was in flight is
 * uncommitted and is done again by the partition's next owner (at-least-once), so nothing is lost.
 */
function armHardExit(logger: Logger, shutdownTimeoutMs: number): void {
  const timer = setTimeout(() => {
    logger.error({ afterMs: shutdownTimeoutMs + EXIT_GRACE_MS }, 'shutdown overran its budget: exiting');
    process.exit(1);
  }, shutdownTimeoutMs + EXIT_GRACE_MS);
  timer.unref();
}
