import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ReceiverReady, ReceiverStats } from './receiver.js';

export interface ReceiverOptions {
  readonly latencyMinMs: number;
  readonly latencyMaxMs: number;
}

/** The receiver child process (chaos/receiver.ts), seen from the runner. */
export interface ReceiverProcess {
  readonly baseUrl: string;
  stats(): Promise<ReceiverStats>;
  stop(): Promise<void>;
}

const RECEIVER_ENTRY = fileURLToPath(new URL('./receiver.ts', import.meta.url));

export async function startReceiver(options: ReceiverOptions): Promise<ReceiverProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', RECEIVER_ENTRY], {
    env: {
      ...process.env,
      CHAOS_LATENCY_MIN_MS: String(options.latencyMinMs),
      CHAOS_LATENCY_MAX_MS: String(options.latencyMaxMs),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    if (child.stdout === null) return reject(new Error('receiver: no stdout'));
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve((JSON.parse(line) as ReceiverReady).port));
    child.once('exit', (code) => reject(new Error(`receiver exited during start (code ${code})`)));
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    async stats() {
      const response = await fetch(`${baseUrl}/__stats`, { signal: AbortSignal.timeout(10_000) });
      return (await response.json()) as ReceiverStats;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
