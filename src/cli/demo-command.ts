import { Command } from 'commander';
import { processEnv } from '../config/env.js';
import { loadConfig } from '../config/load.js';
import { KretryError } from '../errors.js';
import { runDemo } from '../demo/demo.js';
import { connectedConfig } from './connect.js';
import { EXIT_CODES_HELP, progress } from './common.js';

interface DemoFlags {
  deliveries: string;
  flakyFor: string;
  timeout: string;
  stay?: boolean;
}

function positive(text: string, option: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new KretryError('KRETRY_USAGE', `${option} "${text}" must be a whole number above 0`);
  return n;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'Run the engine against a local receiver with four personalities (healthy, flaky, slow with 429, gone) and watch every delivery settle. Without KRETRY_BROKERS it starts the local stack.',
    )
    .option('-n, --deliveries <n>', 'how many deliveries to send', '240')
    .option('--flaky-for <seconds>', 'how long the flaky endpoint answers 500', '8')
    .option('--timeout <seconds>', 'give up (exit 1) when not settled by then', '150')
    .option('--stay', 'keep the engine and its admin API running afterwards, until Ctrl-C')
    .addHelpText(
      'after',
      `
Its topics get their own prefix (demo-<time>.), so a demo never touches real data; the commands it
prints at the end read them.
${EXIT_CODES_HELP}

Examples:
  npm run demo
  npx kretry demo --deliveries 1000 --stay`,
    )
    .action(async (flags: DemoFlags) => {
      const deliveries = positive(flags.deliveries, '--deliveries');
      const flakyForMs = positive(flags.flakyFor, '--flaky-for') * 1000;
      const timeoutMs = positive(flags.timeout, '--timeout') * 1000;
      const env = processEnv();
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
      const config = loadConfig({
        env,
        flags: {
          topicPrefix: `demo-${stamp}.`,
          tiers: '1s,2s,4s',
          maxAttempts: 8,
          maxAge: '2m',
          breakerOpenFor: '4s',
          // The receiver is on this machine; a demo is the one place loopback targets are expected.
          allowPrivateTargets: true,
          partitions: 3,
          apiPort: env['KRETRY_API_PORT'] ?? 0,
          roles: 'dispatcher,tiers,projection,api',
        },
      });
      const connected = await connectedConfig(config, progress);
      const abort = new AbortController();
      const stop = (): void => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const settled = await runDemo(connected, {
          deliveries,
          flakyForMs,
          timeoutMs,
          stay: flags.stay === true,
          out: process.stdout,
          signal: abort.signal,
        });
        if (!settled) process.exitCode = 1;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
