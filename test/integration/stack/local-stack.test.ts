import { describe, expect, inject, it } from 'vitest';
import { processEnv } from '../../../src/config/env.js';
import { stackOptionsFrom } from '../../../src/config/stack-options.js';
import { stackStatus, stackUp } from '../../../src/stack/stack.js';

// Only meaningful when the harness runs on the project's own local stack.
describe.runIf(inject('kretryStackSource') === 'local')('the local stack', () => {
  const options = stackOptionsFrom(processEnv());

  it('reuses a running stack instead of starting a second one', async () => {
    const again = await stackUp(options);
    expect(again.started).toEqual({ kafka: false, registry: false });
    expect(again.bootstrap).toBe(inject('kretryBrokers'));
  });

  it('reports both processes as running and answering', async () => {
    const status = await stackStatus(options);
    expect(status.map((c) => [c.pid !== undefined, c.answering])).toEqual([
      [true, true],
      [true, true],
    ]);
  });
});
