import { z } from 'zod';
import { formatDuration, parseDuration } from '../domain/duration.js';
import { ENDPOINT_STATES } from '../domain/health/gate.js';
import { RECORDED_DEAD_LETTER_REASONS } from '../domain/route.js';
import { statusPatterns } from '../config/schema.js';
import { backoffInput, rateLimitInput } from '../config/shaping-schema.js';
import { rulesProblem, type RetryRulesOverride } from '../domain/retry-rules.js';
import type { ConfigChange } from '../operator/endpoint-commands.js';

const MAX_AGE_LIMIT_MS = 72 * 3_600_000;

/** Endpoint ids in paths: any key a producer used, percent-decoded by the router. */
export const endpointIdParam = z
  .string()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters')
  // Control characters in an id end up in logs, metric labels and terminal output.
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

export const listQuery = z
  .object({
    state: z.enum(ENDPOINT_STATES).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** The last id of the previous page. */
    after: z.string().max(256).optional(),
  })
  .strict();

const durationMs = (what: string): z.ZodType<number, unknown> =>
  z.union([z.string(), z.number().int().positive()]).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${what}: "${String(value)}" is not a duration such as 2m or 10h`,
      });
      return z.NEVER;
    }
    return ms;
  });

/**
 * Retry rules as `PUT /policy` and an endpoint's config take them: the same status-pattern schema
 * as KRETRY_RETRY_ON; a field left out or null keeps the layer below.
 */
export const retryRulesBody = z
  .object({
    retryOn: statusPatterns.nullable().optional(),
    permanentOn: statusPatterns.nullable().optional(),
    minDelay: durationMs('minDelay')
      .refine((ms) => ms <= MAX_AGE_LIMIT_MS, 'must be at most 72h')
      .nullable()
      .optional(),
  })
  .strict()
  .superRefine((rules, ctx) => {
    const problem = rulesProblem(rules.retryOn ?? [], rules.permanentOn ?? []);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((rules): RetryRulesOverride => ({
    retryOn: rules.retryOn ?? null,
    permanentOn: rules.permanentOn ?? null,
    minDelayMs: rules.minDelay ?? null,
  }));

const SECRET = /^(whsec_[A-Za-z0-9+/]+={0,2}|env:[A-Za-z_][A-Za-z0-9_]*)$/;

/** `PUT /endpoints/{id}/config`; the engine's tiers bound what a policy may pick. */
export function configBody(engineTiersMs: readonly number[]) {
  const tiers = engineTiersMs.map((ms) => formatDuration(ms)).join(', ');
  return z
    .object({
      url: z.url().nullable().optional(),
      secrets: z
        .array(z.string().regex(SECRET, 'must be a whsec_… secret (base64) or an env:NAME reference'))
        .max(10, 'at most 10 secrets')
        .optional(),
      policy: z
        .object({
          maxAttempts: z.number().int().min(1).max(50).nullable().optional(),
          maxAge: durationMs('maxAge')
            .refine((ms) => ms <= MAX_AGE_LIMIT_MS, 'must be at most 72h')
            .nullable()
            .optional(),
          tiers: z
            .array(durationMs('tiers'))
            .min(1, 'must not be empty')
            .refine(
              (list) => list.every((ms) => engineTiersMs.includes(ms)),
              `each tier must be one of the engine's tiers: ${tiers}`,
            )
            .nullable()
            .optional(),
        })
        .strict()
        .nullable()
        .optional(),
      disableOn404: z.boolean().nullable().optional(),
      retryUnsafe: z.boolean().nullable().optional(),
      retryRules: retryRulesBody.nullable().optional(),
      backoff: backoffInput.nullable().optional(),
      rateLimit: rateLimitInput.nullable().optional(),
    })
    .strict();
}

export type ConfigBody = z.output<ReturnType<typeof configBody>>;

/**
 * A validated body as the command it asks for: absent fields stay absent (kept); a policy given
 * is the whole override, so its missing fields become null (the engine's value).
 */
export function toConfigChange(body: ConfigBody): ConfigChange {
  return {
    ...(body.url !== undefined && { url: body.url }),
    ...(body.secrets !== undefined && { secrets: body.secrets }),
    ...(body.disableOn404 !== undefined && { disableOn404: body.disableOn404 }),
    ...(body.retryUnsafe !== undefined && { retryUnsafe: body.retryUnsafe }),
    ...(body.retryRules !== undefined && { retryRules: body.retryRules }),
    ...(body.backoff !== undefined && { backoff: body.backoff }),
    ...(body.rateLimit !== undefined && { rateLimit: body.rateLimit }),
    ...(body.policy !== undefined && {
      policy:
        body.policy === null
          ? null
          : {
              maxAttempts: body.policy.maxAttempts ?? null,
              maxAgeMs: body.policy.maxAge ?? null,
              tiers: body.policy.tiers ?? null,
            },
    }),
  };
}

/** POST /dlq/resolve: who, why, and at least one filter (never the whole dlq by accident). */
export const resolveBody = z
  .object({
    deliveryId: z.string().min(1).max(256).optional(),
    endpointId: z.string().min(1).max(256).optional(),
    reason: z.enum(RECORDED_DEAD_LETTER_REASONS).optional(),
    by: z.string().min(1, 'must not be empty').max(256),
    note: z.string().max(2000).optional(),
  })
  .strict()
  .refine((b) => b.deliveryId !== undefined || b.endpointId !== undefined || b.reason !== undefined, {
    message: 'needs a filter: deliveryId, endpointId or reason',
  });
