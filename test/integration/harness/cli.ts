import { spawn } from 'node:child_process';
import { formatDuration } from '../../../src/domain/duration.js';
import { packageRoot } from '../../../src/package-root.js';
import { TEST_LOG_LEVEL, brokers, registryUrl } from './context.js';
import type { EngineFixture } from './engine-fixture.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of `kretry` commands aimed at a fixture's deployment (and nothing else of ours). */
export function cliEnv(fx: EngineFixture, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('KRETRY_') && value !== undefined) env[name] = value;
  }
  return {
    ...env,
    KRETRY_BROKERS: brokers().join(','),
    KRETRY_SCHEMA_REGISTRY_URL: registryUrl(),
    KRETRY_TOPIC_PREFIX: fx.config.topicPrefix,
    KRETRY_TIERS: fx.config.tiers.map((ms) => formatDuration(ms)).join(','),
    KRETRY_LOG_LEVEL: TEST_LOG_LEVEL,
    ...extra,
  };
}

/** Runs the real CLI (`src/cli/main.ts`) as a child process, optionally feeding stdin. */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { stdin?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: packageRoot(),
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`kretry ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** Parses JSON-lines output. */
export function jsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}
