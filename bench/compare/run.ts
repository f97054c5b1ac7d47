/**
 * `npm run bench:compare`: kretry against the fair ceiling and its peers on one broker and one
 * receiver process, scenario A (throughput) and B (retry lateness, lost, duplicates), each figure
 * the median of BENCH_COMPARE_RUNS runs. Writes <out>/<date>.md, <date>.json and PNG charts;
 * `--finding` runs the kafkajs-async-retry maxWaitTime finding instead. See `--help`.
 */
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Table from 'cli-table3';
import { processEnv } from '../../src/config/env.js';
import { stackOptionsFrom } from '../../src/config/stack-options.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { createLogger } from '../../src/observability/logger.js';
import { stackUp } from '../../src/stack/stack.js';
import { ensureVenv, renderCharts } from './charts.js';
import { findingMarkdown, LIBRARY_MAX_WAIT_MS, runFinding } from './finding.js';
import type { PhaseResult } from './metrics.js';
import { HELP, parseOptions, selected } from './options.js';
import { log, runPhase } from './phase.js';
import { startReceiver } from './receiver-process.js';
import { markdown, tableA, tableB, type Charts } from './report.js';
import { summarize } from './summary.js';
import { allSystems, type HarnessContext } from './systems.js';

const options = parseOptions(process.argv.slice(2));
if (options.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const env = processEnv();
let brokers = env['KRETRY_BROKERS'];
let schemaRegistryUrl = env['KRETRY_SCHEMA_REGISTRY_URL'];
if (brokers === undefined || schemaRegistryUrl === undefined) {
  const stack = await stackUp(stackOptionsFrom(env), log);
  brokers = stack.bootstrap;
  schemaRegistryUrl = stack.registryUrl;
}
const kafka = createKafka(brokers.split(','), createLogger('error'), 'bench-compare');
const admin = kafka.admin();
await admin.connect();
const receiver = await startReceiver();
const ctx: HarnessContext = {
  brokers,
  schemaRegistryUrl,
  kafka,
  admin,
  partitions: options.partitions,
  concurrency: options.concurrency,
};
const date = new Date().toISOString().slice(0, 10);
await mkdir(options.outDir, { recursive: true });

async function shutdown(): Promise<void> {
  await receiver.stop();
  await admin.disconnect();
}

if (options.finding) {
  const finding = await runFinding(ctx, receiver, options.findingSeconds, options.findingMaxWaitMs);
  const suffix =
    options.findingMaxWaitMs === LIBRARY_MAX_WAIT_MS ? '' : `-maxwait-${options.findingMaxWaitMs}`;
  const file = join(options.outDir, `${date}-finding-kafkajs-async-retry${suffix}.md`);
  await writeFile(file, findingMarkdown(date, finding));
  process.stdout.write(
    options.json
      ? `${JSON.stringify(finding, null, 2)}\n`
      : `${findingMarkdown(date, finding)}\nwritten: ${file}\n`,
  );
  await shutdown();
  process.exit(0);
}

const systems = (await allSystems(schemaRegistryUrl)).filter((s) => selected(options, s.name));
if (systems.length === 0) throw new Error('--only selected no system (see --help)');
log(
  `systems: ${systems.map((s) => s.name).join(', ')}; scenarios ${options.scenarios.join(', ')}; runs ${options.runs}`,
);

/**
 * Scenario A's size: every phase lasts at least BENCH_COMPARE_SECONDS, so the count is set by the
 * fastest system, the ceiling, from a short calibration phase (not reported).
 */
async function scenarioACount(): Promise<number> {
  if (options.count !== undefined) return options.count;
  const ceiling = (await allSystems(schemaRegistryUrl ?? '')).find((s) => s.name === 'ceiling');
  if (ceiling === undefined) throw new Error('no ceiling to calibrate with: set BENCH_COMPARE_COUNT');
  const calibration = await runPhase(ctx, receiver, ceiling, {
    run: 0,
    scenario: 'A',
    count: 20_000,
    perSecond: 0,
    stallMs: options.stallMs,
  });
  const count = Math.ceil((calibration.rate * options.seconds * 1.1) / 1000) * 1000;
  log(`calibration: ceiling ${calibration.rate.toFixed(0)}/s → ${count} deliveries per scenario-A phase`);
  return count;
}

const countA = options.scenarios.includes('A') ? await scenarioACount() : 0;
const countB = Math.round(options.bRate * options.seconds);
const results: PhaseResult[] = [];
for (let run = 1; run <= options.runs; run++) {
  // The order rotates from run to run, so a machine that slows down over time (other work on the
  // same cores) does not always hit the same system; ratios stay within one run.
  const order = systems.map((_, i) => systems[(i + run - 1) % systems.length]).filter((s) => s !== undefined);
  for (const scenario of options.scenarios) {
    for (const system of order) {
      if (!system.scenarios.includes(scenario)) continue;
      results.push(
        await runPhase(ctx, receiver, system, {
          run,
          scenario,
          count: scenario === 'A' ? countA : countB,
          perSecond: options.bRate,
          stallMs: options.stallMs,
        }),
      );
    }
  }
}

const rows = summarize(results);
let charts: Charts = {};
if (options.charts) {
  try {
    const python = await ensureVenv(options.venv, log);
    charts = await renderCharts(python, options.outDir, date, rows, results);
    await unlink(join(options.outDir, `${date}.plot.json`)).catch(() => undefined);
  } catch (error) {
    log(`charts skipped: ${error instanceof Error ? error.message : String(error)}`);
  }
}
const settings = {
  date,
  runs: options.runs,
  seconds: options.seconds,
  concurrency: options.concurrency,
  partitions: options.partitions,
  bRate: options.bRate,
  systems: systems.map((s) => s.name),
};
const mdFile = join(options.outDir, `${date}.md`);
await writeFile(mdFile, markdown(settings, rows, results, charts));
await writeFile(join(options.outDir, `${date}.json`), JSON.stringify({ settings, rows, results }, null, 1));

if (options.json) {
  process.stdout.write(`${JSON.stringify({ settings, rows, charts }, null, 2)}\n`);
} else {
  for (const [title, table] of [
    ['Scenario A', tableA(rows)],
    ['Scenario B', tableB(rows)],
  ] as const) {
    const [head, ...body] = table;
    if (body.length === 0 || head === undefined) continue;
    const t = new Table({ head: [...head], style: { head: [], border: [] } });
    t.push(...body.map((r) => [...r]));
    process.stdout.write(`${title}\n${t.toString()}\n`);
  }
  process.stdout.write(`written: ${mdFile}\n`);
}
await shutdown();
process.exit(0);
