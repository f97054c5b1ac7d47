import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** JSON logs to stderr; secrets are never passed to the logger, and these paths are redacted if they are. */
export function createLogger(level: string, name = 'kretry'): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: ['secret', 'secrets', '*.secret', '*.secrets', 'headers.authorization', 'endpointSecrets'],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}
