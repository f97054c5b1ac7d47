import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from '../../../src/kafka/concurrency-limit.js';

describe('ConcurrencyLimit', () => {
  it('never grants more than the limit', () => {
    const limit = new ConcurrencyLimit(2);
    expect([limit.tryAcquire(), limit.tryAcquire(), limit.tryAcquire()]).toEqual([true, true, false]);
    limit.release();
    expect(limit.tryAcquire()).toBe(true);
  });

  it('wakes every waiter when a slot frees, so a waiter with nothing to do cannot strand the others', () => {
    const limit = new ConcurrencyLimit(1);
    limit.tryAcquire();
    const woken: string[] = [];
    limit.onFree(() => woken.push('idle lane')); // woken, but starts nothing
    const busy = (): void => {
      woken.push('busy lane');
      if (!limit.tryAcquire()) limit.onFree(busy);
    };
    limit.onFree(busy);
    limit.release();
    expect(woken).toEqual(['idle lane', 'busy lane']);
    expect(limit.active).toBe(1);
  });

  it('registers the same wake-up once', () => {
    const limit = new ConcurrencyLimit(1);
    limit.tryAcquire();
    let calls = 0;
    const wake = (): void => void calls++;
    limit.onFree(wake);
    limit.onFree(wake);
    limit.release();
    expect(calls).toBe(1);
  });
});
