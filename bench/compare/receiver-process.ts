import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { killOnExit } from './lifetime.js';
import type { Scenario } from './peer.js';
import type { ReceiverProgress, ReceiverReady, ReceiverStats } from './receiver.js';

/** The receiver child process (bench/compare/receiver.ts), seen from the harness. */
export interface ReceiverProcess {
  readonly pid: number;
  /** Where peers POST: `http://127.0.0.1:<port>/hook`. */
  readonly url: string;
  reset(scenario: Scenario): Promise<void>;
  progress(): Promise<ReceiverProgress>;
  stats(): Promise<ReceiverStats>;
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./receiver.ts', import.meta.url));

export async function startReceiver(): Promise<ReceiverProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], { stdio: ['pipe', 'pipe', 'inherit'] });
  killOnExit(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve((JSON.parse(line) as ReceiverReady).port));
    child.once('exit', (code) => reject(new Error(`receiver exited during start (code ${code})`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const get = async <T>(path: string, method = 'GET'): Promise<T> => {
    const response = await fetch(`${base}${path}`, { method, signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`receiver ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    pid: child.pid ?? 0,
    url: `${base}/hook`,
    reset: async (scenario) => void (await get(`/__reset?scenario=${scenario}`, 'POST')),
    progress: () => get<ReceiverProgress>('/__progress'),
    stats: () => get<ReceiverStats>('/__stats'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
