import Table from 'cli-table3';
import { Command } from 'commander';
import { parseDuration } from '../domain/duration.js';
import { KretryError } from '../errors.js';
import { executeReplay, planReplay, resolveGroupAndTopic, type ReplayTarget } from '../operator/replay.js';
import {
  EXIT_CODES_HELP,
  progress,
  withCommonOptions,
  withDeployment,
  writeJson,
  type CommonFlags,
} from './common.js';

interface ReplayFlags extends CommonFlags {
  group: string;
  topic?: string;
  toDatetime?: string;
  toOffset?: string;
  byDuration?: string;
  toEarliest?: boolean;
  toLatest?: boolean;
  execute?: boolean;
  json?: boolean;
}

/** ISO 8601 durations as kafka-consumer-groups takes them (PT1H, P1DT2H30M), or kretry's (1h, 30m). */
export function parseReplayDuration(text: string): number | undefined {
  const short = parseDuration(text);
  if (short !== undefined) return short;
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text);
  if (iso === null || text.toUpperCase() === 'P' || text.toUpperCase().endsWith('T')) return undefined;
  const [, d, h, m, s] = iso;
  return (
    Number(d ?? 0) * 86_400_000 + Number(h ?? 0) * 3_600_000 + Number(m ?? 0) * 60_000 + Number(s ?? 0) * 1000
  );
}

export function targetFrom(flags: ReplayFlags): ReplayTarget {
  const given = [
    flags.toDatetime !== undefined && '--to-datetime',
    flags.toOffset !== undefined && '--to-offset',
    flags.byDuration !== undefined && '--by-duration',
    flags.toEarliest === true && '--to-earliest',
    flags.toLatest === true && '--to-latest',
  ].filter((x): x is string => x !== false);
  if (given.length !== 1) {
    throw new KretryError(
      'KRETRY_USAGE',
      `give exactly one of --to-datetime, --to-offset, --by-duration, --to-earliest, --to-latest${given.length > 1 ? ` (got ${given.join(', ')})` : ''}`,
    );
  }
  if (flags.toDatetime !== undefined) {
    const at = Date.parse(flags.toDatetime);
    if (Number.isNaN(at)) {
      throw new KretryError(
        'KRETRY_USAGE',
        `--to-datetime "${flags.toDatetime}" is not a date-time such as 2026-11-24T08:00:00Z`,
      );
    }
    return { kind: 'datetime', at };
  }
  if (flags.toOffset !== undefined) {
    const offset = Number(flags.toOffset);
    if (!Number.isInteger(offset) || offset < 0) {
      throw new KretryError(
        'KRETRY_USAGE',
        `--to-offset "${flags.toOffset}" must be a whole number of at least 0`,
      );
    }
    return { kind: 'offset', offset };
  }
  if (flags.byDuration !== undefined) {
    const ms = parseReplayDuration(flags.byDuration);
    if (ms === undefined) {
      throw new KretryError(
        'KRETRY_USAGE',
        `--by-duration "${flags.byDuration}" is not a duration such as PT1H or 90m`,
      );
    }
    return { kind: 'duration', ms };
  }
  return flags.toEarliest === true ? { kind: 'earliest' } : { kind: 'latest' };
}

export function replayCommand(): Command {
  return withCommonOptions(new Command('replay'))
    .description(
      "Plan a consumer group's offset reset and, with --execute, apply it while the group has no active members (the contract of kafka-consumer-groups --reset-offsets).",
    )
    .requiredOption(
      '-g, --group <group>',
      'group: dispatcher, projection, tier-retry-<tier> (prefix added), or any full group name',
    )
    .option('-t, --topic <topic>', "topic (prefix added when missing); default: the kretry group's own topic")
    .option('--to-datetime <datetime>', 'first offset at or after this time, e.g. 2026-11-24T08:00:00Z')
    .option('--to-offset <offset>', 'this offset on every partition (clamped to the retained log)')
    .option('--by-duration <duration>', 'first offset at or after now minus this, e.g. PT1H or 90m')
    .option('--to-earliest', 'the start of the retained log')
    .option('--to-latest', 'the end of the log (skips everything unread)')
    .option('--execute', 'apply the plan (without it, only print it)')
    .option('--json', 'print the plan as JSON')
    .addHelpText(
      'after',
      `
Re-reading ingest re-sends those deliveries (same webhook-id); re-reading a tier re-attempts what
was scheduled there; resetting the projection group rebuilds endpoint health from the log.
${EXIT_CODES_HELP}

Examples:
  kretry replay --group dispatcher --by-duration PT2H
  kretry replay --group dispatcher --to-datetime 2026-11-24T08:00:00Z --execute
  kretry replay --group projection --to-earliest --execute
  kretry replay --group my-consumer --topic dlq --to-latest`,
    )
    .action(async (flags: ReplayFlags) => {
      const target = targetFrom(flags);
      await withDeployment(flags, async (d) => {
        const { group, topic } = resolveGroupAndTopic(d.topology, flags.group, flags.topic);
        const plan = await planReplay(d.admin, group, topic, target, Date.now());
        if (flags.json !== true) {
          const t = new Table({
            head: ['partition', 'current', 'target', 'to re-read', 'log start', 'log end'],
            style: { head: [], border: [] },
          });
          for (const r of plan.rows)
            t.push([r.partition, r.current ?? '-', r.target, r.toReRead, r.logStart, r.logEnd]);
          process.stdout.write(`group ${group} on ${topic}\n${t.toString()}\n`);
          process.stdout.write(
            `${plan.total >= 0 ? `${plan.total} record(s) to re-read` : `${-plan.total} record(s) skipped`} (an upper bound: transaction markers count)\n`,
          );
        }
        if (flags.execute === true) await executeReplay(d.admin, plan);
        if (flags.json === true) writeJson({ ...plan, executed: flags.execute === true });
        else if (flags.execute === true)
          process.stdout.write(`applied: ${group} now starts at the target offsets\n`);
        else progress('plan only: add --execute to apply it (the group must have no active members)');
      });
    });
}
