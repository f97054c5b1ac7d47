import { isIP } from 'node:net';
import { z } from 'zod';
import { parseDuration } from '../domain/duration.js';
import { parseCidr } from '../delivery/cidr.js';
import { DEFAULT_REDACTED_HEADERS } from '../domain/redact-headers.js';
import { DEFAULT_RETRY_RULES, STATUS_PATTERN } from '../domain/retry-rules.js';
import { parseRateLimit } from '../domain/shaping/token-bucket.js';

/** A comma-separated string (env) or a list (config file). */
const list = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(','))
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );

const duration = z.union([z.string(), z.number().int().positive()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is not a duration; use e.g. 500ms, 30s, 2m, 10h, 3d`,
    });
    return z.NEVER;
  }
  return ms;
});

/**
 * A rate limit as text: `<per second>/s`, optionally `,<burst>` (default: one second's worth, at
 * least 1). The admin API and CLI take the same text for an endpoint's `rateLimit`.
 */
export const rateLimitText = z.string().transform((value, ctx) => {
  const limit = parseRateLimit(value);
  if (typeof limit === 'string') {
    ctx.addIssue({ code: 'custom', message: limit });
    return z.NEVER;
  }
  return limit;
});

/**
 * A list of HTTP status patterns, as the retry rules take them (domain/retry-rules.ts): the engine's
 * configuration and the admin API's `PUT /policy` and endpoint config validate with this one schema.
 */
export const statusPatterns = list.pipe(
  z.array(
    z
      .string()
      .regex(STATUS_PATTERN, 'must be status codes or classes such as 409 or 5xx (2xx is always success)'),
  ),
);

const booleanFlag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((value) => value === true || value === 'true' || value === '1' || value === 'yes');

const int = (min: number, max: number): z.ZodType<number, unknown> =>
  z.coerce.number().int().min(min).max(max);

export const ROLES = ['dispatcher', 'tiers', 'projection', 'api', 'notifier'] as const;
export type Role = (typeof ROLES)[number];
/** What runs without KRETRY_ROLES; `notifier` joins them when KRETRY_NOTIFY_URL is set (load.ts). */
export const DEFAULT_ROLES: readonly Role[] = ['dispatcher', 'tiers', 'projection', 'api'];

/**
 * The one configuration schema. Sources, lowest first: these defaults, a JSON config file,
 * `KRETRY_*` environment variables, command-line flags. Every key is listed in the README.
 */
export const configSchema = z
  .object({
    /** Kafka bootstrap servers. @defaultValue unset: `kretry start` uses the local stack */
    brokers: list.pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port')).min(1)).optional(),
    /** Confluent-compatible schema registry URL. @defaultValue unset: the local stack's */
    schemaRegistryUrl: z.url().optional(),
    /** @defaultValue `kretry.` */
    topicPrefix: z
      .string()
      .regex(/^[a-zA-Z0-9._-]*$/, 'may only contain letters, digits, ".", "_" and "-"')
      .default('kretry.'),
    /** Retry tier delays, shortest first; the last is reused. @defaultValue `2m,4m,8m,16m,32m,60m` */
    tiers: z
      .union([z.string(), z.array(z.union([z.string(), z.number()]))])
      .transform((value) => (Array.isArray(value) ? value : value.split(',').map((item) => item.trim())))
      .pipe(z.array(duration).min(1, 'needs at least one tier'))
      .refine(
        (tiers) => tiers.every((t, i) => i === 0 || t > (tiers[i - 1] ?? 0)),
        'must be strictly increasing',
      )
      .prefault('2m,4m,8m,16m,32m,60m'),
    /** @defaultValue 20 */
    maxAttempts: int(1, 1000).default(20),
    /** Age limit from the first attempt. @defaultValue `10h` */
    maxAge: duration.prefault('10h'),
    /** HTTP statuses that retry: codes or classes. @defaultValue `408,429,5xx` */
    retryOn: statusPatterns.prefault(DEFAULT_RETRY_RULES.retryOn.join(',')),
    /** HTTP statuses that dead-letter at once; a code here beats its class in retryOn. @defaultValue none */
    permanentOn: statusPatterns.prefault(''),
    /** No retry falls due sooner than this after its attempt, jitter included. @defaultValue unset (0) */
    minRetryDelay: duration.optional(),
    /** Deliveries the api role's index keeps (GET /deliveries/{id}), most recently updated. @defaultValue 100000 */
    deliveryIndexSize: int(1, 100_000_000).default(100_000),
    /** A deliveryId accepted within this long is not delivered again (ingest-dedupe). @defaultValue `24h` */
    dedupeWindow: duration.prefault('24h'),
    /** Fraction by which a delay may move either way. @defaultValue 0.25 */
    jitter: z.coerce.number().min(0).max(0.9).default(0.25),
    /** Per-attempt HTTP timeout. @defaultValue `10s` */
    attemptTimeout: duration.prefault('10s'),
    /**
     * Largest request body kretry sends; a larger one is a permanent failure. The body travels in
     * ScheduledAttempt and DeadLetter records, so with the response body and history it must fit
     * the topics' `max.message.bytes` (1048588 by default); `kretry start` checks. @defaultValue 1000000
     */
    maxBodyBytes: int(1, 100 * 1024 * 1024).default(1_000_000),
    /** How much of a response body is kept for the dead letter. @defaultValue 4096 */
    responseBodyLimit: int(0, 1024 * 1024).default(4096),
    /** Allow loopback, private, link-local and multicast targets. @defaultValue false */
    allowPrivateTargets: booleanFlag.prefault(false),
    /** CIDRs allowed even though private. @defaultValue none */
    allowedTargetCidrs: list
      .pipe(
        // Checked here, by the parser the target guard uses, so a bad entry stops the load with
        // this key's name instead of a RangeError from node:net when the dispatcher starts.
        z.array(z.string()).superRefine((cidrs, ctx) => {
          for (const cidr of cidrs) {
            const parsed = parseCidr(cidr);
            if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem });
          }
        }),
      )
      .prefault([]),
    /**
     * Header names whose values `kretry dlq tail --json` shows as `[redacted]`. A list that is set
     * replaces this one; names containing "secret" or "token" always are. Dead letters keep the
     * values, because redrive must send the request as it was.
     * @defaultValue `authorization,cookie,proxy-authorization,x-api-key`
     */
    redactHeaders: list
      .pipe(z.array(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be header names')))
      .prefault([...DEFAULT_REDACTED_HEADERS]),
    /** Treat 404 like 410: permanent and disabling. @defaultValue false */
    disableOn404: booleanFlag.prefault(false),
    /** Signing secrets by endpoint id (JSON object in the environment). @defaultValue none */
    endpointSecrets: z
      .union([z.string(), z.record(z.string(), z.union([z.string(), z.array(z.string())]))])
      .transform((value, ctx) => {
        if (typeof value !== 'string') return value;
        try {
          return z.record(z.string(), z.union([z.string(), z.array(z.string())])).parse(JSON.parse(value));
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object {"endpointId": "whsec_…"}' });
          return z.NEVER;
        }
      })
      .transform((record) =>
        Object.fromEntries(
          Object.entries(record).map(([id, secrets]) => [id, Array.isArray(secrets) ? secrets : [secrets]]),
        ),
      )
      .prefault({}),
    /** How long an open circuit stays open before one probe. @defaultValue `30s` */
    breakerOpenFor: duration.prefault('30s'),
    /** Consecutive failures that open the circuit. @defaultValue 5 */
    breakerConsecutiveFailures: int(1, 1000).default(5),
    /** Failed attempts in a row at which the projection announces an endpoint as `failing`. @defaultValue 10 */
    failingEventAfter: int(1, 1_000_000).default(10),
    /** Role `notifier` POSTs every endpoint event here (signed, retried like any delivery). @defaultValue unset */
    notifyUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /** The endpoint id notifications are delivered as: its secrets sign them. @defaultValue `kretry-notifier` */
    notifyEndpointId: z.string().min(1).max(256).default('kretry-notifier'),
    /** Partitions of every topic `kretry topics create` makes. @defaultValue 6 */
    partitions: int(1, 10_000).default(6),
    /** @defaultValue min(3, number of brokers) */
    replicationFactor: int(1, 10).optional(),
    /** HTTP attempts in flight per role in one process. @defaultValue 32 */
    concurrency: int(1, 10_000).default(32),
    /**
     * Attempts in flight to one endpoint from one role in one process, at most: the adaptive limit
     * (429s and slow answers lower it) grows up to this. @defaultValue 16
     */
    endpointMaxConcurrency: int(1, 10_000).default(16),
    /** Every endpoint's rate limit unless its own is set, e.g. `50/s` or `50/s,100` (burst 100). @defaultValue unset: none */
    endpointRateLimit: rateLimitText.optional(),
    /** The longest a delivery over its endpoint's rate limit waits in memory before it defers to the smallest tier. @defaultValue `1s` */
    rateLimitMaxWait: duration.prefault('1s'),
    /** Records a tier worker buffers per partition, ordered by due time. @defaultValue 500 */
    tierLookahead: int(1, 2000).default(500),
    /** Consumer group session timeout: how soon a crashed process's partitions move. @defaultValue `30s` */
    sessionTimeout: duration.prefault('30s'),
    /** How long shutdown waits for in-flight attempts. @defaultValue `30s` */
    shutdownTimeout: duration.prefault('30s'),
    /** Admin API, `/metrics`, `/healthz`, `/readyz` (role `api`); 0 picks a free port. @defaultValue 8080 */
    apiPort: int(0, 65_535).default(8080),
    /** Address the admin API listens on; `0.0.0.0` for every interface. @defaultValue `127.0.0.1` */
    apiHost: z.string().min(1).default('127.0.0.1'),
    /** Bearer token the admin API requires (all routes but `/healthz`, `/readyz`). @defaultValue unset: no auth */
    apiToken: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Endpoints with their own metric series (the most failing ones); 0 for none. @defaultValue 10 */
    metricsTopEndpoints: int(0, 1000).default(10),
    /** @defaultValue `dispatcher,tiers,projection,api`, and `notifier` when `notifyUrl` is set */
    roles: list
      .pipe(z.array(z.enum(ROLES, { error: `must be among ${ROLES.join(', ')}` })).min(1))
      .optional(),
    /** @defaultValue `info` */
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** One `info` line per attempt (ids, status, outcome, next step; no headers or bodies). @defaultValue true */
    logAttempts: booleanFlag.prefault(true),
  })
  .strict();

/**
 * The admin API changes endpoints and redrives deliveries: reachable from other hosts, it must not
 * be open to anyone who can connect. Only a process that serves it is refused (see `loadConfig`):
 * an operator command on a host whose environment is the server's has nothing to expose.
 */
export function apiExposureProblem(config: Config): string | undefined {
  if (!config.roles.includes('api') || config.apiToken !== undefined || isLoopbackHost(config.apiHost))
    return undefined;
  return `${config.apiHost} is not a loopback address, so KRETRY_API_TOKEN must be set (or keep KRETRY_API_HOST on 127.0.0.1)`;
}

/** Loopback: `localhost`, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

export type ConfigInput = z.input<typeof configSchema>;
/** The configuration as loaded: `roles` always resolved (see `resolveRoles`). */
export type Config = Omit<z.output<typeof configSchema>, 'roles'> & { readonly roles: Role[] };

/** The roles to run: as given, or the defaults plus `notifier` when there is somewhere to notify. */
export function resolveRoles(parsed: z.output<typeof configSchema>): Role[] {
  if (parsed.roles !== undefined) return parsed.roles;
  return parsed.notifyUrl === undefined ? [...DEFAULT_ROLES] : [...DEFAULT_ROLES, 'notifier'];
}

/** The environment variable of every key: the names users rely on (docs/README.md, configuration). */
export const ENV_NAMES = {
  brokers: 'KRETRY_BROKERS',
  schemaRegistryUrl: 'KRETRY_SCHEMA_REGISTRY_URL',
  topicPrefix: 'KRETRY_TOPIC_PREFIX',
  tiers: 'KRETRY_TIERS',
  maxAttempts: 'KRETRY_MAX_ATTEMPTS',
  maxAge: 'KRETRY_MAX_AGE',
  jitter: 'KRETRY_JITTER',
  dedupeWindow: 'KRETRY_DEDUPE_WINDOW',
  deliveryIndexSize: 'KRETRY_DELIVERY_INDEX_SIZE',
  retryOn: 'KRETRY_RETRY_ON',
  permanentOn: 'KRETRY_PERMANENT_ON',
  minRetryDelay: 'KRETRY_MIN_RETRY_DELAY',
  attemptTimeout: 'KRETRY_ATTEMPT_TIMEOUT',
  maxBodyBytes: 'KRETRY_MAX_BODY_BYTES',
  responseBodyLimit: 'KRETRY_RESPONSE_BODY_LIMIT',
  allowPrivateTargets: 'KRETRY_ALLOW_PRIVATE_TARGETS',
  allowedTargetCidrs: 'KRETRY_ALLOWED_TARGET_CIDRS',
  redactHeaders: 'KRETRY_REDACT_HEADERS',
  disableOn404: 'KRETRY_DISABLE_ON_404',
  endpointSecrets: 'KRETRY_ENDPOINT_SECRETS',
  breakerOpenFor: 'KRETRY_BREAKER_OPEN_FOR',
  breakerConsecutiveFailures: 'KRETRY_BREAKER_CONSECUTIVE_FAILURES',
  failingEventAfter: 'KRETRY_FAILING_EVENT_AFTER',
  notifyUrl: 'KRETRY_NOTIFY_URL',
  notifyEndpointId: 'KRETRY_NOTIFY_ENDPOINT_ID',
  partitions: 'KRETRY_PARTITIONS',
  replicationFactor: 'KRETRY_REPLICATION_FACTOR',
  concurrency: 'KRETRY_CONCURRENCY',
  tierLookahead: 'KRETRY_TIER_LOOKAHEAD',
  endpointMaxConcurrency: 'KRETRY_ENDPOINT_MAX_CONCURRENCY',
  endpointRateLimit: 'KRETRY_ENDPOINT_RATE_LIMIT',
  rateLimitMaxWait: 'KRETRY_RATE_LIMIT_MAX_WAIT',
  sessionTimeout: 'KRETRY_SESSION_TIMEOUT',
  shutdownTimeout: 'KRETRY_SHUTDOWN_TIMEOUT',
  apiPort: 'KRETRY_API_PORT',
  apiHost: 'KRETRY_API_HOST',
  apiToken: 'KRETRY_API_TOKEN',
  metricsTopEndpoints: 'KRETRY_METRICS_TOP_ENDPOINTS',
  roles: 'KRETRY_ROLES',
  logLevel: 'KRETRY_LOG_LEVEL',
  logAttempts: 'KRETRY_LOG_ATTEMPTS',
} as const satisfies Record<keyof Config, `KRETRY_${string}`>;
