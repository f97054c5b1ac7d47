import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { KretryError } from '../../src/errors.js';
import { ensureSpringPeerJar } from './spring-build.js';

import {
  SCENARIO_B_JITTER,
  SCENARIO_B_TIERS_MS,
  type Peer,
  type PeerStartOptions,
  type RunningPeer,
} from '../compare/peer.js';

/** What the Spring peer adds: the retry delays it drew at startup, to measure lateness against. */
export interface RunningSpringPeer extends RunningPeer {
  /**
   * The fixed delay of retry topic 0, 1, 2 in ms. spring-kafka draws the jittered backoff once per
   * retry topic at startup (BackOffValuesGenerator), so every record of a tier waits this long.
   */
  readonly retryDelaysMs: readonly number[];
}

/** The JVM heap cap; RSS is reported beside kretry's, so the heap must not float with the host. */
export const SPRING_PEER_XMX = '512m';

const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;
const LOG_TAIL_LINES = 60;

/**
 * The app's retry profile for the given tiers. @BackOff can only draw an exponential schedule
 * (delay × multiplier^n), so the tiers must be geometric, as 1 s / 2 s / 4 s are. The jitter is
 * SCENARIO_B_JITTER of the first tier; spring-core scales it with the multiplier, so each tier gets
 * ±25 % (the first one clipped below at its own delay: spring-core never goes under the base
 * delay). maxDelay is the last tier + 25 % so the last band is not clipped. Scenario A runs the
 * same profile; it differs only in that the receiver answers 200 to everything.
 */
export function springBackoffArgs(tiersMs: readonly number[]): string[] {
  const first = tiersMs[0];
  const last = tiersMs[tiersMs.length - 1];
  if (first === undefined || last === undefined || first <= 0) {
    throw new KretryError('KRETRY_CONFIG', 'the Spring peer needs at least one positive retry tier');
  }
  const multiplier = tiersMs.length > 1 ? (tiersMs[1] ?? first) / first : 1;
  const geometric = tiersMs.every((t, i) => Math.abs(t - first * multiplier ** i) <= 1);
  if (!geometric || multiplier < 1) {
    throw new KretryError(
      'KRETRY_CONFIG',
      `the Spring peer's @BackOff draws delay × multiplier^n; tiers ${tiersMs.join('/')} ms are not such a series`,
    );
  }
  return [
    `--peer.attempts=${tiersMs.length + 1}`,
    `--peer.backoff.delay-ms=${first}`,
    `--peer.backoff.multiplier=${multiplier}`,
    `--peer.backoff.jitter-ms=${Math.round(first * SCENARIO_B_JITTER)}`,
    `--peer.backoff.max-delay-ms=${Math.round(last * (1 + SCENARIO_B_JITTER))}`,
  ];
}

/**
 * Spring Kafka @RetryableTopic as a peer.
 *
 * Fairness: a Spring listener calls the endpoint synchronously on its consumer thread, so one
 * container's HTTP concurrency is its listener concurrency, and a consumer thread without a
 * partition sits idle: at most `partitions` requests are in flight per container. With the harness's
 * shared partition count (e.g. 12) against kretry's 32 concurrent requests, Spring's first-attempt
 * path can have at most 12 requests in flight; its throughput is then bounded by
 * partitions / receiver latency, not by its CPU. In scenario B each retry topic has its own
 * container with the same concurrency, so up to 4 × partitions requests can be in flight across the
 * main and three retry containers, but never more than `partitions` on first attempts. That is how
 * the framework is meant to be used (more partitions is Spring's answer to more concurrency), so
 * the harness should report the partition count beside the figures and not raise it for one system.
 */
export const springPeer: Peer = {
  name: 'spring-retryable',
  start: (o) => startSpringPeer(o),
};

/** The arguments the app receives; exported so a caller can print the exact command. */
export function springPeerArgs(jar: string, o: PeerStartOptions): string[] {
  return [
    `-Xmx${SPRING_PEER_XMX}`,
    '-jar',
    jar,
    `--peer.bootstrap-servers=${o.brokers}`,
    `--peer.input-topic=${o.inputTopic}`,
    // Spring appends -retry-0, -retry-1, ... -dlt for the retry containers' groups.
    `--peer.group-id=${o.runId}.spring-retryable`,
    // More consumer threads than partitions would idle; fewer would cap HTTP concurrency lower still.
    `--peer.concurrency=${Math.min(o.concurrency, o.partitions)}`,
    `--peer.partitions=${o.partitions}`,
    ...springBackoffArgs(o.tiersMs ?? SCENARIO_B_TIERS_MS),
    // The app exits when its stdin pipe closes: it cannot outlive the harness, even a SIGKILLed one.
    '--peer.exit-with-parent=true',
    // o.receiverUrl is not passed: each record carries its own url, as kretry's deliveries do.
  ];
}

/** `extraArgs` (e.g. `--peer.seek-after-error=false`) go after the harness's own settings. */
export async function startSpringPeer(
  o: PeerStartOptions,
  extraArgs: readonly string[] = [],
): Promise<RunningSpringPeer> {
  const jar = await ensureSpringPeerJar((line) => void process.stderr.write(`${line}\n`));
  const child = spawn('java', [...springPeerArgs(jar, o), ...extraArgs], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  killOnExit(child);
  const pid = child.pid;
  if (pid === undefined) {
    throw new KretryError('KRETRY_STACK', 'could not start java for the Spring peer (is Java 17+ on PATH?)');
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logFile = join(tmpdir(), `bench-compare-${o.runId}-spring-retryable.log`);
  try {
    const retryDelaysMs = await waitUntilReady(child, exited, createWriteStream(logFile, { flags: 'a' }));
    return { pid, retryDelaysMs, stop: () => stopChild(child, exited) };
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  }
}

/** The harness's children die with it: killed from its synchronous `exit` handler. */
const children = new Set<ChildProcess>();
function killOnExit(child: ChildProcess): void {
  if (children.size === 0) process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/**
 * Resolves on the app's PEER_READY line, which it prints once every partition of the input, retry
 * and DLT topics is assigned to one of its consumers. Keeps draining the output into `log`
 * afterwards: a full pipe would block the JVM's logging threads.
 */
function waitUntilReady(
  child: ChildProcess,
  exited: Promise<number | null>,
  log: WriteStream,
): Promise<readonly number[]> {
  void exited.then(() => log.end());
  const tail: string[] = [];
  let delays: number[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new KretryError(
          'KRETRY_STACK',
          `Spring peer not ready after ${READY_TIMEOUT_MS / 1000} s:\n${tail.join('\n')}`,
        ),
      );
    }, READY_TIMEOUT_MS);
    const onLine = (line: string): void => {
      log.write(`${line}\n`);
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      const delayLine = /PEER_RETRY_DELAYS (.*)$/.exec(line);
      if (delayLine?.[1] !== undefined) {
        delays = [...delayLine[1].matchAll(/=(\d+)/g)].map((m) => Number(m[1]));
      }
      if (line.includes('PEER_READY')) {
        clearTimeout(timer);
        resolve(delays);
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      if (stream !== null) createInterface({ input: stream }).on('line', onLine);
    }
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new KretryError(
          'KRETRY_STACK',
          `Spring peer exited (${code}) before it was ready:\n${tail.join('\n')}`,
        ),
      );
    });
  });
}

/** SIGTERM lets Spring stop its containers and commit; SIGKILL after the grace period. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, STOP_GRACE_MS);
  });
  await Promise.race([exited, killed]);
  clearTimeout(timer);
  await exited;
}
