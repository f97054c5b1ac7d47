import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseDuration } from '../domain/duration.js';
import type { DeliveryRequestValue } from '../kafka/records.js';
import { backoffInput } from '../config/shaping-schema.js';
import { backoffToValue } from '../kafka/delivery-codec.js';

const duration = z.union([z.string(), z.number().int().positive()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${String(value)}" is not a duration such as 30s, 2m or 10h` });
    return z.NEVER;
  }
  return ms;
});

/**
 * One delivery as `kretry send` reads it (a JSON object; `--file` or a line on stdin). `body` may
 * be any JSON value (sent as JSON) or a string (sent as is); `bodyBase64` carries binary bodies.
 */
export const deliveryInput = z
  .object({
    deliveryId: z.string().min(1).max(256).optional(),
    endpointId: z.string().min(1).max(256),
    /** Absent: the endpoint's configured `url` (its EndpointConfig) at the time of each attempt. */
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    method: z
      .string()
      .regex(/^[A-Z]+$/, 'must be an HTTP method in capitals, e.g. POST')
      .default('POST'),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.unknown().optional(),
    bodyBase64: z.base64().optional(),
    contentType: z.string().min(1).default('application/json'),
    policy: z
      .object({
        maxAttempts: z.number().int().min(1).max(1000).optional(),
        maxAge: duration.optional(),
        tiers: z.array(duration).min(1).optional(),
      })
      .strict()
      .optional(),
    /** Send again after an ambiguous failure whatever the method (docs/lifecycle.md, step 4). */
    retryUnsafe: z.boolean().optional(),
    /** This delivery's backoff strategy (exponential, linear, fixed, custom or tiers); absent: its endpoint's. */
    backoff: backoffInput.optional(),
  })
  .strict()
  .refine((d) => d.body === undefined || d.bodyBase64 === undefined, 'give body or bodyBase64, not both');

export type DeliveryInput = z.input<typeof deliveryInput>;

/** Turns a validated input into the DeliveryRequest produced to `ingest`. */
export function toDeliveryRequest(input: z.output<typeof deliveryInput>, now: number): DeliveryRequestValue {
  const body =
    input.bodyBase64 !== undefined
      ? Buffer.from(input.bodyBase64, 'base64')
      : input.body === undefined
        ? Buffer.alloc(0)
        : Buffer.from(typeof input.body === 'string' ? input.body : JSON.stringify(input.body));
  return {
    deliveryId: input.deliveryId ?? `msg_${randomUUID().replaceAll('-', '')}`,
    endpointId: input.endpointId,
    url: input.url ?? '',
    method: input.method,
    headers: input.headers,
    body,
    contentType: input.contentType,
    createdAt: now,
    policy:
      input.policy === undefined
        ? null
        : {
            maxAttempts: input.policy.maxAttempts ?? null,
            maxAgeMs: input.policy.maxAge ?? null,
            tiers: input.policy.tiers ?? null,
          },
    retryUnsafe: input.retryUnsafe ?? null,
    backoff: input.backoff === undefined ? null : backoffToValue(input.backoff),
  };
}

/** Validates one input; the error names each bad field. */
export function parseDeliveryInput(
  value: unknown,
  now: number,
): { request: DeliveryRequestValue } | { problem: string } {
  const result = deliveryInput.safeParse(value);
  if (!result.success) {
    return {
      problem: result.error.issues
        .map((issue) =>
          issue.path.length === 0 ? issue.message : `${issue.path.join('.')}: ${issue.message}`,
        )
        .join('; '),
    };
  }
  return { request: toDeliveryRequest(result.data, now) };
}
