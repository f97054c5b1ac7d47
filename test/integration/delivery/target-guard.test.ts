import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAttempter, type HttpAttempter } from '../../../src/delivery/attempt.js';
import { TestReceiver } from '../harness/receiver.js';

/**
 * The guard on a real connection: every address form below reaches (or would reach) the receiver
 * listening on 127.0.0.1. The allow-all attempter proves the receiver answers; the guarded one
 * must refuse each form before any byte is sent.
 */
describe('target guard on real HTTP', () => {
  let receiver: TestReceiver;
  const attempter = (allowPrivateTargets: boolean): HttpAttempter =>
    createHttpAttempter({
      allowPrivateTargets,
      allowedTargetCidrs: [],
      attemptTimeoutMs: 5_000,
      maxBodyBytes: 1_000,
      responseBodyLimit: 100,
      secretsFor: () => [],
      now: Date.now,
    });
  const open = attempter(true);
  const guarded = attempter(false);
  const send = (through: HttpAttempter, url: string) =>
    through.attempt('ep', {
      deliveryId: 'd1',
      url,
      method: 'POST',
      headers: {},
      body: Buffer.from('{}'),
      contentType: 'application/json',
    });

  beforeAll(async () => {
    receiver = await TestReceiver.start();
  });
  afterAll(async () => {
    await Promise.all([open.close(), guarded.close()]);
    await receiver.stop();
  });

  it('reaches the receiver when private targets are allowed', async () => {
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]']) {
      const report = await send(open, `http://${host}:${receiver.port}/open`);
      expect(report.result, host).toEqual({ kind: 'response', status: 200, retryAfterMs: undefined });
    }
    expect(receiver.requests.filter((r) => r.path === '/open')).toHaveLength(2);
  });

  it.each([
    ['IPv4 loopback', '127.0.0.1'],
    ['IPv4-mapped', '[::ffff:127.0.0.1]'],
    ['IPv4-mapped, hex', '[::ffff:7f00:1]'],
    ['IPv4-compatible', '[::127.0.0.1]'],
    ['NAT64', '[64:ff9b::127.0.0.1]'],
    ['NAT64 local-use', '[64:ff9b:1::7f00:1]'],
    ['6to4', '[2002:7f00:1::]'],
    ['site-local', '[fec0::1]'],
    ['a name that resolves to loopback', 'localhost'],
  ])('refuses %s (%s) without sending anything', async (_name, host) => {
    const path = `/guarded/${encodeURIComponent(host)}`;
    const report = await send(guarded, `http://${host}:${receiver.port}${path}`);
    expect(report.result).toEqual({ kind: 'error', error: 'target_forbidden' });
    expect(receiver.requests.filter((r) => r.path === path)).toEqual([]);
  });
});
