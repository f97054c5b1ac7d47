import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { packageRoot } from '../src/package-root.js';
import { anyFreePort, delay } from '../src/stack/processes.js';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * One `kretry start` child process: the engine exactly as an operator runs it, configured by
 * KRETRY_* variables only. Its output goes to a log file.
 */
export class EngineProcess {
  readonly name: string;
  readonly apiPort: number;
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  /** The signal we sent that ends the process (SIGKILL, SIGTERM); any other end is a crash. */
  expectedEnd: 'SIGKILL' | 'SIGTERM' | undefined;
  readonly #child: ChildProcess;

  private constructor(name: string, apiPort: number, child: ChildProcess) {
    this.name = name;
    this.apiPort = apiPort;
    this.#child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      }),
    );
  }

  static async spawn(name: string, env: Record<string, string>, logFile: string): Promise<EngineProcess> {
    const apiPort = await anyFreePort();
    const log = openSync(logFile, 'a');
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
        cwd: packageRoot(),
        env: { ...baseEnv(), ...env, KRETRY_API_PORT: String(apiPort) },
        stdio: ['ignore', log, log],
      });
      await new Promise<void>((resolve, reject) => {
        child.once('error', reject);
        child.once('spawn', resolve);
      });
      return new EngineProcess(name, apiPort, child);
    } finally {
      closeSync(log);
    }
  }

  /** The child's process id (the benchmarks read its CPU and RSS from /proc). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  get exit(): Exit | undefined {
    return this.#exit;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.#child.kill(signal);
  }

  /** Polls `/readyz` until it answers 200; false when the process ends or the deadline passes. */
  async waitReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.running && Date.now() < deadline) {
      try {
        const response = await fetch(`http://127.0.0.1:${this.apiPort}/readyz`, {
          signal: AbortSignal.timeout(2_000),
        });
        await response.body?.cancel();
        if (response.status === 200) return true;
      } catch {
        // Not listening yet.
      }
      await delay(250);
    }
    return false;
  }

  async kill9(): Promise<void> {
    this.expectedEnd = 'SIGKILL';
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    await this.exited;
  }

  /**
   * SIGTERM, then waits `graceMs` for the exit; a process still running then is stuck and gets
   * SIGKILL. A frozen (SIGSTOPped) process is resumed first, since SIGTERM cannot reach it.
   */
  async terminate(graceMs: number): Promise<{ stuck: boolean; exit: Exit }> {
    if (!this.running) return { stuck: false, exit: await this.exited };
    this.expectedEnd = 'SIGTERM';
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const inTime = await Promise.race([this.exited.then(() => true), delay(graceMs).then(() => false)]);
    if (!inTime) this.signal('SIGKILL');
    return { stuck: !inTime, exit: await this.exited };
  }
}

/** The runner's environment minus every KRETRY_* name: a child sees only what a scenario sets. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('KRETRY_') && value !== undefined) env[name] = value;
  return env;
}
