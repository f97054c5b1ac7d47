import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * CPU and memory of named processes, read from /proc (Linux only): utime + stime of
 * /proc/<pid>/stat between two marks, and the peak RSS seen by a periodic sample. Also the whole
 * machine's busy share from /proc/stat, so a figure taken on saturated cores says so.
 */
export interface Watched {
  readonly name: string;
  readonly pid: number;
}

export interface Mark {
  readonly at: number;
  /** CPU ticks (user + system) per watched name; absent when the process was gone. */
  readonly ticks: ReadonlyMap<string, number>;
  readonly machineBusy: number;
  readonly machineTotal: number;
}

export interface Usage {
  readonly seconds: number;
  /** CPU seconds per watched name over the interval. */
  readonly cpuSeconds: Readonly<Record<string, number>>;
  /** Peak RSS per watched name over the interval, MiB. */
  readonly peakRssMib: Readonly<Record<string, number>>;
  /** Share of all cores busy over the interval (every process on the machine), 0…1. */
  readonly machineBusy: number;
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const PAGE_BYTES = Number(execFileSync('getconf', ['PAGESIZE']).toString().trim()) || 4096;

interface ProcStat {
  readonly ticks: number;
  readonly rssBytes: number;
}

function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces; fields after it are plain.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime 15, rss (pages) 24.
  return {
    ticks: Number(fields[11]) + Number(fields[12]),
    rssBytes: Number(fields[21]) * PAGE_BYTES,
  };
}

function machineStat(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal (guest time is already inside user)
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

export class ProcSampler {
  readonly #watched = new Map<string, number>();
  readonly #peakRss = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  watch(name: string, pid: number): void {
    this.#watched.set(name, pid);
  }

  unwatch(name: string): void {
    this.#watched.delete(name);
  }

  /** Samples RSS every `intervalMs` until stopped. */
  start(intervalMs: number): void {
    this.#timer = setInterval(() => this.#sampleRss(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** The start of an interval: CPU counters now, and the RSS peaks start over. */
  mark(): Mark {
    this.#peakRss.clear();
    this.#sampleRss();
    return this.#counters();
  }

  /** CPU between `from` and now, and the peak RSS since `from` was taken. */
  since(from: Mark): Usage {
    this.#sampleRss();
    const peakRssMib: Record<string, number> = {};
    for (const [name, bytes] of this.#peakRss) peakRssMib[name] = Math.round(bytes / 1024 / 1024);
    const to = this.#counters();
    const cpuSeconds: Record<string, number> = {};
    for (const [name, before] of from.ticks) {
      const after = to.ticks.get(name);
      if (after !== undefined) cpuSeconds[name] = (after - before) / TICKS_PER_SECOND;
    }
    const total = to.machineTotal - from.machineTotal;
    return {
      seconds: (to.at - from.at) / 1000,
      cpuSeconds,
      peakRssMib,
      machineBusy: total > 0 ? (to.machineBusy - from.machineBusy) / total : 0,
    };
  }

  #counters(): Mark {
    const ticks = new Map<string, number>();
    for (const [name, pid] of this.#watched) {
      const stat = procStat(pid);
      if (stat !== undefined) ticks.set(name, stat.ticks);
    }
    const machine = machineStat();
    return { at: Date.now(), ticks, machineBusy: machine.busy, machineTotal: machine.total };
  }

  #sampleRss(): void {
    for (const [name, pid] of this.#watched) {
      const rss = procStat(pid)?.rssBytes;
      if (rss !== undefined) this.#peakRss.set(name, Math.max(this.#peakRss.get(name) ?? 0, rss));
    }
  }
}

/**
 * Established TCP connections to `port` per local process id, from `ss` (iproute2): how many
 * broker connections each engine holds.
 */
export function connectionsTo(port: number): Map<number, number> {
  const counts = new Map<number, number>();
  let out: string;
  try {
    out = execFileSync('ss', ['-Htnp', 'state', 'established', `( dport = :${port} )`]).toString();
  } catch {
    return counts;
  }
  for (const match of out.matchAll(/pid=(\d+)/g)) {
    const pid = Number(match[1]);
    counts.set(pid, (counts.get(pid) ?? 0) + 1);
  }
  return counts;
}
