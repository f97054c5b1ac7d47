import Table from 'cli-table3';
import { Command, Option } from 'commander';
import { endpointDetail, endpointSummary, stateOf } from '../api/views.js';
import { ENDPOINT_STATES, type EndpointState } from '../domain/health/gate.js';
import { KretryError } from '../errors.js';
import { CompactedTable } from '../kafka/compacted-table.js';
import type { EndpointHealthValue } from '../kafka/health-record.js';
import type { EndpointConfigValue } from '../kafka/records.js';
import { EndpointCommands } from '../operator/endpoint-commands.js';
import {
  EXIT_CODES_HELP,
  withCommonOptions,
  withDeployment,
  writeJson,
  type CommonFlags,
  type Deployment,
} from './common.js';

interface Tables {
  readonly health: CompactedTable<EndpointHealthValue>;
  readonly configs: CompactedTable<EndpointConfigValue>;
}

async function withTables<T>(d: Deployment, body: (tables: Tables) => Promise<T>): Promise<T> {
  const health = new CompactedTable(
    d.kafka,
    d.admin,
    d.topology.endpointState,
    d.codecs.endpointState,
    d.logger,
  );
  const configs = new CompactedTable(d.kafka, d.admin, d.topology.endpoints, d.codecs.endpoints, d.logger);
  try {
    await Promise.all([health.start(), configs.start()]);
    return await body({ health, configs });
  } finally {
    await Promise.all([health.stop(), configs.stop()]);
  }
}

const cell = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '-';

const percent = (rate: unknown): string => (typeof rate === 'number' ? `${(rate * 100).toFixed(1)} %` : '-');

function listAction(flags: CommonFlags & { state?: EndpointState; json?: boolean }): Promise<void> {
  return withDeployment(flags, (d) =>
    withTables(d, ({ health, configs }) => {
      const ids = [...new Set([...health.keys(), ...configs.keys()])].sort();
      const rows = ids
        .filter((id) => flags.state === undefined || stateOf(health.get(id), configs.get(id)) === flags.state)
        .map((id) => endpointSummary(id, health.get(id), configs.get(id)));
      if (flags.json === true) {
        writeJson(rows);
        return Promise.resolve();
      }
      const t = new Table({
        head: [
          'id',
          'state',
          'failure rate 5m',
          'consecutive failures',
          'last status',
          'circuit',
          'disabled',
        ],
        style: { head: [], border: [] },
      });
      for (const r of rows) {
        t.push([
          String(r['id']),
          String(r['state']),
          percent(r['failureRate5m']),
          String(r['consecutiveFailures']),
          cell(r['lastStatus']),
          String(r['circuit']),
          cell(r['disabledReason']),
        ]);
      }
      process.stdout.write(`${rows.length} endpoint(s)\n${rows.length > 0 ? `${t.toString()}\n` : ''}`);
      return Promise.resolve();
    }),
  );
}

function print(detail: Record<string, unknown>, json: boolean): void {
  if (json) writeJson(detail);
  else process.stdout.write(`${JSON.stringify(detail, null, 2)}\n`);
}

function commandAction(
  verb: 'enable' | 'disable' | 'reset-circuit',
): (id: string, flags: CommonFlags & { json?: boolean }) => Promise<void> {
  return (id, flags) =>
    withDeployment(flags, (d) =>
      withTables(d, async ({ health, configs }) => {
        const commands = new EndpointCommands({
          kafka: d.kafka,
          topology: d.topology,
          codecs: d.codecs,
          current: (key) => configs.get(key),
          now: Date.now,
          logger: d.logger,
        });
        await commands.start();
        try {
          if (verb === 'enable') await commands.enable(id);
          else if (verb === 'disable') await commands.disable(id);
          else await commands.resetCircuit(id);
        } finally {
          await commands.stop();
        }
        print(endpointDetail(id, health.get(id), commands.current(id)), flags.json === true);
      }),
    );
}

export function endpointsCommand(): Command {
  const endpoints = withCommonOptions(new Command('endpoints'))
    // `--json` after a subcommand belongs to the subcommand.
    .enablePositionalOptions()
    .description('List endpoints with their health, or act on one (show, enable, disable, reset-circuit).')
    .addOption(new Option('-s, --state <state>', 'only endpoints in this state').choices(ENDPOINT_STATES))
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `${EXIT_CODES_HELP}

Examples:
  kretry endpoints
  kretry endpoints --state disabled
  kretry endpoints show acme
  kretry endpoints enable acme && kretry redrive --endpoint acme --reason endpoint_disabled`,
    )
    .action(listAction);

  withCommonOptions(endpoints.command('show'))
    .argument('<id>', 'endpoint id')
    .description('One endpoint: state, folded health and configuration (secrets only counted).')
    .option('--json', 'print compact JSON')
    .action((id: string, flags: CommonFlags & { json?: boolean }) =>
      withDeployment(flags, (d) =>
        withTables(d, ({ health, configs }) => {
          if (health.get(id) === undefined && configs.get(id) === undefined) {
            throw new KretryError(
              'KRETRY_USAGE',
              `endpoint ${JSON.stringify(id)} has no attempts and no configuration; list them with \`kretry endpoints\``,
            );
          }
          print(endpointDetail(id, health.get(id), configs.get(id)), flags.json === true);
          return Promise.resolve();
        }),
      ),
    );
  const verbs = [
    [
      'enable',
      'Enable: clears a disable (manual or automatic) and closes the circuit; redrive what was dead-lettered meanwhile.',
    ],
    ['disable', 'Disable by hand: deliveries dead-letter as endpoint_disabled until enabled.'],
    ['reset-circuit', 'Close the circuit now instead of after the open period.'],
  ] as const;
  for (const [verb, description] of verbs) {
    withCommonOptions(endpoints.command(verb))
      .argument('<id>', 'endpoint id')
      .description(description)
      .option('--json', 'print compact JSON')
      .action(commandAction(verb));
  }
  return endpoints;
}
