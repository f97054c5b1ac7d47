import { createRequire } from 'node:module';
import { KretryError } from '../errors.js';

/**
 * kafkajs 2.2.4 lets a read_committed consumer see records of aborted transactions (found by the
 * chaos suite, confirmed against the Java client's read_committed on the same topic; docs/kafkajs.md,
 * trap 15). Its filter (src/consumer/filterAbortedMessages.js) starts at most ONE aborted
 * transaction per message it walks past. When a fetch begins after several aborted transactions
 * started (many lanes' producers write to one partition, so that is routine), the later ones are
 * not yet active when their records come by, and those records are handed over as if committed:
 * a worker did a retry an aborted transaction had scheduled, and the attempt was recorded twice.
 *
 * This replaces that module, before kafkajs's Batch loads it, with the Java consumer's rule
 * (Fetcher's `consumeAbortedTransactionsUpTo`): every aborted transaction that started at or
 * before a record is active when the record is judged; an ABORT marker of a producer ends its.
 * Every module that imports kafkajs imports this first; `assertReadCommittedFixed` refuses to run
 * a consumer if kafkajs was loaded before it anyway.
 */

interface Message {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}

const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]); // control record: version 0, type 0 (ABORT)

export function filterAbortedMessages({
  messages,
  abortedTransactions,
}: {
  messages: readonly Message[];
  abortedTransactions?: readonly AbortedTransaction[] | null;
}): Message[] {
  if (abortedTransactions === undefined || abortedTransactions === null || abortedTransactions.length === 0)
    return [...messages];
  const pending = [...abortedTransactions].sort((a, b) => compareOffsets(a.firstOffset, b.firstOffset));
  const aborted = new Set<string>();
  return messages.filter((message) => {
    while (
      pending.length > 0 &&
      compareOffsets((pending[0] as AbortedTransaction).firstOffset, message.offset) <= 0
    ) {
      aborted.add(String((pending.shift() as AbortedTransaction).producerId));
    }
    const { producerId, inTransaction } = message.batchContext;
    if (message.key !== null && Buffer.from(message.key).equals(ABORT_MARKER_KEY)) {
      aborted.delete(String(producerId));
      return true; // a control record: kafkajs drops those right after this filter
    }
    return !(inTransaction && aborted.has(String(producerId)));
  });
}

function compareOffsets(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const require = createRequire(import.meta.url);
const FILTER_PATH = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
const BATCH_PATH = require.resolve('kafkajs/src/consumer/batch.js');
const loadedTooLate = require.cache[BATCH_PATH] !== undefined;
if (!loadedTooLate) {
  require(FILTER_PATH);
  const cached = require.cache[FILTER_PATH];
  if (cached !== undefined) cached.exports = filterAbortedMessages;
}

/**
 * Throws unless kafkajs's Batch filters aborted records correctly: a check by behaviour, on
 * kafkajs's own Batch class, with three aborted transactions that began before the first record.
 */
let checked = false;

export function assertReadCommittedFixed(): void {
  if (checked) return;
  const Batch = require(BATCH_PATH) as new (
    topic: string,
    fetchedOffset: string,
    data: Record<string, unknown>,
  ) => { messages: { offset: string }[] };
  const record = (offset: number, producerId: string): Record<string, unknown> => ({
    offset: String(offset),
    key: Buffer.from('k'),
    value: Buffer.from('v'),
    isControlRecord: false,
    batchContext: { producerId, inTransaction: true, isControlBatch: false },
  });
  const batch = new Batch('t', '10', {
    partition: 0,
    highWatermark: '20',
    abortedTransactions: [
      { producerId: '1', firstOffset: '5' },
      { producerId: '2', firstOffset: '6' },
      { producerId: '3', firstOffset: '7' },
    ],
    messages: [record(10, '3'), record(11, '4')],
  });
  const offsets = batch.messages.map((m) => m.offset);
  if (offsets.length !== 1 || offsets[0] !== '11') {
    throw new KretryError(
      'KRETRY_INVARIANT',
      'kafkajs was loaded before kretry replaced its aborted-transaction filter, so read_committed consumers could see aborted records; import src/kafka/kafkajs-read-committed.js before kafkajs',
    );
  }
  checked = true;
}
