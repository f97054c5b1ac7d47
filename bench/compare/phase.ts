import { randomUUID } from 'node:crypto';
import type { NodeChildPeer } from './child-peer.js';
import { produceAll, producePaced, WARM_UP_PREFIX, type Encode } from './feed.js';
import { tierLateness, type PhaseResult } from './metrics.js';
import { SCENARIO_B_JITTER, SCENARIO_B_TIERS_MS, type Scenario } from './peer.js';
import type { ReceiverProcess } from './receiver-process.js';
import { cpuSince, sampleRss } from './rss.js';
import type { HarnessContext, PreparedInput, System } from './systems.js';

export interface PhasePlan {
  readonly run: number;
  readonly scenario: Scenario;
  readonly count: number;
  /** Scenario B's offered load; scenario A's input is all there before the system starts. */
  readonly perSecond: number;
  /** A phase ends early when no request arrived for this long. */
  readonly stallMs: number;
}

export const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** A short unique id that is a valid topic prefix and consumer group. */
export function newRunId(system: string, scenario: Scenario, run: number): string {
  return `cmp-${system.replace(/[^a-zA-Z0-9]/g, '')}-${scenario}${run}-${randomUUID().slice(0, 6)}`;
}

/**
 * Scenario B measures retries against a steady offered load, so its feed starts only once the
 * system consumes: a few warm-up deliveries (ids `warm-…`, which the receiver answers 200 and
 * counts apart) must come back first. Without this, the deliveries produced during a JVM's
 * start-up would arrive as one burst and their retries would measure the burst.
 */
async function warmUp(receiver: ReceiverProcess, input: PreparedInput, label: string): Promise<void> {
  const warm = 100;
  const encode: Encode = (k) => input.encode(k, `${WARM_UP_PREFIX}${k}`);
  await produceAll(input.producer, input.inputTopic, encode, 0, warm);
  const deadline = Date.now() + WARM_UP_TIMEOUT_MS;
  while ((await receiver.progress()).warmUps < warm) {
    if (Date.now() > deadline)
      throw new Error(`${label}: not consuming ${WARM_UP_TIMEOUT_MS / 1000} s after start`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const WARM_UP_TIMEOUT_MS = 180_000;

/**
 * One system, one scenario, one run: input ready, system started, wait at the receiver until
 * every id was answered 200 (or nothing arrived for `stallMs`), then a short quiet period to
 * catch stray repeats, then stop and read the receiver.
 */
export async function runPhase(
  ctx: HarnessContext,
  receiver: ReceiverProcess,
  system: System,
  plan: PhasePlan,
): Promise<PhaseResult> {
  const label = `[run ${plan.run}] ${plan.scenario} ${system.name}`;
  const runId = newRunId(system.name, plan.scenario, plan.run);
  await receiver.reset(plan.scenario);
  const input = await system.prepare(ctx, runId, receiver.url);
  if (plan.scenario === 'A') {
    log(`${label}: producing ${plan.count} deliveries…`);
    await produceAll(input.producer, input.inputTopic, input.encode, 0, plan.count);
  }
  const peer = await system.peer.start({
    brokers: ctx.brokers,
    inputTopic: input.inputTopic,
    receiverUrl: receiver.url,
    scenario: plan.scenario,
    concurrency: ctx.concurrency,
    partitions: ctx.partitions,
    runId,
  });
  const rss = sampleRss(peer.pid);
  log(`${label}: started (pid ${peer.pid})`);
  if (plan.scenario === 'B') await warmUp(receiver, input, label);
  const feeding =
    plan.scenario === 'B'
      ? producePaced(input.producer, input.inputTopic, input.encode, plan.count, plan.perSecond)
      : Promise.resolve();
  let fed = plan.scenario === 'A';
  void feeding.then(() => (fed = true));

  let stalled = false;
  let lastChange = Date.now();
  let lastRequests = -1;
  let lastLog = 0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const progress = await receiver.progress();
    if (progress.requests !== lastRequests) {
      lastRequests = progress.requests;
      lastChange = Date.now();
    }
    if (Date.now() - lastLog >= 5000) {
      lastLog = Date.now();
      log(`${label}: ${progress.okIds}/${plan.count} answered 200, ${progress.requests} requests`);
    }
    if (fed && progress.okIds >= plan.count) break;
    if (Date.now() - lastChange >= plan.stallMs) {
      stalled = true;
      log(`${label}: no request for ${plan.stallMs / 1000} s, ending the phase`);
      break;
    }
  }
  await feeding;
  // Quiet period: repeats that arrive just after the last first success still count.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const stats = await receiver.stats();
  const trace = rss.stop();
  await peer.stop();
  await input.cleanup();

  const seconds = Math.max(0.001, (stats.lastFirstAt - stats.firstAt) / 1000);
  const events = (peer as Partial<NodeChildPeer>).events ?? [];
  const result: PhaseResult = {
    system: system.name,
    scenario: plan.scenario,
    run: plan.run,
    count: plan.count,
    rate: stats.uniqueIds / seconds,
    seconds,
    lost: plan.count - stats.okIds,
    duplicateIds: stats.duplicateIds,
    duplicateRequests: stats.duplicateRequests,
    requests: stats.requests,
    unretried: stats.unretried,
    tiers: tierLateness(stats, SCENARIO_B_TIERS_MS, SCENARIO_B_JITTER),
    rss: trace,
    cpuSeconds: cpuSince(trace, stats.firstAt),
    stalled,
    events: events.filter((e) => e.event !== 'running').map((e) => JSON.stringify(e)),
  };
  const tier1 = result.tiers[0];
  log(
    `${label}: ${result.rate.toFixed(0)}/s over ${seconds.toFixed(1)} s, lost ${result.lost}, ` +
      `duplicate requests ${result.duplicateRequests}, peak RSS ${trace.peakMb.toFixed(0)} MB` +
      (tier1 === undefined
        ? ''
        : `, tier-1 lateness p50/p99/max ${tier1.lateness.p50}/${tier1.lateness.p99}/${tier1.lateness.max} ms`),
  );
  return result;
}
