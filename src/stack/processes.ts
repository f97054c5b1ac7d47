import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';

/**
 * A background process of the stack, known by its pid file. A pid is trusted only while the
 * process behind it still carries our marker on its command line, so a reused pid is never
 * signalled: `stack down` stops what `stack up` started and nothing else.
 */
export interface ManagedProcess {
  readonly name: string;
  readonly pidFile: string;
  /** A string only our own command line contains, e.g. `-Dkretry.stack=<home>/kafka`. */
  readonly marker: string;
}

export function runningPid(process_: ManagedProcess): number | undefined {
  if (!existsSync(process_.pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(process_.pidFile, 'utf8').trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return commandLine.includes(process_.marker) ? pid : undefined;
  } catch {
    // No /proc (macOS) or no such process: fall back to a signal-0 probe.
    return isAlive(pid) && !existsSync('/proc') ? pid : undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface StartSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly logFile: string;
}

/** Starts a detached process whose output goes to a log file, and records its pid. */
export async function startDetached(process_: ManagedProcess, spec: StartSpec): Promise<number> {
  const log = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      detached: true,
      stdio: ['ignore', log, log],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid ?? -1));
    });
    child.unref();
    await writeFile(process_.pidFile, `${pid}\n`);
    return pid;
  } finally {
    closeSync(log);
  }
}

/** SIGTERM, then SIGKILL after the grace period; removes the pid file. */
export async function stopProcess(process_: ManagedProcess, graceMs: number): Promise<boolean> {
  const pid = runningPid(process_);
  if (pid === undefined) {
    await rm(process_.pidFile, { force: true });
    return false;
  }
  // A zombie still answers signal 0 but has an empty command line, so "still ours" is the test.
  const stillOurs = (): boolean => runningPid(process_) === pid;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (stillOurs() && Date.now() < deadline) await delay(200);
  if (stillOurs()) process.kill(pid, 'SIGKILL');
  while (stillOurs()) await delay(100);
  await waitUntilExited(pid, 10_000);
  await rm(process_.pidFile, { force: true });
  return true;
}

/**
 * Resolves once the process has let go of everything it held, its listening ports above all. An
 * empty command line (what `runningPid` tests) is not enough: Linux drops a process's memory, and
 * with it /proc/<pid>/cmdline, before it closes its files (exit_mm runs before exit_files in
 * do_exit), and a JVM's main thread turns zombie while its other threads still exit and hold the
 * shared file table. Measured after kill -9 of the registry, four times: the port stayed taken
 * 20-35 ms after the command line was empty, three times with the main thread already in state Z.
 * So the process counts as gone once /proc has no entry for it, or its main thread is a zombie with
 * no other thread left; in four more runs the port was free every time that held.
 */
export async function waitUntilExited(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!hasExited(pid) && Date.now() < deadline) await delay(20);
}

function hasExited(pid: number): boolean {
  if (!existsSync('/proc')) return !isAlive(pid); // macOS: a signal-0 probe is the best there is
  let stat: string;
  let threads: number;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    threads = readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return true; // no such process (any more)
  }
  // The state follows the command name, which is in parentheses and may itself hold ") ".
  const close = stat.lastIndexOf(')');
  const state = stat.slice(close + 2, close + 3);
  return (state === 'Z' || state === 'X') && threads <= 1;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when nothing listens on host:port, so a process of ours can bind it. */
/** A port the OS says is free on 127.0.0.1 now (it picks one for a listen on port 0). */
export function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
