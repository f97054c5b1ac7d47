/**
 * `npm run chaos`: runs the chaos scenarios (chaos/scenarios.ts) against real `kretry start`
 * processes, a real broker and registry of the suite's own (chaos/stack.ts) and a receiver process,
 * and prints one JSON summary per scenario on stdout. Exit 1 when any invariant is broken.
 */
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { INVARIANTS, violatesInvariants } from './audit.js';
import { runScenario } from './run-scenario.js';
import { SCENARIOS, scenarioNamed, type Scenario } from './scenarios.js';
import { chaosStackOptions, startChaosStack } from './stack.js';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function scenarioList(value: string, previous: Scenario[] = []): Scenario[] {
  const picked = value.split(',').map((name) => {
    const scenario = scenarioNamed(name.trim());
    if (scenario === undefined)
      throw new InvalidArgumentError(`unknown scenario; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    return scenario;
  });
  return [...previous, ...picked];
}

interface Flags {
  scenario?: Scenario[];
  deliveries?: number;
  short?: boolean;
  json?: boolean;
  keepStack?: boolean;
  keepTopics?: boolean;
}

const program = new Command('chaos')
  .description(
    'Chaos scenarios against real kretry processes on a broker and registry of their own; one JSON summary per scenario on stdout.',
  )
  .addOption(
    new Option(
      '--scenario <names>',
      'scenarios to run, comma-separated or repeated (default: all)',
    ).argParser(scenarioList),
  )
  .addOption(
    new Option('--deliveries <n>', "deliveries per scenario (default: the scenario's own)").argParser(
      positiveInt,
    ),
  )
  .option('--short', 'the shortened form `npm test` runs (hundreds of deliveries, fewer faults)')
  .option('--json', 'JSON lines only on stdout (the default output; progress always goes to stderr)')
  .option('--keep-stack', 'leave the chaos stack running afterwards')
  .option('--keep-topics', "keep each scenario's topics for inspection")
  .addHelpText(
    'after',
    [
      '',
      'Scenarios:',
      ...SCENARIOS.map((s) => `  ${s.name.padEnd(10)} ${s.proves}`),
      '',
      `Invariants (exit 1 when any is non-zero): ${INVARIANTS.join(', ')}.`,
      '',
      'The suite runs its own stack (never the shared one): CHAOS_STACK_HOME (default <tmpdir>/kretry-chaos-stack),',
      'CHAOS_KAFKA_PORT (29092), CHAOS_CONTROLLER_PORT (29093), CHAOS_REGISTRY_PORT (28081).',
      '',
      'Examples:',
      '  npm run chaos',
      '  npm run chaos -- --scenario zombie --deliveries 3000',
    ].join('\n'),
  )
  .parse();

const flags = program.opts<Flags>();
const scenarios = flags.scenario ?? [...SCENARIOS];
const options = chaosStackOptions();
const stack = await startChaosStack(options, (line) => log(`[chaos stack] ${line}`));
let broken = false;
try {
  for (const scenario of scenarios) {
    const summary = await runScenario(stack, scenario, {
      form: flags.short === true ? 'short' : 'full',
      deliveries: flags.deliveries,
      keepTopics: flags.keepTopics === true,
      logRoot: join(options.home, 'logs'),
      log,
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    broken ||= violatesInvariants(summary);
  }
} finally {
  if (flags.keepStack !== true) await stack.down();
}
process.exitCode = broken ? 1 : 0;
