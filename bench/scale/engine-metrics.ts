/** What the benchmark reads from an engine's `/metrics` (src/kafka/partition-status.ts). */
export interface LaneCounts {
  /** Lanes in state active or paused: open, fenced, restored, consuming. */
  readonly live: number;
  /** kretry_partition_reopens_total summed over roles: lanes reopened after a producer or commit error. */
  readonly reopens: number;
}

export async function laneCounts(apiPort: number): Promise<LaneCounts> {
  const response = await fetch(`http://127.0.0.1:${apiPort}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  let live = 0;
  let reopens = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('kretry_partition_state{') && /state="(active|paused)"\} 1$/.test(line)) live++;
    if (line.startsWith('kretry_partition_reopens_total{')) reopens += Number(line.split(' ').at(-1));
  }
  return { live, reopens };
}

/** Sums the counts of several engines. */
export async function fleetLaneCounts(apiPorts: readonly number[]): Promise<LaneCounts> {
  const counts = await Promise.all(apiPorts.map(laneCounts));
  return {
    live: counts.reduce((sum, c) => sum + c.live, 0),
    reopens: counts.reduce((sum, c) => sum + c.reopens, 0),
  };
}
