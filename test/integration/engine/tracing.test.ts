import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTITIONER } from '../../../src/kafka/kafka-client.js';
import type { DeliveryRequestValue } from '../../../src/kafka/records.js';
import { testKafka, waitFor } from '../harness/context.js';
import { startEngineFixture, type EngineFixture } from '../harness/engine-fixture.js';
import { TestReceiver } from '../harness/receiver.js';

const PRODUCER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PRODUCER_SPAN = '00f067aa0ba902b7';

describe('OpenTelemetry spans (in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  let receiver: TestReceiver;
  let fx: EngineFixture;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    fx = await startEngineFixture(
      { KRETRY_TIERS: '1s,2s', KRETRY_JITTER: '0' },
      { engine: { spanProcessor: new SimpleSpanProcessor(exporter) } },
    );
  });

  afterAll(async () => {
    await fx.stop();
    await receiver.stop();
  });

  const spansOf = (deliveryId: string): ReadableSpan[] =>
    exporter
      .getFinishedSpans()
      .filter((s) => s.attributes['kretry.delivery.id'] === deliveryId)
      .sort((a, b) => Number(a.attributes['retry.attempt']) - Number(b.attributes['retry.attempt']));

  async function sendWithHeader(path: string, traceparent?: string): Promise<string> {
    const deliveryId = `msg_${randomUUID()}`;
    const request: DeliveryRequestValue = {
      deliveryId,
      endpointId: `ep-${path}`,
      url: receiver.url(`/${path}`),
      method: 'POST',
      headers: {},
      body: Buffer.from('{}'),
      contentType: 'application/json',
      createdAt: Date.now(),
      policy: null,
    };
    const producer = testKafka().producer({ createPartitioner: PARTITIONER });
    await producer.connect();
    await producer.send({
      topic: fx.topology.ingest,
      messages: [
        {
          key: request.endpointId,
          value: fx.codecs.ingest.encode(request),
          headers: traceparent === undefined ? {} : { traceparent },
        },
      ],
    });
    await producer.disconnect();
    return deliveryId;
  }

  it("makes each attempt a webhook.attempt span, children of the producer's traceparent", async () => {
    receiver.script('/traced', [{ status: 500 }, { status: 503 }, { status: 200 }]);
    const id = await sendWithHeader('traced', `00-${PRODUCER_TRACE}-${PRODUCER_SPAN}-01`);
    await waitFor(() => spansOf(id).length === 3, { what: 'three attempt spans', timeoutMs: 60_000 });
    const spans = spansOf(id);
    expect(spans.map((s) => s.name)).toEqual(['webhook.attempt', 'webhook.attempt', 'webhook.attempt']);
    for (const s of spans) {
      expect(s.spanContext().traceId).toBe(PRODUCER_TRACE);
      expect(s.parentSpanContext?.spanId).toBe(PRODUCER_SPAN);
      expect(s.attributes['kretry.endpoint.id']).toBe('ep-traced');
    }
    expect(spans.map((s) => s.attributes['retry.attempt'])).toEqual([1, 2, 3]);
    expect(spans.map((s) => s.attributes['retry.tier'])).toEqual(['ingest', 'retry-1s', 'retry-2s']);
    expect(spans.map((s) => s.attributes['retry.delay_ms'])).toEqual([0, 1000, 2000]);
    expect(spans.map((s) => s.attributes['http.response.status_code'])).toEqual([500, 503, 200]);
    expect(spans.map((s) => s.attributes['kretry.outcome'])).toEqual(['retryable', 'retryable', 'success']);
    expect(spans.map((s) => s.attributes['kretry.next'])).toEqual(['schedule', 'schedule', 'done']);
    expect(spans.map((s) => s.status.code)).toEqual([2, 2, 0]); // ERROR, ERROR, UNSET
    for (const s of spans.slice(1))
      expect(Number(s.attributes['retry.lateness_ms'])).toBeGreaterThanOrEqual(0);
  });

  it('puts a delivery without a traceparent in one trace: later attempts are children of the first', async () => {
    receiver.script('/untraced', [{ status: 500 }, { status: 200 }]);
    const id = await sendWithHeader('untraced');
    await waitFor(() => spansOf(id).length === 2, { what: 'two attempt spans', timeoutMs: 60_000 });
    const [first, second] = spansOf(id);
    expect(first?.parentSpanContext).toBeUndefined();
    expect(second?.spanContext().traceId).toBe(first?.spanContext().traceId);
    expect(second?.parentSpanContext?.spanId).toBe(first?.spanContext().spanId);
  });
});
