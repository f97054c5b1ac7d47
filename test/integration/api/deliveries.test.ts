import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptRecordedValue } from '../../../src/kafka/records.js';
import { cliEnv, runCli } from '../harness/cli.js';
import { waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture, type TopicReader } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

interface DeliveryJson {
  deliveryId: string;
  state: string;
  scheduled: { tier: string; dueAt: string } | null;
  dead: { reason: string; at: string } | null;
  attempts: { attempt: number; status: number | null; tier: string; outcome: string }[];
}

describe('delivery status and history: GET /deliveries/{id}, GET /endpoints/{id}/deliveries', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;
  let attempts: TopicReader<AttemptRecordedValue>;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({
      KRETRY_TIERS: '1s,2s,30s',
      KRETRY_MAX_ATTEMPTS: '3',
      KRETRY_JITTER: '0',
    });
    attempts = fx.read(fx.topology.attempts, fx.codecs.attempts);
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${fx.engine?.apiUrl ?? ''}${path}`);
    return { status: response.status, body: await response.json() };
  };
  const delivery = async (id: string): Promise<DeliveryJson | undefined> => {
    const { status, body } = await get(`/deliveries/${encodeURIComponent(id)}`);
    return status === 200 ? (body as DeliveryJson) : undefined;
  };

  it('shows a delivery that failed twice and then succeeded, with its three attempts', async () => {
    receiver.script('/twice', [{ status: 500 }, { status: 503 }, { status: 200 }]);
    const id = await fx.send({ endpointId: 'ep-hist', url: receiver.url('/twice') });
    await waitFor(async () => (await delivery(id))?.state === 'delivered', {
      what: 'the delivery to show delivered',
    });
    const view = await delivery(id);
    expect(view?.attempts.map((a) => [a.attempt, a.status, a.tier, a.outcome])).toEqual([
      [1, 500, 'ingest', 'retryable'],
      [2, 503, 'retry-1s', 'retryable'],
      [3, 200, 'retry-2s', 'success'],
    ]);
    // The CLI reads the same from the attempts log.
    const cli = await runCli(['deliveries', 'show', id, '--json'], cliEnv(fx));
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ deliveryId: id, state: 'delivered' });
    const text = await runCli(['deliveries', 'show', id], cliEnv(fx));
    expect(text.stdout).toMatch(/delivered\n {2}#1 .* ingest +retryable 500/);
    const missing = await runCli(['deliveries', 'show', 'msg_nobody'], cliEnv(fx));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no attempt of msg_nobody/);
  });

  it('shows where a waiting delivery waits, and why a dead one died', async () => {
    receiver.script('/dies', [{ status: 500 }]);
    const waiting = await fx.send({ endpointId: 'ep-hist', url: receiver.url('/dies') });
    await waitFor(async () => (await delivery(waiting))?.state === 'dead', {
      what: 'the delivery to exhaust its 3 attempts',
    });
    const dead = await delivery(waiting);
    expect(dead?.dead?.reason).toBe('max_attempts');
    expect(dead?.attempts).toHaveLength(3);

    receiver.script('/slow', [{ status: 500 }, { status: 500 }, { status: 200 }]);
    const slow = await fx.send({ endpointId: 'ep-wait', url: receiver.url('/slow') });
    await waitFor(async () => (await delivery(slow))?.scheduled?.tier === 'retry-2s', {
      what: 'the delivery to be scheduled on retry-2s',
    });
    const scheduled = await delivery(slow);
    expect(scheduled?.state).toBe('scheduled');
    expect(Date.parse(scheduled?.scheduled?.dueAt ?? '')).toBeGreaterThan(0);
  });

  it("pages through an endpoint's deliveries, newest first, filtered by state", async () => {
    for (let i = 0; i < 5; i++)
      await fx.send({ deliveryId: `msg_page_${i}`, endpointId: 'ep-page', url: receiver.url('/page') });
    await attempts.until((v) => v.filter((a) => a.endpointId === 'ep-page').length === 5, 'five attempts');
    await waitFor(
      async () => {
        const { body } = await get('/endpoints/ep-page/deliveries?state=delivered&limit=100');
        return (body as { items: unknown[] }).items.length === 5;
      },
      { what: 'the index to hold all five' },
    );
    const first = (await get('/endpoints/ep-page/deliveries?limit=2')).body as {
      items: DeliveryJson[];
      next: string;
    };
    const second = (await get(`/endpoints/ep-page/deliveries?limit=2&after=${first.next}`)).body as {
      items: DeliveryJson[];
      next: string;
    };
    const third = (await get(`/endpoints/ep-page/deliveries?limit=2&after=${second.next}`)).body as {
      items: DeliveryJson[];
      next: string | null;
    };
    const ids = [...first.items, ...second.items, ...third.items].map((d) => d.deliveryId);
    expect(new Set(ids).size).toBe(5);
    expect(third.next).toBeNull();
    expect(
      ((await get('/endpoints/ep-page/deliveries?state=dead')).body as { items: unknown[] }).items,
    ).toEqual([]);
  });

  it('answers 404 for an unknown id and 400 for a malformed one or a bad query', async () => {
    const unknown = await get('/deliveries/msg_nobody_sent_this');
    expect(unknown.status).toBe(404);
    expect((unknown.body as { error: string }).error).toMatch(/no delivery "msg_nobody_sent_this"/);
    expect((await get('/deliveries/bad%07id')).status).toBe(400);
    expect((await get('/endpoints/ep-page/deliveries?state=lost')).status).toBe(400);
    expect((await get('/endpoints/ep-page/deliveries?limit=0')).status).toBe(400);
  });
});
