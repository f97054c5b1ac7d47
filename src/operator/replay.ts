import type { Admin } from 'kafkajs';
import { KretryError } from '../errors.js';
import type { Topology } from '../kafka/topology.js';

export type ReplayTarget =
  | { readonly kind: 'datetime'; readonly at: number }
  | { readonly kind: 'duration'; readonly ms: number }
  | { readonly kind: 'offset'; readonly offset: number }
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' };

export interface ReplayRow {
  readonly partition: number;
  /** The group's committed offset; null when it has none (it would start per its reset policy). */
  readonly current: number | null;
  readonly target: number;
  /** Records read again (positive) or skipped (negative) by moving from current to target. */
  readonly toReRead: number;
  readonly logStart: number;
  readonly logEnd: number;
}

export interface ReplayPlan {
  readonly group: string;
  readonly topic: string;
  readonly rows: readonly ReplayRow[];
  readonly total: number;
}

export interface GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
}

/** kretry's own groups and the topic each reads, by their short names and their full names. */
export function knownGroups(topology: Topology): Map<string, { group: string; topic: string }> {
  const entries: [string, { group: string; topic: string }][] = [
    ['dispatcher', { group: topology.dispatcherGroup, topic: topology.ingest }],
    ['projection', { group: topology.projectionGroup, topic: topology.attempts }],
    ...topology.tiers.map((t): [string, { group: string; topic: string }] => [
      t.group.slice(topology.prefix.length),
      { group: t.group, topic: t.topic },
    ]),
  ];
  const known = new Map<string, { group: string; topic: string }>();
  for (const [short, value] of entries) {
    known.set(short, value);
    known.set(value.group, value);
  }
  return known;
}

/** `--group`/`--topic` as given: a kretry short name (dispatcher, tier-retry-2m, …) or a full name. */
export function resolveGroupAndTopic(
  topology: Topology,
  group: string,
  topic: string | undefined,
): { group: string; topic: string } {
  const known = knownGroups(topology).get(group);
  const fullTopic = (name: string): string =>
    name.startsWith(topology.prefix) ? name : `${topology.prefix}${name}`;
  if (topic === undefined) {
    if (known === undefined) {
      throw new KretryError(
        'KRETRY_USAGE',
        `--group ${group} is not one of kretry's groups (${[...knownGroups(topology).keys()].filter((k) => !k.startsWith(topology.prefix)).join(', ')}); give --topic too`,
      );
    }
    return known;
  }
  return { group: known?.group ?? group, topic: fullTopic(topic) };
}

export async function activeMembers(admin: Admin, group: string): Promise<GroupMember[]> {
  const described = await admin.describeGroups([group]);
  return (described.groups[0]?.members ?? []).map((m) => ({
    memberId: m.memberId,
    clientId: m.clientId,
    clientHost: m.clientHost,
  }));
}

/**
 * The offset reset `kafka-consumer-groups --reset-offsets` would make: per partition, the group's
 * committed offset, the target, and how many records that re-reads (or skips).
 */
export async function planReplay(
  admin: Admin,
  group: string,
  topic: string,
  target: ReplayTarget,
  now: number,
): Promise<ReplayPlan> {
  const existing = new Set(await admin.listTopics());
  if (!existing.has(topic)) throw new KretryError('KRETRY_USAGE', `topic ${topic} does not exist`);
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const current = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)] as const));
  let byTime: Map<number, number> | undefined;
  if (target.kind === 'datetime' || target.kind === 'duration') {
    const at = target.kind === 'datetime' ? target.at : now - target.ms;
    byTime = new Map(
      (await admin.fetchTopicOffsetsByTimestamp(topic, at)).map(
        (p) => [p.partition, Number(p.offset)] as const,
      ),
    );
  }
  const rows = ends
    .map((end): ReplayRow => {
      const logStart = Number(end.low);
      const logEnd = Number(end.high);
      const clamp = (offset: number): number => Math.min(logEnd, Math.max(logStart, offset));
      let to: number;
      switch (target.kind) {
        case 'earliest':
          to = logStart;
          break;
        case 'latest':
          to = logEnd;
          break;
        case 'offset':
          to = clamp(target.offset);
          break;
        default: {
          const found = byTime?.get(end.partition) ?? -1;
          to = found < 0 ? logEnd : clamp(found);
        }
      }
      const at = current.get(end.partition);
      const known = at !== undefined && at >= 0 ? at : null;
      return {
        partition: end.partition,
        current: known,
        target: to,
        toReRead: (known ?? logStart) - to,
        logStart,
        logEnd,
      };
    })
    .sort((a, b) => a.partition - b.partition);
  return { group, topic, rows, total: rows.reduce((sum, r) => sum + r.toReRead, 0) };
}

/** Applies a plan, only while the group has no active member (Kafka refuses otherwise, too). */
export async function executeReplay(admin: Admin, plan: ReplayPlan): Promise<void> {
  const members = await activeMembers(admin, plan.group);
  if (members.length > 0) {
    throw new KretryError(
      'KRETRY_USAGE',
      `group ${plan.group} has ${members.length} active member(s): ${members
        .map((m) => `${m.clientId} on ${m.clientHost} (${m.memberId})`)
        .join(', ')}. Stop the kretry processes that run this group (SIGTERM lets them finish in-flight ` +
        'attempts and leave the group; a killed process stays a member until its session times out, ' +
        'KRETRY_SESSION_TIMEOUT), then run this again.',
    );
  }
  await admin.setOffsets({
    groupId: plan.group,
    topic: plan.topic,
    partitions: plan.rows.map((r) => ({ partition: r.partition, offset: String(r.target) })),
  });
}
