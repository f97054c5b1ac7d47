import { describe, expect, it } from 'vitest';
import { DEFAULT_CONCURRENCY_SETTINGS } from '../../../../src/domain/shaping/adaptive-concurrency.js';
import {
  admit,
  finish,
  flowLimit,
  newFlow,
  type EndpointFlow,
} from '../../../../src/domain/shaping/endpoint-flow.js';

const settings = { concurrency: { ...DEFAULT_CONCURRENCY_SETTINGS, max: 4 }, maxRateWaitMs: 1000 };

describe('endpoint flow admission', () => {
  it('starts up to the in-flight limit, then says full until one finishes', () => {
    let flow: EndpointFlow = {
      ...newFlow(settings, 0),
      concurrency: { ...newFlow(settings, 0).concurrency, limit: 4 },
    };
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const a = admit(flow, null, true, false, 0, settings);
      flow = a.flow;
      answers.push(a.admission.kind);
    }
    expect(answers).toEqual(['start', 'start', 'start', 'start', 'full']);
    flow = finish(flow, { kind: 'success', startedAt: 0, endedAt: 5 }, 5, settings);
    expect(admit(flow, null, true, false, 5, settings).admission.kind).toBe('start');
  });

  it('rate: a short wait reserves a token for later; a long one is over-rate, its token reserved further ahead', () => {
    const rate = { perSecond: 2, burst: 1 };
    let flow = newFlow(settings, 0);
    const first = admit(flow, rate, true, false, 0, settings);
    expect(first.admission).toMatchObject({ kind: 'start' });
    flow = finish(first.flow, { kind: 'other' }, 0, settings);
    const second = admit(flow, rate, true, false, 0, settings);
    expect(second.admission).toEqual({ kind: 'wait', at: 500 });
    const third = admit(second.flow, rate, true, false, 0, settings);
    expect(third.admission).toEqual({ kind: 'wait', at: 1000 });
    const fourth = admit(third.flow, rate, true, false, 0, settings);
    expect(fourth.admission).toEqual({ kind: 'over-rate', waitMs: 1500 });
    // The next one queues behind it: deferred deliveries come back one token apart.
    expect(admit(fourth.flow, rate, true, false, 0, settings).admission).toEqual({
      kind: 'over-rate',
      waitMs: 2000,
    });
    // The waiting delivery comes back holding its token: it starts without taking another.
    expect(admit(fourth.flow, rate, true, true, 500, settings).admission).toMatchObject({ kind: 'start' });
  });

  it('does not shape what the gate stops, and starts slowly once the endpoint is back', () => {
    let flow = newFlow(settings, 0);
    const closed = admit(flow, null, false, false, 0, settings);
    expect(closed.admission.kind).toBe('start');
    expect(closed.flow.inFlight).toBe(0);
    flow = closed.flow;
    const back = admit(flow, null, true, false, 10, settings);
    expect(back.admission.kind).toBe('start');
    expect(flowLimit(back.flow)).toBe(1);
    expect(admit(back.flow, null, true, false, 10, settings).admission.kind).toBe('full');
  });
});
