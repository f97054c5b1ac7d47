import { delay } from '../src/stack/processes.js';
import type { Fleet } from './fleet.js';
import type { ChaosStack } from './stack.js';

/** `full`: `npm run chaos`, thousands of deliveries; `short`: the form `npm test` runs. */
export type Form = 'full' | 'short';

export interface FaultContext {
  readonly fleet: Fleet;
  readonly stack: ChaosStack;
  readonly form: Form;
  readonly log: (line: string) => void;
  /** Counts one injected fault. */
  fault(what: string): void;
  /** Asks the registry for every subject the run registered; the summary reports those it forgot. */
  checkSchemas(): Promise<void>;
}

export interface Scenario {
  readonly name: string;
  /** What a clean summary proves (README, `--help`). */
  readonly proves: string;
  readonly processes: number;
  readonly deliveries: Readonly<Record<Form, number>>;
  /** KRETRY_* settings on top of the suite's base (chaos/run-scenario.ts). */
  readonly env?: Readonly<Record<string, string>>;
  readonly latencyMs?: readonly [number, number];
  readonly bodyBytes?: number;
  /** Topic-level configs added to every kretry topic. */
  readonly topicConfigs?: Readonly<Record<string, string>>;
  /** Deliveries are produced evenly over this long while the faults run (0: all before them). */
  readonly produceOverMs: Readonly<Record<Form, number>>;
  readonly faults: (ctx: FaultContext) => Promise<void>;
}

const between = (min: number, max: number): number => min + Math.random() * (max - min);

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'kill9',
    proves: 'a process killed with SIGKILL at any moment loses nothing and schedules nothing twice',
    processes: 1,
    deliveries: { full: 3000, short: 300 },
    produceOverMs: { full: 30_000, short: 8_000 },
    async faults(ctx) {
      const kills = ctx.form === 'full' ? 8 : 3;
      for (let i = 0; i < kills; i++) {
        await delay(between(3_000, 6_000));
        ctx.fault('kill -9');
        await ctx.fleet.kill9(0);
        await ctx.fleet.start(0);
      }
    },
  },
  {
    name: 'rolling',
    proves: 'SIGTERM rolling restarts of 3 processes exit in time, lose nothing and schedule nothing twice',
    processes: 3,
    deliveries: { full: 3000, short: 300 },
    produceOverMs: { full: 30_000, short: 8_000 },
    async faults(ctx) {
      const restarts = ctx.form === 'full' ? 9 : 3;
      for (let i = 0; i < restarts; i++) {
        const slot = i % ctx.fleet.size;
        await delay(2_000);
        ctx.fault(`SIGTERM engine ${slot}`);
        await ctx.fleet.terminate(slot);
        const next = await ctx.fleet.start(slot);
        await next.waitReady(60_000);
      }
    },
  },
  {
    name: 'zombie',
    proves:
      'a process frozen (SIGSTOP) past the session timeout and then resumed cannot commit over its successor',
    processes: 3,
    deliveries: { full: 3000, short: 300 },
    produceOverMs: { full: 60_000, short: 10_000 },
    async faults(ctx) {
      const freezes = ctx.form === 'full' ? 6 : 2;
      for (let i = 0; i < freezes; i++) {
        const slot = i % ctx.fleet.size;
        await delay(2_000);
        ctx.fault(`SIGSTOP engine ${slot} for 10 s`);
        ctx.fleet.signal(slot, 'SIGSTOP');
        // Longer than KRETRY_SESSION_TIMEOUT (6 s): the group moves its partitions meanwhile.
        await delay(10_000);
        ctx.fleet.signal(slot, 'SIGCONT');
        await delay(4_000);
      }
    },
  },
  {
    name: 'broker',
    proves: 'the engine recovers by itself from a broker killed with SIGKILL and restarted 8 s later',
    processes: 1,
    deliveries: { full: 3000, short: 300 },
    // All produced before the outage: the runner's own sends are not what is under test.
    produceOverMs: { full: 0, short: 0 },
    async faults(ctx) {
      const outages = ctx.form === 'full' ? 2 : 1;
      for (let i = 0; i < outages; i++) {
        await delay(3_000);
        ctx.fault('kill -9 broker');
        await ctx.stack.killBroker();
        await delay(8_000);
        await ctx.stack.bringUp();
        ctx.log('broker back');
        await delay(5_000);
      }
    },
  },
  {
    name: 'registry',
    proves:
      'a registry restart keeps every schema, neither stops the engine nor dead-letters valid records, and a process started afterwards decodes older records',
    processes: 2,
    deliveries: { full: 3000, short: 300 },
    // All produced before the restart, so the process started after it has older records to read.
    produceOverMs: { full: 0, short: 0 },
    async faults(ctx) {
      await delay(1_000);
      ctx.fault('registry restart');
      await ctx.stack.stopRegistry();
      await delay(5_000);
      await ctx.stack.bringUp();
      ctx.log('registry back');
      await ctx.checkSchemas();
      // A process that starts now must read records written under the schema ids from before.
      ctx.fault('SIGTERM engine 0 (fresh process after the restart)');
      await ctx.fleet.terminate(0);
      await (await ctx.fleet.start(0)).waitReady(60_000);
    },
  },
  {
    name: 'ooo',
    proves:
      'finishing far out of order (latency 10–2,000 ms, look-ahead 2,000, concurrency 200) never wedges a partition',
    processes: 1,
    // A burst onto few partitions: retries of deliveries produced within the same instant fall due
    // in jitter order, not offset order, so the finished offsets above the commit point fragment.
    deliveries: { full: 6000, short: 800 },
    env: {
      KRETRY_TIER_LOOKAHEAD: '2000',
      KRETRY_CONCURRENCY: '200',
      // Far out of order needs many requests in flight per endpoint, not the default 16.
      KRETRY_ENDPOINT_MAX_CONCURRENCY: '200',
      KRETRY_PARTITIONS: '2',
    },
    latencyMs: [10, 2_000],
    produceOverMs: { full: 0, short: 0 },
    async faults() {
      // The fault is the receiver's latency; the final SIGTERM checks the drain under it.
    },
  },
  {
    name: 'bigbodies',
    proves: 'bodies near KRETRY_MAX_BODY_BYTES never produce a batch over the topic max.message.bytes',
    processes: 1,
    deliveries: { full: 1500, short: 300 },
    env: { KRETRY_MAX_BODY_BYTES: '60000' },
    bodyBytes: 58_000,
    topicConfigs: { 'max.message.bytes': '262144' },
    // A burst, so a commit carries the outputs of many finished records.
    produceOverMs: { full: 0, short: 0 },
    async faults() {
      // The fault is the size: every commit carries several bodies of ~58 KB.
    },
  },
];

export function scenarioNamed(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
