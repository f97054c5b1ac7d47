import type { Admin } from 'kafkajs';

export interface PartitionLag {
  readonly partition: number;
  /** The group's committed offset; null when it has committed none on this partition. */
  readonly committed: number | null;
  readonly logStart: number;
  readonly logEnd: number;
  /**
   * Records between the committed offset (or the log start) and the log end. An upper bound:
   * the log end counts transaction markers and aborted records, which no consumer sees.
   */
  readonly lag: number;
}

export interface GroupLag {
  readonly group: string;
  readonly topic: string;
  readonly partitions: readonly PartitionLag[];
  readonly total: number;
}

/** How far a consumer group is behind on a topic, per partition, from committed offsets. */
export async function groupLag(admin: Admin, group: string, topic: string): Promise<GroupLag> {
  const [ends, committedByTopic] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId: group, topics: [topic] }),
  ]);
  const committed = new Map(
    (committedByTopic[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)] as const),
  );
  const partitions = ends
    .map((end): PartitionLag => {
      const logStart = Number(end.low);
      const logEnd = Number(end.high);
      const at = committed.get(end.partition);
      const known = at !== undefined && at >= 0 ? at : null;
      return {
        partition: end.partition,
        committed: known,
        logStart,
        logEnd,
        lag: Math.max(0, logEnd - Math.max(known ?? logStart, logStart)),
      };
    })
    .sort((a, b) => a.partition - b.partition);
  return { group, topic, partitions, total: partitions.reduce((sum, p) => sum + p.lag, 0) };
}
