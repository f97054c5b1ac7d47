import { DEFAULT_RULES_KEY } from '../kafka/topology.js';
import Table from 'cli-table3';
import { Command, Option } from 'commander';
import { configBody, toConfigChange } from '../api/requests.js';
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
      const ids = [...new Set([...health.keys(), ...configs.keys()])]
        .filter((id) => id !== DEFAULT_RULES_KEY)
        .sort();
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

/** Runs one operator command on an endpoint and prints the endpoint afterwards. */
function withCommands(
  id: string,
  flags: CommonFlags & { json?: boolean },
  command: (commands: EndpointCommands, d: Deployment) => Promise<unknown>,
): Promise<void> {
  return withDeployment(flags, (d) =>
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
        await command(commands, d);
      } finally {
        await commands.stop();
      }
      print(endpointDetail(id, health.get(id), commands.current(id)), flags.json === true);
    }),
  );
}

function commandAction(
  verb: 'enable' | 'disable' | 'reset-circuit',
): (id: string, flags: CommonFlags & { json?: boolean }) => Promise<void> {
  return (id, flags) =>
    withCommands(id, flags, (commands) =>
      verb === 'enable'
        ? commands.enable(id)
        : verb === 'disable'
          ? commands.disable(id)
          : commands.resetCircuit(id),
    );
}

interface SetFlags extends CommonFlags {
  json?: boolean;
  url?: string;
  secret: string[];
  clearSecrets?: boolean;
  maxAttempts?: string;
  maxAge?: string;
  policyTiers?: string;
  clearPolicy?: boolean;
  disableOn404?: 'true' | 'false' | 'default';
  retryUnsafe?: 'true' | 'false' | 'default';
  rateLimit?: string;
  backoff?: string;
}

/** The flags of `endpoints set` as the admin API's PUT body, validated by the same schema. */
function setAction(id: string, flags: SetFlags): Promise<void> {
  return withCommands(id, flags, async (commands, d) => {
    const policyGiven =
      flags.maxAttempts !== undefined || flags.maxAge !== undefined || flags.policyTiers !== undefined;
    if (flags.clearPolicy === true && policyGiven) {
      throw new KretryError(
        'KRETRY_USAGE',
        '--clear-policy cannot go with --max-attempts, --max-age or --policy-tiers',
      );
    }
    const body: Record<string, unknown> = {
      ...(flags.url !== undefined && { url: flags.url }),
      ...(flags.secret.length > 0 && { secrets: flags.secret }),
      ...(flags.clearSecrets === true && { secrets: [] }),
      ...(flags.disableOn404 !== undefined && {
        disableOn404: flags.disableOn404 === 'default' ? null : flags.disableOn404 === 'true',
      }),
      ...(flags.retryUnsafe !== undefined && {
        retryUnsafe: flags.retryUnsafe === 'default' ? null : flags.retryUnsafe === 'true',
      }),
      ...(flags.rateLimit !== undefined && {
        rateLimit: flags.rateLimit === 'none' ? null : flags.rateLimit,
      }),
      ...(flags.backoff !== undefined && { backoff: backoffFlag(flags.backoff) }),
      ...(flags.clearPolicy === true && { policy: null }),
      ...(policyGiven && {
        policy: {
          ...(flags.maxAttempts !== undefined && { maxAttempts: Number(flags.maxAttempts) }),
          ...(flags.maxAge !== undefined && { maxAge: flags.maxAge }),
          ...(flags.policyTiers !== undefined && {
            tiers: flags.policyTiers.split(',').map((t) => t.trim()),
          }),
        },
      }),
    };
    const parsed = configBody(d.config.tiers).safeParse(body);
    if (!parsed.success) {
      throw new KretryError(
        'KRETRY_USAGE',
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    }
    await commands.putConfig(id, toConfigChange(parsed.data));
  });
}

/** `--backoff`: a JSON strategy, `tiers`, or `none` (follow the default, the tiers). */
function backoffFlag(text: string): unknown {
  if (text === 'none') return null;
  if (text === 'tiers') return { kind: 'tiers' };
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new KretryError(
      'KRETRY_USAGE',
      `--backoff: "${text}" is not JSON; e.g. '{"kind":"exponential","base":"30s","multiplier":2,"max":"1h"}'`,
    );
  }
}

export function endpointsCommand(): Command {
  const endpoints = withCommonOptions(new Command('endpoints'))
    // `--json` after a subcommand belongs to the subcommand.
    .enablePositionalOptions()
    .description(
      'List endpoints with their health, or act on one (show, set, enable, disable, reset-circuit).',
    )
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
  withCommonOptions(endpoints.command('set'))
    .argument('<id>', 'endpoint id')
    .description(
      "Set an endpoint's configuration: URL, signing secrets, retry policy, disable-on-404. What is not given is kept.",
    )
    .option('--url <url>', "the URL of deliveries that carry none (a delivery's own url wins)")
    .option(
      '--secret <secret>',
      'a signing secret, whsec_… or env:NAME (repeatable, newest first; replaces the list)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--clear-secrets', 'remove every secret')
    .option('--max-attempts <n>', 'retry policy: attempts, 1–50')
    .option('--max-age <duration>', 'retry policy: age limit, at most 72h')
    .option('--policy-tiers <list>', 'retry policy: tiers among KRETRY_TIERS, e.g. 2m,8m')
    .option('--clear-policy', "remove the override: the engine's policy applies")
    .addOption(
      new Option('--disable-on-404 <choice>', 'treat 404 like 410').choices(['true', 'false', 'default']),
    )
    .addOption(
      new Option(
        '--retry-unsafe <choice>',
        'retry after an ambiguous failure whatever the method (PATCH too)',
      ).choices(['true', 'false', 'default']),
    )
    .option(
      '--rate-limit <limit>',
      'attempts per second per kretry process, e.g. 50/s or 50/s,100 (burst); none: KRETRY_ENDPOINT_RATE_LIMIT',
    )
    .option(
      '--backoff <strategy>',
      'backoff strategy as JSON (exponential, linear, fixed, custom), tiers, or none (the tiers)',
    )
    .option('--json', 'print compact JSON')
    .addHelpText(
      'after',
      `
Examples:
  kretry endpoints set acme --secret env:ACME_SECRET --max-attempts 8 --max-age 2h
  kretry endpoints set acme --rate-limit 50/s,100
  kretry endpoints set acme --backoff '{"kind":"exponential","base":"30s","multiplier":2,"max":"1h"}'
  kretry endpoints set acme --secret whsec_bmV3 --secret env:ACME_SECRET   # rotation: both sign
  kretry endpoints set acme --disable-on-404 true`,
    )
    .action(setAction);
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
