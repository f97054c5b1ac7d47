import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnNodePeer, type NodeChildPeer } from '../compare/child-peer.js';
import type { Peer, PeerStartOptions } from '../compare/peer.js';
import type { AsyncRetryOptions } from './kafkajs-async-retry-process.js';

const ENTRY = fileURLToPath(new URL('./kafkajs-async-retry-process.ts', import.meta.url));

/** kafkajs-async-retry 1.0.0 in its own process (kafkajs-async-retry-process.ts). */
export const asyncRetryPeer: Peer = {
  name: 'kafkajs-async-retry',
  start: (o) => startAsyncRetry(o),
};

/** As {@link asyncRetryPeer}, with the library's `maxWaitTime` chosen: `--finding` sets it. */
export function startAsyncRetry(o: PeerStartOptions, maxWaitTimeMs?: number): Promise<NodeChildPeer> {
  const options: AsyncRetryOptions = maxWaitTimeMs === undefined ? o : { ...o, maxWaitTimeMs };
  return spawnNodePeer(ENTRY, options, join(tmpdir(), `bench-compare-${o.runId}-kafkajs-async-retry.log`));
}
