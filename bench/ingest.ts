/**
 * `npm run bench:ingest`: deliveries accepted per second over HTTP (`POST /deliveries`, and
 * `POST /deliveries:batch` with BENCH_BATCH per request) against the producer path `kretry send`
 * uses (validation, Avro encoding, an idempotent producer's send), side by side in one run, on the
 * same broker and the same producer settings and concurrency. The HTTP side is the admin API's
 * ingest routes alone (no engine): acceptance is what is measured.
 */
import { Agent, request } from 'undici';
import { IngestRoutes } from '../src/api/ingest-routes.js';
import { startApiServer } from '../src/api/server.js';
import { PARTITIONER } from '../src/kafka/kafka-client.js';
import { parseDeliveryInput } from '../src/operator/delivery-input.js';
import { benchSetting, deployment, log } from './support.js';

const SINGLES = Number(benchSetting('BENCH_SINGLES', '20000'));
const BATCHED = Number(benchSetting('BENCH_BATCHED', '100000'));
const BATCH = Number(benchSetting('BENCH_BATCH', '100'));
const CONCURRENCY = Number(benchSetting('BENCH_CONCURRENCY', '32'));
const BATCH_CONCURRENCY = Number(benchSetting('BENCH_BATCH_CONCURRENCY', '4'));

const d = await deployment({});
const ingest = new IngestRoutes({
  kafka: d.kafka,
  topology: d.names,
  codecs: d.codecs,
  maxBodyBytes: d.config.maxBodyBytes,
  now: () => Date.now(),
});
const server = await startApiServer({
  host: '127.0.0.1',
  port: 0,
  token: undefined,
  routes: ingest.routes(),
  logger: d.logger,
});
// The same producer settings as the ingest routes (idempotent, one request in flight).
const direct = d.kafka.producer({
  createPartitioner: PARTITIONER,
  idempotent: true,
  maxInFlightRequests: 1,
  retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
});
await direct.connect();
const agent = new Agent({ connections: Math.max(CONCURRENCY, BATCH_CONCURRENCY), pipelining: 1 });

let sequence = 0;
const delivery = (): Record<string, unknown> => ({
  deliveryId: `bench_${sequence++}`,
  endpointId: `ep-${sequence % 500}`,
  url: 'http://127.0.0.1:9/never',
  body: { n: sequence, padding: 'x'.repeat(40) },
});

/**
 * undici's `request`, not `fetch`: the load comes from this same process, so the client's own cost
 * is charged to the HTTP side; `request` is the lighter of the two (the figure stays a lower bound).
 */
async function post(path: string, body: unknown): Promise<void> {
  const response = await request(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    dispatcher: agent,
  });
  await response.body.dump();
  if (response.statusCode !== 202) throw new Error(`${path} answered ${response.statusCode}`);
}

async function sendDirect(inputs: Record<string, unknown>[]): Promise<void> {
  const now = Date.now();
  const requests = inputs.map((input) => {
    const parsed = parseDeliveryInput(input, now);
    if ('problem' in parsed) throw new Error(parsed.problem);
    return parsed.request;
  });
  await direct.send({
    topic: d.names.ingest,
    messages: requests.map((r) => ({ key: r.endpointId, value: d.codecs.ingest.encode(r) })),
  });
}

/** Runs `total` deliveries through `unit` in groups of `size`, `workers` at a time; deliveries/s. */
async function phase(
  name: string,
  total: number,
  size: number,
  workers: number,
  unit: (group: Record<string, unknown>[]) => Promise<void>,
): Promise<number> {
  let left = Math.ceil(total / size);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (left > 0) {
        left--;
        await unit(Array.from({ length: size }, delivery));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const rate = total / seconds;
  log(`${name}: ${total} in ${seconds.toFixed(1)} s = ${Math.round(rate)}/s`);
  return rate;
}

// Warm both paths (connections, metadata, JIT) before anything is timed.
await phase('warm-up http', 500, 1, CONCURRENCY, (g) => post('/deliveries', g[0]));
await phase('warm-up direct', 500, 1, CONCURRENCY, sendDirect);

// Three rounds, the order of the two sides swapped each round, so neither always runs warmer or
// colder; each figure is the median of its three.
const ROUNDS = Number(benchSetting('BENCH_ROUNDS', '3'));
const rates = {
  httpSingle: [] as number[],
  directSingle: [] as number[],
  httpBatch: [] as number[],
  directBatch: [] as number[],
};
for (let round = 0; round < ROUNDS; round++) {
  const single = [
    async () =>
      rates.httpSingle.push(
        await phase('http single', SINGLES, 1, CONCURRENCY, (g) => post('/deliveries', g[0])),
      ),
    async () => rates.directSingle.push(await phase('direct single', SINGLES, 1, CONCURRENCY, sendDirect)),
  ];
  const batch = [
    async () =>
      rates.httpBatch.push(
        await phase('http batch', BATCHED, BATCH, BATCH_CONCURRENCY, (g) =>
          post('/deliveries:batch', { deliveries: g }),
        ),
      ),
    async () =>
      rates.directBatch.push(await phase('direct batch', BATCHED, BATCH, BATCH_CONCURRENCY, sendDirect)),
  ];
  for (const run of round % 2 === 0 ? single : [...single].reverse()) await run();
  for (const run of round % 2 === 0 ? batch : [...batch].reverse()) await run();
}
const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const httpSingle = median(rates.httpSingle);
const directSingle = median(rates.directSingle);
const httpBatch = median(rates.httpBatch);
const directBatch = median(rates.directBatch);

const result = {
  singles: SINGLES,
  batched: BATCHED,
  batch: BATCH,
  concurrency: CONCURRENCY,
  batchConcurrency: BATCH_CONCURRENCY,
  rounds: ROUNDS,
  httpSinglePerSecond: Math.round(httpSingle),
  directSinglePerSecond: Math.round(directSingle),
  singleRatio: Number((httpSingle / directSingle).toFixed(2)),
  httpBatchPerSecond: Math.round(httpBatch),
  directBatchPerSecond: Math.round(directBatch),
  batchRatio: Number((httpBatch / directBatch).toFixed(2)),
};
process.stdout.write(`${JSON.stringify(result)}\n`);

await agent.close();
await server.close();
await ingest.stop();
await direct.disconnect();
await d.cleanup();
