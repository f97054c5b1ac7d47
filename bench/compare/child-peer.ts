import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { exitWithParent, killOnExit } from './lifetime.js';
import type { PeerStartOptions, RunningPeer } from './peer.js';

/** What a Node peer's child process prints on stdout, one JSON object a line. */
export interface ChildEvent {
  readonly at: number;
  readonly event: string;
  readonly [field: string]: unknown;
}

export interface NodeChildPeer extends RunningPeer {
  /** Events the child reported so far (e.g. a kafkajs consumer crash). */
  readonly events: readonly ChildEvent[];
}

const OPTIONS_VAR = 'BENCH_PEER_OPTIONS';

/** The options a child was started with (see {@link spawnNodePeer}). */
/** In the child: its options, read once; the child also exits when the harness is gone. */
export function childOptions<T extends PeerStartOptions>(): T {
  exitWithParent();
  const raw = process.env[OPTIONS_VAR];
  if (raw === undefined) throw new Error(`${OPTIONS_VAR} is not set: start this file through its Peer`);
  return JSON.parse(raw) as T;
}

/** One event line on stdout, read by the parent's {@link NodeChildPeer.events}. */
export function reportEvent(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ at: Date.now(), event, ...fields })}\n`);
}

/**
 * Starts `entry` (a TypeScript file, through tsx) as the peer's own process with its options in
 * the environment; stderr goes to `logFile`. Stop sends SIGTERM and, after `graceMs`, SIGKILL.
 */
export async function spawnNodePeer(
  entry: string,
  options: PeerStartOptions,
  logFile: string,
  graceMs = 15_000,
): Promise<NodeChildPeer> {
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, [OPTIONS_VAR]: JSON.stringify(options) },
    stdio: ['pipe', 'pipe', log],
  });
  killOnExit(child);
  closeSync(log);
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', resolve);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const events: ChildEvent[] = [];
  if (child.stdout === null) throw new Error(`${entry}: no stdout`);
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as ChildEvent);
    } catch {
      // Not ours (a library printing to stdout): ignored.
    }
  });
  return {
    pid: child.pid ?? 0,
    events,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
