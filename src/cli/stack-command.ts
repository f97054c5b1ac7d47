import { Command } from 'commander';
import { stackOptionsFrom } from '../config/stack-options.js';
import { processEnv } from '../config/env.js';
import { stackDown, stackStatus, stackUp } from '../stack/stack.js';

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export function stackCommand(): Command {
  const stack = new Command('stack').description(
    'Run a local Apache Kafka broker (KRaft) and schema registry from Maven Central jars, without Docker.',
  );

  stack
    .command('up')
    .description(
      'Fetch (first run only), start and wait for the broker and registry; reuses a running stack.',
    )
    .option('--json', 'print the addresses as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  kretry stack up\n  KRETRY_STACK_KAFKA_PORT=19092 kretry stack up --json',
    )
    .action(async (flags: { json?: boolean }) => {
      const result = await stackUp(stackOptionsFrom(processEnv()), progress);
      if (flags.json === true) process.stdout.write(`${JSON.stringify(result)}\n`);
      else {
        process.stdout.write(
          `KRETRY_BROKERS=${result.bootstrap}\nKRETRY_SCHEMA_REGISTRY_URL=${result.registryUrl}\n`,
        );
      }
    });

  stack
    .command('down')
    .description('Stop the broker and registry that `stack up` started (by recorded pid, never by name).')
    .option(
      '--purge',
      'also delete the broker data (topics and offsets) and the registry data (schemas); the jar cache is kept',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  kretry stack down\n  kretry stack down --purge   # start over with an empty broker and registry',
    )
    .action(async (flags: { purge?: boolean }) => {
      await stackDown(stackOptionsFrom(processEnv()), { purge: flags.purge === true }, progress);
    });

  stack
    .command('status')
    .description('Say what runs where, and whether it answers.')
    .option('--json', 'print the status as JSON')
    .addHelpText('after', '\nExamples:\n  kretry stack status\n  kretry stack status --json')
    .action(async (flags: { json?: boolean }) => {
      const components = await stackStatus(stackOptionsFrom(processEnv()));
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(components)}\n`);
        return;
      }
      for (const c of components) {
        const state =
          c.pid === undefined
            ? c.answering
              ? 'answering (not started by this stack)'
              : 'stopped'
            : c.answering
              ? `running (pid ${c.pid})`
              : `starting or unhealthy (pid ${c.pid})`;
        process.stdout.write(
          `${c.name.padEnd(26)} ${state.padEnd(40)} ${c.address}\n${''.padEnd(27)}log: ${c.log}\n`,
        );
      }
      if (components.some((c) => !c.answering)) process.exitCode = 1;
    });

  return stack;
}
