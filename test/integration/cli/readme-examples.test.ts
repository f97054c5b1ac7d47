import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/package-root.js';
import { cliEnv } from '../harness/cli.js';
import { waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

function runExample(file: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: packageRoot(), env });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${file} exited ${String(code)}: ${err}`));
    });
  });
}

describe('the README examples (examples/)', () => {
  let receiver: TestReceiver;
  let fx: EngineFixture;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture({ KRETRY_TIERS: '1s' });
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  it('produce.ts delivers through kretry, and consume-dlq.ts reads the dead letter', async () => {
    receiver.script('/example', [{ status: 422 }]);
    const env = cliEnv(fx);
    const deliveryId = (
      await runExample('examples/produce.ts', ['ex-ep', receiver.url('/example')], env)
    ).trim();
    expect(deliveryId).toMatch(/^msg_[0-9a-f]{32}$/);
    await waitFor(() => receiver.requestsTo('/example').length === 1, { what: 'the delivery' });
    expect(receiver.requestsTo('/example')[0]?.headers['webhook-id']).toBe(deliveryId);
    const printed = await runExample('examples/consume-dlq.ts', ['1'], env);
    expect(JSON.parse(printed.trim())).toEqual({
      deliveryId,
      endpointId: 'ex-ep',
      reason: 'permanent_failure',
      lastStatus: 422,
      attempts: 1,
    });
  });
});
