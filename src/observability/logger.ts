import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs to stderr (or `destination`); secrets are never passed to the logger, and these paths
 * are redacted if they are.
 */
export function createLogger(
  level: string,
  name = 'kretry',
  destination: DestinationStream = pino.destination(2),
): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: ['secret', 'secrets', '*.secret', '*.secrets', 'headers.authorization', 'endpointSecrets'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
