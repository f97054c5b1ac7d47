/**
 * Which offsets of one partition are finished, when they finish out of order. The commit point is
 * the lowest unfinished offset; the finished offsets above it travel in the offset commit's
 * metadata so a new owner of the partition skips them (docs/lifecycle.md, "Waiting without sleeping").
 */
export interface OffsetWindow {
  /** Lowest offset not yet finished: what is committed. */
  readonly commitPoint: number;
  /** Finished offsets above the commit point, ascending. */
  readonly finishedAbove: readonly number[];
}

export function emptyWindow(commitPoint: number): OffsetWindow {
  return { commitPoint, finishedAbove: [] };
}

/** The window after `offsets` finish: the commit point moves over every run of finished offsets. */
export function finish(window: OffsetWindow, offsets: Iterable<number>): OffsetWindow {
  const finished = new Set(window.finishedAbove);
  for (const offset of offsets) if (offset >= window.commitPoint) finished.add(offset);
  let commitPoint = window.commitPoint;
  while (finished.has(commitPoint)) {
    finished.delete(commitPoint);
    commitPoint++;
  }
  return { commitPoint, finishedAbove: [...finished].sort((a, b) => a - b) };
}

const FORMAT = 'k1:';

/**
 * Run-length encoding relative to the commit point, compact enough for the broker's 4 KiB
 * `offset.metadata.max.bytes`: alternating run lengths in base 36, starting with the unfinished run
 * just above the commit point. `k1:1.2` = commit+1 unfinished, commit+2 and commit+3 finished.
 */
export function encodeWindow(window: OffsetWindow): string {
  if (window.finishedAbove.length === 0) return '';
  const runs: number[] = [];
  let cursor = window.commitPoint + 1;
  let i = 0;
  const offsets = window.finishedAbove;
  while (i < offsets.length) {
    const start = offsets[i] ?? cursor;
    runs.push(start - cursor);
    let end = start;
    while (offsets[i + 1] === end + 1) {
      end++;
      i++;
    }
    runs.push(end - start + 1);
    cursor = end + 1;
    i++;
  }
  return FORMAT + runs.map((n) => n.toString(36)).join('.');
}

/** The finished offsets a metadata string records; anything unreadable records none. */
export function decodeWindow(commitPoint: number, metadata: string | null | undefined): OffsetWindow {
  if (metadata === null || metadata === undefined || !metadata.startsWith(FORMAT))
    return emptyWindow(commitPoint);
  const runs = metadata
    .slice(FORMAT.length)
    .split('.')
    .map((part) => Number.parseInt(part, 36));
  if (runs.some((n) => !Number.isSafeInteger(n) || n < 0)) return emptyWindow(commitPoint);
  const finishedAbove: number[] = [];
  let cursor = commitPoint + 1;
  for (let i = 0; i + 1 < runs.length; i += 2) {
    cursor += runs[i] ?? 0;
    const length = runs[i + 1] ?? 0;
    for (let k = 0; k < length; k++) finishedAbove.push(cursor + k);
    cursor += length;
  }
  return { commitPoint, finishedAbove };
}
