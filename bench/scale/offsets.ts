import type { Admin } from 'kafkajs';
import { delay } from '../../src/stack/processes.js';

/** Sum of the high watermarks of a topic's partitions: records plus transaction markers written. */
export async function endOffsetSum(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, o) => sum + Number(o.high), 0);
}

/** Polls until `check` holds; false when `timeoutMs` passes first. */
export async function pollUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await delay(250);
  }
  return false;
}

/** Every group is Stable with exactly `members` members: the partitions are spread over the fleet. */
export async function groupsSpread(
  admin: Admin,
  groupIds: readonly string[],
  members: number,
): Promise<boolean> {
  const { groups } = await admin.describeGroups([...groupIds]);
  return groups.every((g) => g.state === 'Stable' && g.members.length === members);
}

/**
 * Whether `groupId` has committed `topic` through its end on every partition. `slack` is 1 for a
 * topic written in transactions, whose end is a commit marker no consumer ever commits past; 0
 * for one written without.
 */
export async function committedToEnd(
  admin: Admin,
  groupId: string,
  topic: string,
  slack: 0 | 1,
): Promise<boolean> {
  const [ends, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  return ends.every((end) => {
    const high = Number(end.high);
    if (high === Number(end.low)) return true;
    const at = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
    return at >= high - slack;
  });
}
