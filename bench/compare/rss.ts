import { readFile } from 'node:fs/promises';

export interface RssSample {
  /** Seconds since the sampler started. */
  readonly t: number;
  readonly rssMb: number;
  /** Epoch ms of the sample. */
  readonly at: number;
  /** Cumulative user + system CPU seconds of the process. */
  readonly cpu: number;
}

export interface RssTrace {
  readonly samples: readonly RssSample[];
  readonly peakMb: number;
  /** User + system CPU seconds of the process at its last sample (Linux /proc/<pid>/stat). */
  readonly cpuSeconds: number;
}

export interface RssSampler {
  stop(): RssTrace;
}

/** Linux's USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every mainstream kernel. */
const CLOCK_TICKS = 100;

/** Samples VmRSS of `pid` from /proc/<pid>/status every second until stopped. */
export function sampleRss(pid: number, everyMs = 1000): RssSampler {
  const started = Date.now();
  const samples: RssSample[] = [];
  let cpuSeconds = 0;
  const take = async (): Promise<void> => {
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
      // Fields after the parenthesised command name: utime is the 14th field, stime the 15th.
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
      const at = Date.now();
      if (kb !== undefined)
        samples.push({ t: (at - started) / 1000, rssMb: Number(kb) / 1024, at, cpu: cpuSeconds });
    } catch {
      // The process has exited: keep what was sampled.
    }
  };
  void take();
  const timer = setInterval(() => void take(), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return { samples, peakMb: Math.max(0, ...samples.map((s) => s.rssMb)), cpuSeconds };
    },
  };
}

/**
 * CPU seconds the process spent from the last sample at or before `from` to the last sample: the
 * work of the measured window, without the start-up (tsx compiling, JVM warm-up, group join)
 * before the first request arrived.
 */
export function cpuSince(trace: RssTrace, from: number): number {
  const before = trace.samples.filter((s) => s.at <= from).at(-1) ?? trace.samples[0];
  return Math.max(0, trace.cpuSeconds - (before?.cpu ?? 0));
}
