/**
 * `npm run bench:scale`: kretry scaled out over 1, 2 and 4 engine processes (`kretry start`
 * children, every default role) on 12 partitions, against one receiver in its own process.
 *
 * - Phase A, first-attempt throughput: a backlog of BENCH_SCALE_COUNT deliveries, all answered
 *   200; deliveries/s from the first request to the last at the receiver.
 * - Phase B, retry lateness: another backlog of which 30 % fail their first attempt once
 *   (KRETRY_TIERS=1s,2s,4s, ±25 % jitter); due → attempt start of every retry, from the attempts
 *   topic; requests/s over the phase; lost and duplicate deliveries at the receiver.
 *
 * Throughout: CPU seconds (utime + stime from /proc) of every engine, the broker's JVM, the
 * registry, the receiver and this process; peak RSS; the whole machine's busy share; broker
 * connections per engine; dispatcher transactions (commit markers on ingest-dedupe).
 *
 * Phase C, transaction cost without HTTP: back-to-back transactions of one record and its offsets
 * per partition, with one producer per partition (kretry today) and with one producer for all
 * partitions (the shape a KIP-447 client allows); broker and client CPU per transaction. When
 * `@confluentinc/kafka-javascript` can be found (BENCH_SCALE_CKJS_DIR, or installed with
 * `--no-save`), phase C runs again with it, its offsets sent with the group generation (KIP-447).
 *
 * BENCH_SCALE_COUNT (30000), BENCH_SCALE_PROCESSES (1,2,4), BENCH_SCALE_PARTITIONS (12),
 * BENCH_SCALE_RUNS (1; several print the median and range of each figure), BENCH_SCALE_TXN_SECONDS
 * (10 per shape; 0 skips phase C), BENCH_SCALE_KEEP_TOPICS
 * (false). `--json` prints the raw results of every run to stdout and the tables to stderr. Progress goes to stderr.
 */
// First: kafkajs's aborted-record filter must be replaced before kafkajs loads.
import '../src/kafka/kafkajs-read-committed.js';
import { processEnv } from '../src/config/env.js';
import { stackOptionsFrom } from '../src/config/stack-options.js';
import { createKafka } from '../src/kafka/kafka-client.js';
import { createLogger } from '../src/observability/logger.js';
import { kafkaProcess } from '../src/stack/kafka-node.js';
import { stackLayout } from '../src/stack/layout.js';
import { delay, runningPid } from '../src/stack/processes.js';
import { registryProcess } from '../src/stack/registry-node.js';
import { stackUp } from '../src/stack/stack.js';
import { ProcSampler } from './scale/proc-sampler.js';
import { startScaleReceiver } from './scale/receiver-process.js';
import { renderTables } from './scale/report.js';
import { runFleet, type FleetResult } from './scale/run-fleet.js';
import { measureTxnCost, type TxnShapeResult } from './scale/txn-cost.js';
import { loadCkjs, measureTxnCostCkjs } from './scale/txn-cost-ckjs.js';
import { benchSetting, log } from './support.js';

const COUNT = Number(benchSetting('BENCH_SCALE_COUNT', '30000'));
const PARTITIONS = Number(benchSetting('BENCH_SCALE_PARTITIONS', '12'));
const PROCESSES = benchSetting('BENCH_SCALE_PROCESSES', '1,2,4').split(',').map(Number);
const RUNS = Number(benchSetting('BENCH_SCALE_RUNS', '1'));
const TXN_SECONDS = Number(benchSetting('BENCH_SCALE_TXN_SECONDS', '10'));
const TIERS = '1s,2s,4s';
const json = process.argv.includes('--json');

for (const n of [COUNT, PARTITIONS, RUNS, ...PROCESSES])
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench:scale: ${n} is not a positive integer`);

const env = processEnv();
let bootstrap = env['KRETRY_BROKERS'];
let registryUrl = env['KRETRY_SCHEMA_REGISTRY_URL'];
const others = new Map<string, number>();
if (bootstrap === undefined || registryUrl === undefined) {
  // The local stack: its pid files say which processes are the broker and the registry.
  const options = stackOptionsFrom(env);
  const stack = await stackUp(options, log);
  bootstrap = stack.bootstrap;
  registryUrl = stack.registryUrl;
  const layout = stackLayout(options);
  const brokerPid = runningPid(kafkaProcess(layout));
  const registryPid = runningPid(registryProcess(layout));
  if (brokerPid !== undefined) others.set('broker', brokerPid);
  if (registryPid !== undefined) others.set('registry', registryPid);
} else {
  log('KRETRY_BROKERS is set: the broker is not ours to watch, so its CPU is not measured');
}

/**
 * The shared broker also serves whoever else uses it; its CPU over a few seconds with none of this
 * benchmark's load says how much of the broker figures is background.
 */
async function brokerBackground(seconds: number): Promise<number | undefined> {
  const pid = others.get('broker');
  if (pid === undefined) return undefined;
  const sampler = new ProcSampler();
  sampler.watch('broker', pid);
  const from = sampler.mark();
  await delay(seconds * 1000);
  const usage = sampler.since(from);
  const cpu = usage.cpuSeconds['broker'];
  return cpu === undefined ? undefined : cpu / usage.seconds;
}

const backgroundBefore = await brokerBackground(5);
log(`broker CPU with none of this benchmark's load: ${backgroundBefore?.toFixed(2) ?? 'n/a'} cores`);
const kafka = createKafka(bootstrap.split(','), createLogger('error'), 'kretry-bench-scale');
const receiver = await startScaleReceiver();
const results: FleetResult[] = [];
try {
  // Runs interleave (1, 2, 4, 1, 2, 4, …) so a burst of load from others on the machine does not
  // land on one fleet size only.
  for (let run = 1; run <= RUNS; run++)
    for (const processes of PROCESSES) {
      log(`run ${run} of ${RUNS}: ${processes} process(es)`);
      results.push(
        await runFleet(processes, kafka, receiver, {
          bootstrap,
          registryUrl,
          partitions: PARTITIONS,
          tiers: TIERS,
          count: COUNT,
          others,
          keepTopics: benchSetting('BENCH_SCALE_KEEP_TOPICS', 'false') === 'true',
          log,
        }),
      );
    }
} finally {
  await receiver.stop();
}
const backgroundAfter = await brokerBackground(5);
log(`broker CPU with none of this benchmark's load: ${backgroundAfter?.toFixed(2) ?? 'n/a'} cores`);
let txnCost: TxnShapeResult[] = [];
if (TXN_SECONDS > 0) {
  log(`transaction cost: ${PARTITIONS} partitions, ${TXN_SECONDS} s per shape`);
  txnCost = await measureTxnCost(kafka, `scale-txn.`, PARTITIONS, TXN_SECONDS, others.get('broker'));
}
// The same with librdkafka, a KIP-447 client, when it is installed (not a kretry dependency).
let txnCostCkjs: TxnShapeResult[] = [];
const ckjs = TXN_SECONDS > 0 ? loadCkjs(env['BENCH_SCALE_CKJS_DIR']) : undefined;
if (ckjs === undefined)
  log('@confluentinc/kafka-javascript is not installed: phase C runs with kafkajs only');
else {
  log(
    `transaction cost with @confluentinc/kafka-javascript: ${PARTITIONS} partitions, ${TXN_SECONDS} s per shape`,
  );
  txnCostCkjs = await measureTxnCostCkjs(
    ckjs,
    kafka,
    bootstrap,
    'scale-txn.',
    PARTITIONS,
    TXN_SECONDS,
    others.get('broker'),
  );
}

// With --json the raw results go to stdout and the tables to stderr, so one run gives both.
if (json) {
  process.stdout.write(
    `${JSON.stringify(
      {
        count: COUNT,
        partitions: PARTITIONS,
        tiers: TIERS,
        brokerBackgroundCores: [backgroundBefore, backgroundAfter],
        txnCostCkjs,
        results,
        txnCost,
      },
      null,
      2,
    )}\n`,
  );
  process.stderr.write(renderTables(results, txnCost, [backgroundBefore, backgroundAfter], txnCostCkjs));
} else process.stdout.write(renderTables(results, txnCost, [backgroundBefore, backgroundAfter], txnCostCkjs));
