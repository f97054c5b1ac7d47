import { randomUUID } from 'node:crypto';
import Table from 'cli-table3';
import type { Consumer } from 'kafkajs';
import { stateOf } from '../api/views.js';
import { formatDuration } from '../domain/duration.js';
import { createTopics } from '../kafka/create-topics.js';
import { PARTITIONER, createKafka } from '../kafka/kafka-client.js';
import { topicSpecs, topology } from '../kafka/topology.js';
import { registerCodecs } from '../kafka/codecs.js';
import { createRegistryClient } from '../kafka/value-codec.js';
import { createLogger } from '../observability/logger.js';
import { startEngine, type ConnectedConfig } from '../roles/engine.js';
import { DESCRIPTIONS, PERSONALITIES, startDemoReceiver, type Personality } from './receiver.js';

export interface DemoOptions {
  readonly deliveries: number;
  /** How long the flaky endpoint answers 500. */
  readonly flakyForMs: number;
  /** Give up (exit 1) when not settled by then. */
  readonly timeoutMs: number;
  /** Keep the engine and its admin API running after everything settled, until interrupted. */
  readonly stay: boolean;
  readonly out: NodeJS.WritableStream & { isTTY?: boolean };
  readonly signal?: AbortSignal;
}

interface Row {
  sent: number;
  delivered: number;
  dead: number;
  attempts: number;
  skips: number;
}

const endpointOf = (p: Personality): string => `demo-${p}`;

/**
 * `kretry demo` / `npm run demo`: the engine on its own topics (prefix `demo-<time>.`, tiers 1s, 2s,
 * 4s), a local receiver with four personalities, a few hundred deliveries, live progress until every
 * delivery is delivered or dead-lettered, then where to look next.
 */
export async function runDemo(config: ConnectedConfig, options: DemoOptions): Promise<boolean> {
  const { out } = options;
  const say = (line = ''): void => void out.write(`${line}\n`);
  const logger = createLogger('error');
  const kafka = createKafka(config.brokers, logger);
  const admin = kafka.admin();
  await admin.connect();
  const names = topology(config);
  const consumers: Consumer[] = [];
  const receiver = await startDemoReceiver({ flakyForMs: options.flakyForMs });
  let engine: Awaited<ReturnType<typeof startEngine>> | undefined;
  try {
    say(
      `Creating the demo topics (prefix ${config.topicPrefix}, tiers ${config.tiers.map((t) => formatDuration(t)).join(', ')})…`,
    );
    await createTopics(admin, topicSpecs(config), { partitions: config.partitions, replicationFactor: 1 });
    const codecs = await registerCodecs(createRegistryClient(config.schemaRegistryUrl), names);
    say('Starting the engine (dispatcher, tiers, projection, admin API)…');
    engine = await startEngine(config, logger, { defaultMetrics: true });
    say(`Admin API while the demo runs: ${engine.apiUrl ?? '-'}/endpoints  (and /metrics, /stats)`);
    say(`Receiver endpoints:`);
    for (const p of PERSONALITIES) say(`  ${endpointOf(p).padEnd(13)} ${DESCRIPTIONS[p]}`);

    const rows = new Map<string, Row>(
      PERSONALITIES.map((p) => [endpointOf(p), { sent: 0, delivered: 0, dead: 0, attempts: 0, skips: 0 }]),
    );
    const follow = async (topic: string, onValue: (value: Buffer) => Promise<void>): Promise<void> => {
      const consumer = kafka.consumer({ groupId: `kretry-demo-${randomUUID()}`, maxWaitTimeInMs: 200 });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          if (message.value !== null) await onValue(message.value);
        },
      });
    };
    await follow(names.attempts, async (value) => {
      const a = await codecs.attempts.decode(value);
      const row = rows.get(a.endpointId);
      if (row === undefined || a.operatorAction !== null) return;
      if (a.outcome === 'skipped') row.skips++;
      else row.attempts++;
      if (a.outcome === 'success') row.delivered++;
    });
    await follow(names.dlq, async (value) => {
      const d = await codecs.dlq.decode(value);
      const row = d.request === null ? undefined : rows.get(d.request.endpointId);
      if (row !== undefined) row.dead++;
    });

    const producer = kafka.producer({ createPartitioner: PARTITIONER, idempotent: true });
    await producer.connect();
    const messages = Array.from({ length: options.deliveries }, (_, i) => {
      const personality = PERSONALITIES[i % PERSONALITIES.length] as Personality;
      const endpointId = endpointOf(personality);
      const row = rows.get(endpointId);
      if (row !== undefined) row.sent++;
      return {
        key: endpointId,
        value: codecs.ingest.encode({
          deliveryId: `msg_demo_${i}_${randomUUID().slice(0, 8)}`,
          endpointId,
          url: `${receiver.baseUrl}/${personality}`,
          method: 'POST',
          headers: {},
          body: Buffer.from(JSON.stringify({ type: 'demo.event', n: i })),
          contentType: 'application/json',
          createdAt: Date.now(),
          policy: null,
        }),
      };
    });
    // In waves over a few seconds, as traffic comes: later deliveries meet open circuits and the
    // disabled endpoint instead of all arriving before the first failure is folded.
    const started = Date.now();
    const waves = 10;
    const sending = (async () => {
      const size = Math.ceil(messages.length / waves);
      for (let i = 0; i < messages.length; i += size) {
        await producer.send({ topic: names.ingest, messages: messages.slice(i, i + size) });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await producer.disconnect();
    })();
    say(`Sending ${options.deliveries} deliveries to ${names.ingest} in ${waves} waves, 0.5 s apart.`);
    say();

    const settled = (): boolean => [...rows.values()].every((r) => r.delivered + r.dead >= r.sent);
    const render = (): string => {
      const t = new Table({
        head: [
          'endpoint',
          'sent',
          'delivered',
          'retrying',
          'dead',
          'attempts',
          'skipped (circuit open)',
          'state',
        ],
        style: { head: [], border: [] },
      });
      for (const [id, r] of rows) {
        const state = stateOf(engine?.endpointHealth(id), engine?.endpointConfig(id));
        t.push([
          id,
          r.sent,
          r.delivered,
          Math.max(0, r.sent - r.delivered - r.dead),
          r.dead,
          r.attempts,
          r.skips,
          state,
        ]);
      }
      return `${t.toString()}\n${((Date.now() - started) / 1000).toFixed(0)} s`;
    };
    let lastLines = 0;
    let lastPrint = 0;
    while (!settled() && Date.now() - started < options.timeoutMs && options.signal?.aborted !== true) {
      if (out.isTTY === true) {
        const text = render();
        out.write(`${lastLines > 0 ? `\x1b[${lastLines}A\x1b[0J` : ''}${text}\n`);
        lastLines = text.split('\n').length;
      } else if (Date.now() - lastPrint >= 5_000) {
        say(render());
        lastPrint = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await sending;
    const ok = settled();
    const final = render();
    out.write(`${out.isTTY === true && lastLines > 0 ? `\x1b[${lastLines}A\x1b[0J` : ''}${final}\n`);
    say();
    say(
      ok
        ? `Settled in ${((Date.now() - started) / 1000).toFixed(0)} s: every delivery was delivered or dead-lettered.`
        : 'Not settled before the time limit; the table above shows what is still retrying.',
    );
    const tiers = config.tiers.map((t) => formatDuration(t)).join(',');
    say();
    say('Where to look next (the demo topics stay; these commands read them):');
    say(`  export KRETRY_TOPIC_PREFIX=${config.topicPrefix} KRETRY_TIERS=${tiers}`);
    say('  npx kretry dlq stats                       # dead letters by reason, endpoint, status, age');
    say('  npx kretry dlq tail --endpoint demo-gone   # each one decoded, with its attempts');
    say('  npx kretry endpoints                       # health: state, failure rate, circuit');
    say('  npx kretry endpoints enable demo-gone && npx kretry redrive --endpoint demo-gone --dry-run');
    say('  npm start                                  # the engine on these topics, then:');
    say('  curl localhost:8080/metrics; curl localhost:8080/endpoints; curl localhost:8080/stats');
    if (options.stay && options.signal?.aborted !== true) {
      say();
      say(
        `The engine keeps running: ${engine.apiUrl ?? ''}/metrics, ${engine.apiUrl ?? ''}/stats. Ctrl-C stops it.`,
      );
      await new Promise<void>((resolve) => {
        if (options.signal === undefined) return;
        options.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return ok;
  } finally {
    await Promise.all(consumers.map((c) => c.disconnect()));
    await engine?.stop();
    await receiver.close();
    await admin.disconnect();
  }
}
