// First: kafkajs's aborted-record filter must be replaced before kafkajs loads.
import { assertReadCommittedFixed } from './kafkajs-read-committed.js';
import { Kafka, Partitioners, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../observability/logger.js';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * The partitioner of every producer kretry creates: `createPartitioner: PARTITIONER`.
 *
 * kafkajs's DefaultPartitioner hashes a key with murmur2 as the Java client does
 * (`toPositive(murmur2(key)) % partitions`, node_modules/kafkajs/src/producer/partitioners/legacy/
 * partitioner.js:36 with default/murmur2.js), so a key lands on the same partition whichever
 * client wrote it. That matters because users produce to `ingest` with their own clients, and
 * kretry writes there too (`kretry send`, redrive): one endpoint's deliveries must share one
 * partition, hence one owner, whoever wrote them. (librdkafka clients default to CRC32,
 * `consistent_random`; set `partitioner=murmur2_random` there to match.) Naming it explicitly
 * also stops kafkajs's one-time "switched default partitioner" warning (src/index.js:25), which
 * it logs for any producer created without `createPartitioner`.
 */
export const PARTITIONER = Partitioners.DefaultPartitioner;

/** A kafkajs client whose own logs go through pino, at warn and above. */
export function createKafka(brokers: readonly string[], logger: Logger, clientId = 'kretry'): Kafka {
  assertReadCommittedFixed();
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
