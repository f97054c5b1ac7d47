import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { recordAttemptSpan, startTracing } from '../../../src/observability/tracing.js';

describe('span export', () => {
  it('is off, with no tracer at all, unless an OTLP endpoint is configured', async () => {
    expect((await startTracing({})).tracer).toBeUndefined();
    expect(
      (await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_SDK_DISABLED: 'true' }))
        .tracer,
    ).toBeUndefined();
    // Without a tracer a producer's trace context is still carried along unchanged.
    const carried = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(
      recordAttemptSpan(undefined, {
        traceparent: carried,
        startedAt: 0,
        endedAt: 1,
        attributes: {},
        error: null,
      }),
    ).toBe(carried);
  });

  it('sends spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (a real local collector stand-in)', async () => {
    const received: { path: string; body: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const tracing = await startTracing({
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_SERVICE_NAME: 'kretry-test',
      });
      const now = Date.now();
      const carried = recordAttemptSpan(tracing.tracer, {
        traceparent: null,
        startedAt: now - 20,
        endedAt: now,
        attributes: { 'kretry.delivery.id': 'msg_otlp', 'retry.attempt': 1 },
        error: null,
      });
      await tracing.shutdown(); // flushes the batch
      expect(received.map((r) => r.path)).toEqual(['/v1/traces']);
      const body = received[0]?.body ?? '';
      // The exporter's own encoding (JSON or protobuf) carries these strings as they are.
      expect(body).toContain('webhook.attempt');
      expect(body).toContain('msg_otlp');
      expect(body).toContain('kretry-test');
      expect(carried).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    } finally {
      server.close();
    }
  });
});
