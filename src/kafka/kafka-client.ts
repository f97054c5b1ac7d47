import { Kafka, logLevel, Partitioners, type LogEntry } from 'kafkajs';
import type { Logger } from '../observability/logger.js';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Every kretry producer sets its partitioner: kafkajs's default (murmur2, like the Java client, so
 * a key lands on the same partition whoever produces it), set explicitly so kafkajs does not warn.
 */
export const PARTITIONER = Partitioners.DefaultPartitioner;

/** A kafkajs client whose own logs go through pino, at warn and above. */
export function createKafka(brokers: readonly string[], logger: Logger, clientId = 'kretry'): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        // Right after a commit the coordinator answers CONCURRENT_TRANSACTIONS until its markers
        // are written; kafkajs retries and logs each at ERROR. It is routine, not an error.
        // And kretry bounds the retries of its transactional producers on purpose: a send that
        // runs out of retries aborts its transaction, which is retried whole, so the warning that
        // limited retries "may invalidate EoS guarantees" does not apply.
        const text = `${message} ${String(rest['error'] ?? '')}`;
        const routine =
          text.includes('another concurrent operation on the same transaction') ||
          text.includes('Limiting retries for the idempotent producer');
        kafkaLogger[routine ? 'debug' : (LEVELS[level] ?? 'info')](rest, message);
      },
  });
}
