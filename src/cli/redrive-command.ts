import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { KretryError } from '../errors.js';
import { redrive, type RedriveProgress } from '../operator/redrive.js';
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
import type { DeadLetterReason } from '../domain/route.js';

interface RedriveFlags extends CommonFlags {
  endpoint?: string;
  reason?: DeadLetterReason;
  since?: string;
  until?: string;
  limit?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function redriveCommand(): Command {
  return withDlqFilters(withCommonOptions(new Command('redrive')))
    .description(
      'Re-inject matching dead letters into ingest as new deliveries that keep their webhook-id. The redrive group remembers what it read: a second run skips it.',
    )
    .option('--until <time>', 'only dead letters before this time: a date-time, or a duration ago')
    .option('--limit <n>', 'stop after re-injecting this many')
    .option('--dry-run', 'count what would be re-injected; change nothing')
    .option('--json', 'print the counts as JSON')
    .addHelpText(
      'after',
      `
It reads the dlq with the group <prefix>redrive from where its last run stopped. To redrive the same
dead letters again, reset that group first: kretry replay --group redrive --to-earliest --execute
${EXIT_CODES_HELP}

Examples:
  kretry redrive --endpoint acme --reason endpoint_disabled --dry-run
  kretry redrive --endpoint acme --since 2026-11-20T00:00:00Z --until 6h
  kretry redrive --reason exhausted --limit 100 --json`,
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
          format: 'reading dlq |{bar}| {value}/{total}  matched {matched}  re-injected {reinjected}',
          stream: process.stderr,
          hideCursor: true,
        });
        let started = false;
        const onProgress = (p: RedriveProgress): void => {
          if (!showBar) return;
          if (!started) {
            bar.start(p.toRead, 0, { matched: 0, reinjected: 0 });
            started = true;
          }
          bar.update(p.read, { matched: p.matched, reinjected: p.reinjected });
        };
        let result: RedriveProgress;
        try {
          result = await redrive(
            { kafka: d.kafka, admin: d.admin, topology: d.topology, codecs: d.codecs, logger: d.logger },
            {
              endpointId: flags.endpoint,
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
          writeJson({ ...result, dryRun: flags.dryRun === true });
          return;
        }
        const verb = flags.dryRun === true ? 'would re-inject' : 're-injected';
        process.stdout.write(
          `read ${result.read} dead letter(s), ${result.matched} matched, ${verb} ${result.reinjected} into ${d.topology.ingest}` +
            (result.unredrivable > 0
              ? `; ${result.unredrivable} without a request (invalid_record) left in place`
              : '') +
            '\n',
        );
        if (flags.dryRun === true) progress('dry run: nothing written, no offsets moved');
      });
    });
}
