import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnNodePeer } from './child-peer.js';
import type { Peer } from './peer.js';

const ENTRY = fileURLToPath(new URL('./ceiling-process.ts', import.meta.url));

/** The fair ceiling (ceiling-process.ts): scenario A only, since it never retries. */
export const ceilingPeer: Peer = {
  name: 'ceiling',
  start: (o) => spawnNodePeer(ENTRY, o, join(tmpdir(), `bench-compare-${o.runId}-ceiling.log`)),
};
