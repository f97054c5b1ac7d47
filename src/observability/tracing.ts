import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type Attributes,
  type Tracer,
} from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { formatTraceParent, parseTraceParent } from './trace-context.js';

/** Spans of this process: a tracer when exporting, nothing at all otherwise. */
export interface Tracing {
  readonly tracer: Tracer | undefined;
  /** Flushes and stops the exporter (bounded by the caller). */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { tracer: undefined, shutdown: () => Promise.resolve() };

/**
 * Exports spans over OTLP/HTTP when the standard variables ask for it (OTEL_EXPORTER_OTLP_ENDPOINT
 * or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, and not OTEL_SDK_DISABLED=true); the exporter reads the
 * rest of the OTEL_* variables from the process environment itself (headers, timeout). Without them the SDK is not
 * even loaded: the delivery step sees no tracer and only copies a producer's traceparent along.
 * `processor` replaces the exporter (tests pass an in-memory one).
 */
export async function startTracing(
  env: Readonly<Record<string, string | undefined>>,
  processor?: SpanProcessor,
): Promise<Tracing> {
  const wanted =
    (env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? '') !== '';
  if (processor === undefined && (!wanted || env['OTEL_SDK_DISABLED'] === 'true')) return OFF;
  const [{ BasicTracerProvider, BatchSpanProcessor }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
  ]);
  let spanProcessor = processor;
  if (spanProcessor === undefined) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    // The URL from `env` (the exporter alone would read process.env); per the OTLP spec, the
    // signal-specific variable is used as is and the general one gets `/v1/traces` appended.
    const tracesEndpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? '';
    const url =
      tracesEndpoint !== ''
        ? tracesEndpoint
        : `${(env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? '').replace(/\/+$/, '')}/v1/traces`;
    spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env['OTEL_SERVICE_NAME'] ?? 'kretry' }),
    spanProcessors: [spanProcessor],
  });
  return { tracer: provider.getTracer('kretry'), shutdown: () => provider.shutdown() };
}

export interface AttemptSpan {
  /** The delivery's trace context so far: the producer's, or the first attempt's. */
  readonly traceparent: string | null;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly attributes: Attributes;
  /** Set for any outcome but success: the span's status is an error with this description. */
  readonly error: string | null;
}

/**
 * Records one attempt as a `webhook.attempt` span after the fact (its times are the attempt's
 * own), as a child of the delivery's trace context. Returns the trace context later attempts
 * continue: the one given, or else this span's, so every attempt of a delivery is in one trace.
 */
export function recordAttemptSpan(tracer: Tracer | undefined, span: AttemptSpan): string | null {
  if (tracer === undefined) return span.traceparent;
  const parent = parseTraceParent(span.traceparent);
  const parentContext =
    parent === undefined
      ? ROOT_CONTEXT
      : trace.setSpanContext(ROOT_CONTEXT, {
          traceId: parent.traceId,
          spanId: parent.spanId,
          traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
          isRemote: true,
        });
  const recorded = tracer.startSpan(
    'webhook.attempt',
    { kind: SpanKind.CLIENT, startTime: span.startedAt, attributes: span.attributes },
    parentContext,
  );
  if (span.error !== null) recorded.setStatus({ code: SpanStatusCode.ERROR, message: span.error });
  recorded.end(span.endedAt);
  if (parent !== undefined) return span.traceparent;
  const own = recorded.spanContext();
  return formatTraceParent({
    traceId: own.traceId,
    spanId: own.spanId,
    sampled: (own.traceFlags & 1) === 1, // TraceFlags.SAMPLED, the only flag defined
  });
}
