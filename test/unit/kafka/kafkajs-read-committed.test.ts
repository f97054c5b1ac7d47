import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertReadCommittedFixed,
  filterAbortedMessages,
} from '../../../src/kafka/kafkajs-read-committed.js';

const require = createRequire(import.meta.url);
type Filter = typeof filterAbortedMessages;

/** kafkajs 2.2.4's own filter, compiled from its file (the module cache holds the replacement). */
function upstreamFilter(): Filter {
  const path = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
  const m = new Module(path) as Module & { _compile(code: string, file: string): void; paths: string[] };
  m.filename = path;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
    dirname(path),
  );
  m._compile(readFileSync(path, 'utf8'), path);
  return m.exports as Filter;
}

interface Txn {
  producerId: string;
  aborted: boolean;
}

/**
 * A partition as a broker writes it: records of interleaved transactions (and plain records), each
 * transaction closed by its COMMIT or ABORT marker; the aborted-transactions list a read_committed
 * fetch from `start` gets (every aborted transaction whose marker is at or after `start`).
 */
function partitionLog(steps: { txn: number; end: boolean }[], txns: Txn[], start: number) {
  const log: {
    offset: string;
    key: Buffer | null;
    batchContext: { producerId: string; inTransaction: boolean };
    txn: number;
    marker: boolean;
  }[] = [];
  const open = new Map<number, number>(); // txn -> first offset
  const firstOffsets = new Map<number, number>();
  const markerOffsets = new Map<number, number>();
  for (const step of steps) {
    const t = txns[step.txn] as Txn;
    if (markerOffsets.has(step.txn)) continue; // a transaction ends once
    const offset = log.length;
    if (step.end && open.has(step.txn)) {
      log.push({
        offset: String(offset),
        key: Buffer.from([0, 0, 0, t.aborted ? 0 : 1]),
        batchContext: { producerId: t.producerId, inTransaction: true },
        txn: step.txn,
        marker: true,
      });
      markerOffsets.set(step.txn, offset);
      open.delete(step.txn);
    } else if (!step.end) {
      if (!open.has(step.txn)) {
        open.set(step.txn, offset);
        firstOffsets.set(step.txn, offset);
      }
      log.push({
        offset: String(offset),
        key: Buffer.from('k'),
        batchContext: { producerId: t.producerId, inTransaction: true },
        txn: step.txn,
        marker: false,
      });
    }
  }
  // read_committed only ever sees completed transactions: drop records of those still open.
  const complete = log.filter((r) => markerOffsets.has(r.txn));
  const fetched = complete.filter((r) => Number(r.offset) >= start);
  const abortedTransactions = [...markerOffsets]
    .filter(([txn, marker]) => (txns[txn] as Txn).aborted && marker >= start)
    .map(([txn]) => ({
      producerId: (txns[txn] as Txn).producerId,
      firstOffset: String(firstOffsets.get(txn)),
    }));
  const expected = fetched.filter((r) => !r.marker && !(txns[r.txn] as Txn).aborted).map((r) => r.offset);
  return { fetched, abortedTransactions, expected };
}

const scenario = fc
  .record({
    txns: fc.array(fc.record({ producer: fc.integer({ min: 1, max: 4 }), aborted: fc.boolean() }), {
      minLength: 1,
      maxLength: 8,
    }),
    steps: fc.array(fc.record({ txn: fc.nat(7), end: fc.boolean() }), { maxLength: 60 }),
    start: fc.nat(60),
  })
  .map(({ txns, steps, start }) => {
    // One open transaction per producer at a time, as the protocol requires: each gets its own id.
    const withIds: Txn[] = txns.map((t, i) => ({
      producerId: String(t.producer * 100 + i),
      aborted: t.aborted,
    }));
    return { txns: withIds, steps: steps.map((s) => ({ ...s, txn: s.txn % withIds.length })), start };
  });

describe("kafkajs's aborted-record filter, replaced", () => {
  it('upstream kafkajs 2.2.4 hands over a record of an aborted transaction (the bug this replaces)', () => {
    const messages = [
      { offset: '10', key: Buffer.from('k'), batchContext: { producerId: '3', inTransaction: true } },
      { offset: '11', key: Buffer.from('k'), batchContext: { producerId: '4', inTransaction: true } },
    ];
    const abortedTransactions = [
      { producerId: '1', firstOffset: '5' },
      { producerId: '2', firstOffset: '6' },
      { producerId: '3', firstOffset: '7' },
    ];
    expect(upstreamFilter()({ messages, abortedTransactions }).map((m) => m.offset)).toEqual(['10', '11']);
    expect(filterAbortedMessages({ messages, abortedTransactions }).map((m) => m.offset)).toEqual(['11']);
  });

  it("is what kafkajs's Batch uses here", () => {
    expect(() => assertReadCommittedFixed()).not.toThrow();
  });

  it('keeps exactly the committed records, wherever the fetch starts (properties)', () => {
    fc.assert(
      fc.property(scenario, ({ txns, steps, start }) => {
        const { fetched, abortedTransactions, expected } = partitionLog(steps, txns, start);
        const kept = filterAbortedMessages({ messages: fetched, abortedTransactions })
          .filter((m) => !(m as { marker?: boolean }).marker)
          .map((m) => m.offset);
        expect(kept).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
