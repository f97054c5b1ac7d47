import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AttemptRecordedValue,
  DeadLetterValue,
  ScheduledAttemptValue,
} from '../../../src/kafka/records.js';
import { waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';

/** One request as the shaping receiver saw it. */
interface Seen {
  readonly id: string;
  readonly path: string;
  readonly at: number;
  /** Requests to the same path in flight when it arrived, itself included. */
  readonly inFlight: number;
  /** Requests to the same path answered since `mark(path)`, when it arrived. */
  readonly answeredSinceMark: number;
  readonly status: number;
}

type Behaviour = (inFlight: number) => { status: number; delayMs: number };

/**
 * A real HTTP receiver that counts requests in flight per path and answers by a per-path rule of
 * that count: what a receiver with limited capacity does.
 */
class ShapingReceiver {
  readonly seen: Seen[] = [];
  readonly #behaviour = new Map<string, Behaviour>();
  readonly #inFlight = new Map<string, number>();
  readonly #answered = new Map<string, number>();
  readonly #marks = new Map<string, number>();
  #server: Server | undefined;

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        const inFlight = (this.#inFlight.get(path) ?? 0) + 1;
        this.#inFlight.set(path, inFlight);
        const answered = this.#answered.get(path) ?? 0;
        const rule = this.#behaviour.get(path) ?? (() => ({ status: 200, delayMs: 0 }));
        const { status, delayMs } = rule(inFlight);
        const id =
          (JSON.parse(Buffer.concat(chunks).toString() || '{}') as { deliveryId?: string }).deliveryId ?? '';
        this.seen.push({
          id,
          path,
          at: Date.now(),
          inFlight,
          answeredSinceMark: answered - (this.#marks.get(path) ?? 0),
          status,
        });
        setTimeout(() => {
          this.#inFlight.set(path, (this.#inFlight.get(path) ?? 1) - 1);
          this.#answered.set(path, (this.#answered.get(path) ?? 0) + 1);
          res.writeHead(status).end();
        }, delayMs);
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.#server?.address() as AddressInfo).port}${path}`;
  }

  behave(path: string, rule: Behaviour): void {
    this.#behaviour.set(path, rule);
  }

  /** From now on `answeredSinceMark` counts from zero for `path`. */
  mark(path: string): void {
    this.#marks.set(path, this.#answered.get(path) ?? 0);
  }

  deliveredIds(path: string): Set<string> {
    return new Set(this.seen.filter((s) => s.path === path && s.status < 300).map((s) => s.id));
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

async function putConfig(fx: EngineFixture, endpointId: string, body: unknown): Promise<void> {
  const response = await fetch(`${fx.engine?.apiUrl ?? ''}/endpoints/${endpointId}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

async function sendMany(fx: EngineFixture, receiver: ShapingReceiver, endpointId: string, count: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push(await fx.send({ endpointId, url: receiver.url(`/${endpointId}`) }));
  return ids;
}

describe('traffic shaping per endpoint (real broker)', () => {
  let receiver: ShapingReceiver;
  let fx: EngineFixture;
  let attempts: TopicReader<AttemptRecordedValue>;
  let dlq: TopicReader<DeadLetterValue>;

  beforeAll(async () => {
    receiver = new ShapingReceiver();
    await receiver.start();
    // One partition: every endpoint of the test shares it, so holding one back would show.
    fx = await startEngineFixture({ KRETRY_TIERS: '1s,2s,4s', KRETRY_PARTITIONS: '1' });
    attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
    dlq = fx.read(fx.topology.dlq, fx.codecs.dlq);
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  it('rate limit: the hot endpoint gets at most its rate, the others on its partition are not held back', async () => {
    await putConfig(fx, 'hot', { rateLimit: '10/s,1' });
    await waitFor(() => fx.engine?.endpointConfig('hot')?.rateLimit != null, {
      what: 'the rate limit read back',
    });
    const hot = await sendMany(fx, receiver, 'hot', 40);
    const cold = await sendMany(fx, receiver, 'cold', 40);
    await waitFor(
      () =>
        receiver.deliveredIds('/hot').size === hot.length &&
        receiver.deliveredIds('/cold').size === cold.length,
      { what: 'every hot and cold delivery', timeoutMs: 60_000 },
    );
    const hotTimes = receiver.seen.filter((s) => s.path === '/hot').map((s) => s.at);
    const coldTimes = receiver.seen.filter((s) => s.path === '/cold').map((s) => s.at);
    expect(hotTimes).toHaveLength(hot.length); // each once: nothing attempted twice
    // Within any second: at most the burst plus one second's rate (one more for the window's edges).
    for (const start of hotTimes) {
      const inWindow = hotTimes.filter((t) => t >= start && t < start + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(1 + 10 + 1);
    }
    // The cold endpoint, produced after the hot one on the same partition, finished first.
    expect(Math.max(...coldTimes)).toBeLessThan(Math.max(...hotTimes));
    const deferred = attempts.values.filter((a) => a.endpointId === 'hot' && a.errorClass === 'rate_limited');
    expect(deferred.length).toBeGreaterThan(0);
    expect(dlq.values.filter((d) => d.request?.endpointId === 'hot')).toEqual([]);
  });

  it('adaptive concurrency: a receiver that answers 429 above 5 in flight sees the limit settle near 5, nothing lost', async () => {
    receiver.behave('/cap5', (inFlight) =>
      inFlight > 5 ? { status: 429, delayMs: 0 } : { status: 200, delayMs: 30 },
    );
    const metric = fx.engine?.metrics.registry.getSingleMetric('kretry_endpoint_concurrency');
    if (metric === undefined) throw new Error('kretry_endpoint_concurrency is not registered');
    const limits: number[] = [];
    const sample = async () => {
      const value = (await metric.get()).values.find((v) => v.labels.endpoint === 'cap5')?.value;
      if (value !== undefined) limits.push(value);
    };
    // The limit as the engine exports it, read at every request the receiver gets.
    receiver.behave('/cap5', (inFlight) => {
      void sample();
      return inFlight > 5 ? { status: 429, delayMs: 0 } : { status: 200, delayMs: 30 };
    });
    const ids = await sendMany(fx, receiver, 'cap5', 300);
    await waitFor(() => receiver.deliveredIds('/cap5').size === ids.length, {
      what: 'every cap5 delivery',
      timeoutMs: 90_000,
    });
    const settled = limits.slice(Math.floor(limits.length / 2));
    const mean = settled.reduce((a, b) => a + b, 0) / settled.length;
    expect(settled.length).toBeGreaterThan(5);
    expect(mean).toBeGreaterThanOrEqual(3);
    expect(mean).toBeLessThanOrEqual(7);
    const seen = receiver.seen.filter((s) => s.path === '/cap5');
    const rejected = seen.filter((s) => s.status === 429).length;
    // Far fewer than a fixed limit of 16 would draw (about 11 of every 16 requests).
    expect(rejected / seen.length).toBeLessThan(0.5);
    expect(dlq.values.filter((d) => d.request?.endpointId === 'cap5')).toEqual([]);
    const t0 = seen[0]?.at ?? 0;
    const bins: Record<number, string> = {};
    for (const s of seen)
      bins[Math.floor((s.at - t0) / 1000)] =
        (bins[Math.floor((s.at - t0) / 1000)] ?? '') + String(Math.min(9, s.inFlight));
     
    console.log(JSON.stringify(bins));
    const deferred = attempts.values.filter((a) => a.endpointId === 'hot' && a.errorClass === 'rate_limited');
    expect(deferred.length).toBeGreaterThan(0);
    expect(dlq.values.filter((d) => d.request?.endpointId === 'hot')).toEqual([]);
  });

  it('adaptive concurrency: a receiver that answers 429 above 5 in flight sees the limit settle near 5, nothing lost', async () => {
    receiver.behave('/cap5', (inFlight) =>
      inFlight > 5 ? { status: 429, delayMs: 0 } : { status: 200, delayMs: 30 },
    );
    const metric = fx.engine?.metrics.registry.getSingleMetric('kretry_endpoint_concurrency');
    if (metric === undefined) throw new Error('kretry_endpoint_concurrency is not registered');
    const limits: number[] = [];
    const sample = async () => {
      const value = (await metric.get()).values.find((v) => v.labels.endpoint === 'cap5')?.value;
      if (value !== undefined) limits.push(value);
    };
    // The limit as the engine exports it, read at every request the receiver gets.
    receiver.behave('/cap5', (inFlight) => {
      void sample();
      return inFlight > 5 ? { status: 429, delayMs: 0 } : { status: 200, delayMs: 30 };
    });
    const ids = await sendMany(fx, receiver, 'cap5', 300);
    await waitFor(() => receiver.deliveredIds('/cap5').size === ids.length, {
      what: 'every cap5 delivery',
      timeoutMs: 90_000,
    });
    const settled = limits.slice(Math.floor(limits.length / 2));
    const mean = settled.reduce((a, b) => a + b, 0) / settled.length;
    expect(settled.length).toBeGreaterThan(5);
    expect(mean).toBeGreaterThanOrEqual(3);
    expect(mean).toBeLessThanOrEqual(7);
    const seen = receiver.seen.filter((s) => s.path === '/cap5');
    const rejected = seen.filter((s) => s.status === 429).length;
    // Far fewer than a fixed limit of 16 would draw (about 11 of every 16 requests).
    expect(rejected / seen.length).toBeLessThan(0.5);
    expect(dlq.values.filter((d) => d.request?.endpointId === 'cap5')).toEqual([]);
    const t0 = seen[0]?.at ?? 0;
    const bins: Record<number, string> = {};
    for (const s of seen)
      bins[Math.floor((s.at - t0) / 1000)] =
        (bins[Math.floor((s.at - t0) / 1000)] ?? '') + String(Math.min(9, s.inFlight));
     
    console.log(JSON.stringify(bins));
    {
      const t0 = seen[0]?.at ?? 0;
      const bins: Record<number, string> = {};
      for (const x of seen) {
        const b = Math.floor((x.at - t0) / 1000);
        bins[b] = (bins[b] ?? '') + String(Math.min(9, x.inFlight));
      }
      process.stderr.write(`DEBUG ${JSON.stringify(bins)}\n`);
    }
    const deferred = attempts.values.filter(
      (a) => a.endpointId === 'cap5' && a.errorClass === 'concurrency_limited',
    ).length;
     
    console.log(
      `cap5: limit samples ${limits.length}, settled mean ${mean.toFixed(2)}, 429s ${rejected}/${seen.length}, deferred ${deferred}, ${((seen.at(-1)?.at ?? 0) - (seen[0]?.at ?? 0)) / 1000}s`,
    );
  });

  it('backoff: an endpoint fixed at 1.5 s waits exactly that; a delivery of its own 6 s is carried in hops', async () => {
    receiver.behave(
      '/fixed',
      (() => {
        let n = 0;
        return () => ({ status: n++ === 0 ? 500 : 200, delayMs: 0 });
      })(),
    );
    await putConfig(fx, 'fixed', { backoff: { kind: 'fixed', delay: '1500ms', jitter: 0 } });
    await waitFor(() => fx.engine?.endpointConfig('fixed')?.backoff != null, {
      what: 'the strategy read back',
    });
    const fixedId = await fx.send({ endpointId: 'fixed', url: receiver.url('/fixed') });
    const customId = await fx.send({
      endpointId: 'fixed',
      url: receiver.url('/custom'),
      backoff: {
        kind: 'custom',
        baseMs: null,
        multiplier: null,
        maxMs: null,
        stepMs: null,
        delayMs: null,
        delaysMs: [6000],
        jitter: 0,
      },
    });
    receiver.behave(
      '/custom',
      (() => {
        let n = 0;
        return () => ({ status: n++ === 0 ? 503 : 200, delayMs: 0 });
      })(),
    );
    const recorded = await attempts.until(
      (values) =>
        [fixedId, customId].every((id) => values.some((a) => a.deliveryId === id && a.outcome === 'success')),
      'both delivered on their second attempt',
      60_000,
    );
    const gap = (id: string) => {
      const [first, second] = recorded
        .filter((a) => a.deliveryId === id)
        .sort((a, b) => a.attempt - b.attempt);
      if (first === undefined || second === undefined) throw new Error(`two attempts of ${id}`);
      return { first, second, ms: second.eventTime - first.eventTime };
    };
    const fixed = gap(fixedId);
    expect(fixed.ms).toBeGreaterThanOrEqual(1500);
    expect(fixed.first.nextTier).toBe('retry-2s'); // 1.5 s is inside retry-2s's ±25 % band
    const custom = gap(customId);
    expect(custom.ms).toBeGreaterThanOrEqual(6000);
    expect(custom.first.nextDueAt).toBeGreaterThanOrEqual(custom.first.eventTime + 6000);
    // Longer than retry-4s's band (3–5 s): a leg on retry-4s with the rest of the wait, then one more.
    const tier4 = fx.topology.tiers[2];
    const codec4 = fx.codecs.tiers[2];
    if (tier4 === undefined || codec4 === undefined) throw new Error('no retry-4s');
    const legs: TopicReader<ScheduledAttemptValue> = fx.read(tier4.topic, codec4);
    const [leg] = await legs
      .until((values) => values.some((v) => v.request.deliveryId === customId), 'the first leg on retry-4s')
      .then((values) => values.filter((v) => v.request.deliveryId === customId));
    expect(leg?.notBefore).not.toBeNull();
    expect((leg?.dueAt ?? 0) - (leg?.scheduledAt ?? 0)).toBeLessThanOrEqual(5000);
  });
});

describe('slow start after recovery (real broker)', () => {
  let receiver: ShapingReceiver;
  let fx: EngineFixture;

  beforeAll(async () => {
    receiver = new ShapingReceiver();
    await receiver.start();
    fx = await startEngineFixture({
      KRETRY_TIERS: '1s,2s',
      KRETRY_PARTITIONS: '1',
      KRETRY_JITTER: '0',
      KRETRY_BREAKER_CONSECUTIVE_FAILURES: '3',
      KRETRY_BREAKER_OPEN_FOR: '2s',
    });
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  it('after the circuit closes, requests in flight grow with successes instead of jumping to the limit', async () => {
    let up = false;
    receiver.behave('/flaky', () => (up ? { status: 200, delayMs: 150 } : { status: 500, delayMs: 0 }));
    const first = await sendMany(fx, receiver, 'flaky', 5);
    await waitFor(() => fx.engine?.endpointHealth('flaky')?.circuit === 'open', { what: 'the circuit open' });
    // The backlog: skipped while the circuit is open, so it is due in bursts on the tiers.
    const backlog = await sendMany(fx, receiver, 'flaky', 60);
    receiver.mark('/flaky');
    up = true;
    const recoveredAt = Date.now();
    await waitFor(() => receiver.deliveredIds('/flaky').size === first.length + backlog.length, {
      what: 'every flaky delivery after recovery',
      timeoutMs: 90_000,
    });
    const after = receiver.seen.filter((s) => s.path === '/flaky' && s.at >= recoveredAt);
    // Slow start: each request starts while in flight ≤ 1 + the successes since recovery (the
    // first is the probe). A limit that jumped back to 16 would start the second before any answer.
    for (const s of after) expect(s.inFlight).toBeLessThanOrEqual(1 + s.answeredSinceMark);
    // …and it does ramp up.
    expect(Math.max(...after.map((s) => s.inFlight))).toBeGreaterThan(2);
  });
});
