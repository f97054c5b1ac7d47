import { ROOT_CONTEXT, trace, type TextMapGetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTraceParent, parseTraceParent } from '../../../src/observability/trace-context.js';

// Examples from the W3C Trace Context recommendation, section 3.2 (traceparent header).
const SPEC_EXAMPLE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it("reads the specification's examples", () => {
    expect(parseTraceParent(SPEC_EXAMPLE)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      sampled: true,
    });
    expect(parseTraceParent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.sampled).toBe(false);
    // A later version may append fields; a reader of version 00 takes the first four.
    expect(
      parseTraceParent('cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like')
        ?.traceId,
    ).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('ignores what the specification calls invalid', () => {
    for (const header of [
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01', // all-zero trace id
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', // all-zero parent id
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', // version ff
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01', // uppercase
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra', // extra field in 00
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01', // short trace id
      '',
    ])
      expect(parseTraceParent(header), header).toBeUndefined();
    expect(parseTraceParent(null)).toBeUndefined();
  });

  it("agrees with OpenTelemetry's own W3C propagator on every header it writes", () => {
    const propagator = new W3CTraceContextPropagator();
    const getter: TextMapGetter<Record<string, string>> = {
      keys: (carrier) => Object.keys(carrier),
      get: (carrier, key) => carrier[key],
    };
    const hex = (n: number) =>
      fc.array(fc.constantFrom(...'0123456789abcdef'), { minLength: n, maxLength: n }).map((a) => a.join(''));
    fc.assert(
      fc.property(hex(32), hex(16), fc.boolean(), (traceId, spanId, sampled) => {
        const header = formatTraceParent({ traceId, spanId, sampled });
        const theirs = trace.getSpanContext(
          propagator.extract(ROOT_CONTEXT, { traceparent: header }, getter),
        );
        const ours = parseTraceParent(header);
        if (theirs === undefined) expect(ours).toBeUndefined();
        else
          expect(ours).toEqual({
            traceId: theirs.traceId,
            spanId: theirs.spanId,
            sampled: (theirs.traceFlags & 1) === 1,
          });
      }),
    );
  });
});
