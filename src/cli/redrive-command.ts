import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { KretryError } from '../errors.js';
import { redrive, type HandleProgress } from '../operator/redrive.js';
import {
  EXIT_CODES_HELP,
  parseTime,
  progress,
  withCommonOptions,
  withDeployment,
  writeJson,
  type CommonFlags,
} from './common.js';
import { withDlqFilters } from './dlq-command.js';
import type { RecordedDeadLetterReason } from '../domain/route.js';

interface RedriveFlags extends CommonFlags {
  endpoint?: string;
  deliveryId?: string;
  reason?: RecordedDeadLetterReason;
  since?: string;
  until?: string;
  limit?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function redriveCommand(): Command {
  return withDlqFilters(withCommonOptions(new Command('redrive')))
    .description(
      'Re-inject matching dead letters into ingest as new deliveries that keep their webhook-id. Each dead letter is redriven at most once: the dlq-handled topic remembers which were, in the same transaction.',
    )
    .option('--until <time>', 'only dead letters before this time: a date-time, or a duration ago')
    .option('--limit <n>', 'stop after re-injecting this many')
    .option('--dry-run', 'count what would be re-injected; change nothing')
    .option('--json', 'print the counts as JSON')
    .addHelpText(
      'after',
      `
Runs with different filters compose: redrive A, then B, re-injects each matching dead letter once;
redriving A again finds nothing new. Dead letters marked with kretry dlq resolve are never redriven.
${EXIT_CODES_HELP}

Examples:
  kretry redrive --endpoint acme --reason endpoint_disabled --dry-run
  kretry redrive --endpoint acme --since 2026-11-20T00:00:00Z --until 6h
  kretry redrive --delivery-id msg_2f1c
  kretry redrive --reason max_attempts --limit 100 --json`,
    )
    .action(async (flags: RedriveFlags) => {
      const since = flags.since === undefined ? undefined : parseTime(flags.since, '--since');
      const until = flags.until === undefined ? undefined : parseTime(flags.until, '--until');
      const limit = flags.limit === undefined ? undefined : Number(flags.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
        throw new KretryError('KRETRY_USAGE', `--limit "${flags.limit}" must be a whole number above 0`);
      }
      await withDeployment(flags, async (d) => {
        const showBar = process.stderr.isTTY && flags.json !== true;
        const bar = new SingleBar({
          format: 'reading dlq |{bar}| {value}/{total}  matched {matched}  re-injected {handled}',
          stream: process.stderr,
          hideCursor: true,
        });
        let started = false;
        const onProgress = (p: HandleProgress): void => {
          if (!showBar) return;
          if (!started) {
            bar.start(p.toRead, 0, { matched: 0, handled: 0 });
            started = true;
          }
          bar.update(p.read, { matched: p.matched, handled: p.handled });
        };
        let result: HandleProgress;
        try {
          result = await redrive(
            { kafka: d.kafka, admin: d.admin, topology: d.topology, codecs: d.codecs, logger: d.logger },
            {
              endpointId: flags.endpoint,
              deliveryId: flags.deliveryId,
              reason: flags.reason,
              since,
              until,
              limit,
              dryRun: flags.dryRun === true,
              onProgress,
            },
          );
        } finally {
          if (started) bar.stop();
        }
        if (flags.json === true) {
          writeJson({ ...result, reinjected: result.handled, dryRun: flags.dryRun === true });
          return;
        }
        const verb = flags.dryRun === true ? 'would re-inject' : 're-injected';
        process.stdout.write(
          `read ${result.read} dead letter(s), ${result.matched} matched, ${verb} ${result.handled} into ${d.topology.ingest}` +
            (result.alreadyHandled > 0
              ? `; ${result.alreadyHandled} matching already redriven or resolved, skipped`
              : '') +
            (result.unredrivable > 0
              ? `; ${result.unredrivable} without a request (invalid_record) left in place`
              : '') +
            '\n',
        );
        if (flags.dryRun === true) progress('dry run: nothing written');
      });
    });
}
