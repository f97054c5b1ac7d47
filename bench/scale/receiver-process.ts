import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ScaleReceiverReady, ScaleReceiverStats } from './receiver.js';

/** The receiver child process (bench/scale/receiver.ts), seen from the benchmark. */
export interface ScaleReceiver {
  readonly baseUrl: string;
  /** For the CPU sampler. */
  readonly pid: number;
  stats(): Promise<ScaleReceiverStats>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const RECEIVER_ENTRY = fileURLToPath(new URL('./receiver.ts', import.meta.url));

export async function startScaleReceiver(): Promise<ScaleReceiver> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', RECEIVER_ENTRY], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    if (child.stdout === null) return reject(new Error('receiver: no stdout'));
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve((JSON.parse(line) as ScaleReceiverReady).port));
    child.once('exit', (code) => reject(new Error(`receiver exited during start (code ${code})`)));
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('receiver: no pid');
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    pid,
    async stats() {
      const response = await fetch(`${baseUrl}/__stats`, { signal: AbortSignal.timeout(10_000) });
      return (await response.json()) as ScaleReceiverStats;
    },
    async reset() {
      const response = await fetch(`${baseUrl}/__reset`, { signal: AbortSignal.timeout(10_000) });
      await response.body?.cancel();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
