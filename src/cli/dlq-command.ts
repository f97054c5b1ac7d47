import Table from 'cli-table3';
import { KretryError } from '../errors.js';
import { Command, Option } from 'commander';
import { redactHeaders, redactUrl } from '../domain/redact-headers.js';
import { RECORDED_DEAD_LETTER_REASONS, type RecordedDeadLetterReason } from '../domain/route.js';
import type { DeadLetterValue } from '../kafka/records.js';
import { readDlq, type DlqEntry } from '../operator/dlq-reader.js';
import type { DeadLetterHandledValue } from '../kafka/records.js';
import { markOf, matchesFilter, readHandled, resolve } from '../operator/redrive.js';
import {
  EXIT_CODES_HELP,
  parseTime,
  withCommonOptions,
  withDeployment,
  writeJson,
  type CommonFlags,
} from './common.js';

/** Every reason a dead letter can carry, `exhausted` included: letters written before the split keep it. */
export const REASONS: readonly RecordedDeadLetterReason[] = RECORDED_DEAD_LETTER_REASONS;

interface FilterFlags extends CommonFlags {
  endpoint?: string;
  deliveryId?: string;
  reason?: RecordedDeadLetterReason;
  since?: string;
  json?: boolean;
}

export function withDlqFilters(command: Command): Command {
  return command
    .option('-e, --endpoint <id>', 'only dead letters of this endpoint')
    .option('--delivery-id <id>', 'only the dead letters of this delivery')
    .addOption(new Option('-r, --reason <reason>', 'only dead letters with this reason').choices(REASONS))
    .option(
      '--since <time>',
      'only dead letters from this time: a date-time, or a duration ago (30m, 2h, 7d)',
    );
}

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

function bodyPreview(body: Buffer, limit = 300): string {
  const text = body.toString('utf8');
  // Binary: invalid UTF-8, or control characters other than tab and line breaks.
  const printable =
    !text.includes('\uFFFD') && ![...text].some((c) => c < ' ' && c !== '\t' && c !== '\n' && c !== '\r');
  if (!printable) return `<${body.length} bytes, binary>`;
  return text.length > limit ? `${text.slice(0, limit)}… (${body.length} bytes)` : text;
}

/**
 * A dead letter as JSON for scripts: bodies as text when they are text, base64 otherwise;
 * credential headers (KRETRY_REDACT_HEADERS) and URL credentials (password, key-like query
 * parameters) redacted.
 */
export function deadLetterJson(entry: DlqEntry, redacted: readonly string[]): Record<string, unknown> {
  const { letter } = entry;
  if (letter === null) return { partition: entry.partition, offset: entry.offset, undecodable: entry.error };
  const request = letter.request;
  return {
    partition: entry.partition,
    offset: entry.offset,
    deliveryId: request?.deliveryId ?? null,
    endpointId: request?.endpointId ?? null,
    reason: letter.reason,
    lastStatus: letter.lastStatus,
    lastError: letter.lastError,
    lastResponseBody: letter.lastResponseBody,
    firstAttemptAt: letter.firstAttemptAt === null ? null : iso(letter.firstAttemptAt),
    deadAt: iso(letter.deadAt),
    request:
      request === null
        ? null
        : {
            method: request.method,
            url: redactUrl(request.url),
            headers: redactHeaders(request.headers, redacted),
            contentType: request.contentType,
            createdAt: iso(request.createdAt),
            body: request.body.toString('utf8'),
            bodyBase64: request.body.toString('base64'),
            policy: request.policy,
            retryUnsafe: request.retryUnsafe ?? null,
          },
    attempts: letter.attempts.map((a) => ({ ...a, at: iso(a.at) })),
    source: letter.source,
  };
}

export function formatDeadLetter(entry: DlqEntry): string {
  const { letter } = entry;
  const where = `dlq ${entry.partition}@${entry.offset}`;
  if (letter === null) return `── undecodable record (${where}): ${entry.error ?? ''}\n`;
  const r = letter.request;
  const lines = [
    `── ${r?.deliveryId ?? '(no request)'}  endpoint ${r?.endpointId ?? '-'}  ${letter.reason}  dead ${iso(letter.deadAt)}  (${where})`,
  ];
  if (r !== null) {
    lines.push(`   request   ${r.method} ${redactUrl(r.url)}  ${r.contentType}  created ${iso(r.createdAt)}`);
    lines.push(`   body      ${bodyPreview(r.body)}`);
  } else if (letter.source !== null) {
    lines.push(`   source    ${letter.source.topic} ${letter.source.partition}@${letter.source.offset}`);
  }
  lines.push(
    `   last      status ${letter.lastStatus ?? '-'}  error ${letter.lastError ?? '-'}` +
      (letter.lastResponseBody ? `  response ${JSON.stringify(letter.lastResponseBody.slice(0, 200))}` : ''),
  );
  for (const a of letter.attempts) {
    lines.push(
      `   #${a.attempt}  ${iso(a.at)}  ${a.outcome.padEnd(9)} ${String(a.status ?? '-').padEnd(4)} ${(a.errorClass ?? '').padEnd(16)} ${a.latencyMs === null ? '' : `${a.latencyMs} ms`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function filterOf(flags: FilterFlags): {
  endpointId?: string;
  reason?: RecordedDeadLetterReason;
  deliveryId?: string;
} {
  return {
    ...(flags.endpoint !== undefined && { endpointId: flags.endpoint }),
    ...(flags.deliveryId !== undefined && { deliveryId: flags.deliveryId }),
    ...(flags.reason !== undefined && { reason: flags.reason }),
  };
}

const matches = (letter: DeadLetterValue | null, flags: FilterFlags): boolean =>
  letter === null
    ? flags.endpoint === undefined && flags.reason === undefined && flags.deliveryId === undefined
    : matchesFilter(letter, filterOf(flags));

function tailCommand(): Command {
  return withDlqFilters(withCommonOptions(new Command('tail')))
    .description('Print dead letters, decoded: request, reason, last response and every attempt.')
    .option('-F, --follow', 'keep printing new dead letters until interrupted')
    .option('--json', 'one JSON object per dead letter (bodies as text and base64)')
    .addHelpText(
      'after',
      `${EXIT_CODES_HELP}

Examples:
  kretry dlq tail --since 1h
  kretry dlq tail --endpoint acme --reason max_attempts --json | jq .request.url
  kretry dlq tail --follow`,
    )
    .action(async (flags: FilterFlags & { follow?: boolean }) => {
      const since = flags.since === undefined ? undefined : parseTime(flags.since, '--since');
      await withDeployment(flags, async (d) => {
        const abort = new AbortController();
        const stop = (): void => abort.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        let shown = 0;
        try {
          await readDlq(d.kafka, d.admin, d.topology.dlq, d.codecs.dlq, {
            since,
            follow: flags.follow === true,
            signal: abort.signal,
            onEntry: (entry) => {
              if (!matches(entry.letter, flags)) return;
              shown++;
              if (flags.json === true) writeJson(deadLetterJson(entry, d.config.redactHeaders));
              else process.stdout.write(formatDeadLetter(entry));
            },
          });
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
        if (flags.json !== true) process.stderr.write(`${shown} dead letter(s)\n`);
      });
    });
}

const AGE_BUCKETS: readonly [string, number][] = [
  ['< 1h', 3_600_000],
  ['1h – 24h', 86_400_000],
  ['1d – 7d', 7 * 86_400_000],
  ['> 7d', Infinity],
];

export interface DlqStats {
  total: number;
  /** Neither redriven nor resolved: what still needs an operator. */
  open: number;
  redriven: number;
  resolved: number;
  byReason: Record<string, number>;
  byEndpoint: Record<string, number>;
  byLastStatus: Record<string, number>;
  byAge: Record<string, number>;
}

export function emptyStats(): DlqStats {
  return {
    total: 0,
    open: 0,
    redriven: 0,
    resolved: 0,
    byReason: {},
    byEndpoint: {},
    byLastStatus: {},
    byAge: Object.fromEntries(AGE_BUCKETS.map(([label]) => [label, 0])),
  };
}

/**
 * Counts one dead letter. `handled` is what an operator did with it (redrive, resolve), if
 * anything: handled letters count in `total` and their own count, the breakdowns count open ones.
 */
export function countDeadLetter(
  stats: DlqStats,
  letter: DeadLetterValue | null,
  now: number,
  handled?: DeadLetterHandledValue['action'],
): void {
  const bump = (record: Record<string, number>, key: string): void => {
    record[key] = (record[key] ?? 0) + 1;
  };
  stats.total++;
  if (handled !== undefined) {
    stats[handled]++;
    return;
  }
  stats.open++;
  if (letter === null) {
    bump(stats.byReason, 'undecodable');
    return;
  }
  bump(stats.byReason, letter.reason);
  bump(stats.byEndpoint, letter.request?.endpointId ?? '(no request)');
  bump(
    stats.byLastStatus,
    letter.lastStatus === null ? (letter.lastError ?? 'none') : String(letter.lastStatus),
  );
  const age = now - letter.deadAt;
  const bucket = AGE_BUCKETS.find(([, limit]) => age < limit)?.[0] ?? '> 7d';
  bump(stats.byAge, bucket);
}

function table(title: string, counts: Record<string, number>, limit = 20): string {
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const t = new Table({ head: [title, 'dead letters'], style: { head: [], border: [] } });
  for (const [key, n] of rows.slice(0, limit)) t.push([key, n]);
  if (rows.length > limit)
    t.push([`(${rows.length - limit} more)`, rows.slice(limit).reduce((s, [, n]) => s + n, 0)]);
  return t.toString();
}

function statsCommand(): Command {
  return withDlqFilters(withCommonOptions(new Command('stats')))
    .description(
      'Count dead letters: open (neither redriven nor resolved), redriven, resolved; open ones by reason, endpoint, last status and age.',
    )
    .option('--json', 'print the counts as JSON')
    .addHelpText(
      'after',
      `${EXIT_CODES_HELP}

Examples:
  kretry dlq stats
  kretry dlq stats --since 24h --json`,
    )
    .action(async (flags: FilterFlags) => {
      const since = flags.since === undefined ? undefined : parseTime(flags.since, '--since');
      await withDeployment(flags, async (d) => {
        const stats = emptyStats();
        const now = Date.now();
        const handled = await readHandled(d);
        await readDlq(d.kafka, d.admin, d.topology.dlq, d.codecs.dlq, {
          since,
          onEntry: (entry) => {
            if (matches(entry.letter, flags))
              countDeadLetter(
                stats,
                entry.letter,
                now,
                markOf(handled, entry.partition, entry.offset, entry.letter)?.action,
              );
          },
        });
        if (flags.json === true) {
          writeJson(stats);
          return;
        }
        process.stdout.write(
          `${stats.total} dead letter(s) in ${d.topology.dlq}: ${stats.open} open, ${stats.redriven} redriven, ${stats.resolved} resolved` +
            (stats.open > 0 ? '; open ones by:' : '') +
            '\n',
        );
        if (stats.open === 0) return;
        process.stdout.write(
          [
            table('reason', stats.byReason),
            table('endpoint', stats.byEndpoint),
            table('last status', stats.byLastStatus),
            table('age', stats.byAge),
          ].join('\n') + '\n',
        );
        process.stdout.write(
          'Redrive with: kretry redrive --endpoint <id> --reason <reason> (add --dry-run to preview)\n',
        );
      });
    });
}

export function dlqCommand(): Command {
  return new Command('dlq')
    .description('Inspect the dead-letter topic.')
    .addCommand(tailCommand())
    .addCommand(statsCommand())
    .addCommand(resolveCommand());
}

function resolveCommand(): Command {
  return withDlqFilters(withCommonOptions(new Command('resolve')))
    .description(
      'Mark matching dead letters handled, with who and why: they are no longer redriven nor counted as open.',
    )
    .requiredOption('--by <who>', 'who resolves them (recorded with each)')
    .option('--note <text>', 'why (recorded with each)')
    .option('--until <time>', 'only dead letters before this time: a date-time, or a duration ago')
    .option('--dry-run', 'count what would be resolved; change nothing')
    .option('--json', 'print the counts as JSON')
    .addHelpText(
      'after',
      `${EXIT_CODES_HELP}

Examples:
  kretry dlq resolve --delivery-id msg_2f1c --by alice --note "refunded by hand"
  kretry dlq resolve --endpoint acme --reason permanent_failure --by ops --dry-run`,
    )
    .action(
      async (
        flags: FilterFlags & { by: string; note?: string; until?: string; dryRun?: boolean },
      ): Promise<void> => {
        const since = flags.since === undefined ? undefined : parseTime(flags.since, '--since');
        const until = flags.until === undefined ? undefined : parseTime(flags.until, '--until');
        if (flags.endpoint === undefined && flags.deliveryId === undefined && flags.reason === undefined) {
          throw new KretryError(
            'KRETRY_USAGE',
            'resolve needs a filter (--delivery-id, --endpoint or --reason): it will not mark the whole dlq',
          );
        }
        await withDeployment(flags, async (d) => {
          const result = await resolve(d, {
            ...filterOf(flags),
            since,
            until,
            by: flags.by,
            note: flags.note,
            dryRun: flags.dryRun === true,
          });
          if (flags.json === true) {
            writeJson({ ...result, resolved: result.handled, dryRun: flags.dryRun === true });
            return;
          }
          process.stdout.write(
            `${flags.dryRun === true ? 'would resolve' : 'resolved'} ${result.handled} dead letter(s)` +
              (result.alreadyHandled > 0
                ? `; ${result.alreadyHandled} matching already redriven or resolved`
                : '') +
              '\n',
          );
        });
      },
    );
}
