/**
 * The one error type of kretry. Codes are a closed list so callers and logs can branch on them;
 * `retryable` says whether trying the same thing again can help.
 */
export const ERROR_CODES = [
  'KRETRY_CONFIG',
  'KRETRY_SCHEMA',
  /** The schema registry could not be asked (unreachable, timeout, 5xx, 429): retryable. */
  'KRETRY_REGISTRY',
  'KRETRY_KAFKA',
  'KRETRY_HTTP',
  'KRETRY_STACK',
  'KRETRY_USAGE',
  'KRETRY_INVARIANT',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface KretryErrorOptions {
  readonly retryable?: boolean;
  readonly cause?: unknown;
  /** Extra fields for the log line; never put secrets here. */
  readonly context?: Readonly<Record<string, unknown>>;
}

export class KretryError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: KretryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KretryError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = options.context ?? {};
  }

  /** The shape pino logs under `err`. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...this.context,
    };
  }
}

export function isKretryError(value: unknown): value is KretryError {
  return value instanceof KretryError;
}

/**
 * A fault that may pass (the registry was away, the broker was busy), not bad input: whoever got it
 * should wait and try the same thing again, never dead-letter the record it was working on.
 */
export function isTransient(error: unknown): boolean {
  return isKretryError(error) && error.retryable;
}
