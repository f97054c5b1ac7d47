/**
 * The bench:compare webhook receiver, run as its own process so neither the harness's event loop
 * (producing, polling) nor a peer's shares its thread. Every request carries a JSON body
 * `{"id":"<deliveryId>"}`; the receiver counts requests per id, keeps each request's arrival time
 * and answer, and answers by scenario:
 *
 * - `A`: 200, always;
 * - `B`: 500 to the first request of the ids whose hash falls in the failing share (30 %), 200 to
 *   everything else. The hash, not a random draw, decides, so every system fails the same ids.
 *
 * Control routes (not counted): `POST /__reset?scenario=A|B` forgets everything,
 * `GET /__progress` answers {@link ReceiverProgress}, `GET /__stats` answers {@link ReceiverStats}.
 * Prints {@link ReceiverReady} as one JSON line on stdout once it listens.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exitWithParent } from './lifetime.js';
import { WARM_UP_PREFIX } from './feed.js';
import { SCENARIO_B_FAILING_SHARE, type Scenario } from './peer.js';

export interface ReceiverReady {
  readonly port: number;
}

export interface ReceiverProgress {
  readonly requests: number;
  /** Ids answered 200 at least once. */
  readonly okIds: number;
  /** Arrival time of the latest request, 0 before the first. */
  readonly lastAt: number;
  /** Warm-up requests (ids starting `warm-`): answered 200, counted nowhere else. */
  readonly warmUps: number;
}

/** One failed attempt and what followed it: the basis of lateness. */
export interface RetryGap {
  /** 1 for the gap after the first attempt failed, i.e. the first retry tier. */
  readonly tier: number;
  /** Arrival of the next request of the id minus arrival of the failed one, in ms. */
  readonly gapMs: number;
}

export interface ReceiverStats extends ReceiverProgress {
  readonly scenario: Scenario;
  /** Distinct ids that reached the receiver. */
  readonly uniqueIds: number;
  /** Ids answered 200 more than once. */
  readonly duplicateIds: number;
  /** 200 answers beyond the first per id: requests the endpoint received in vain. */
  readonly duplicateRequests: number;
  readonly firstAt: number;
  /** Arrival of the last *first* request of any id: the end of first-attempt throughput. */
  readonly lastFirstAt: number;
  readonly failedAnswers: number;
  readonly gaps: readonly RetryGap[];
  /** Failed attempts never followed by another request of the same id. */
  readonly unretried: number;
  /** Requests without a readable `id`: a peer that mangles the body shows here. */
  readonly malformed: number;
}

/** True for the ids whose first request fails in scenario B: about 30 %, the same for every system. */
function failsFirst(id: string): boolean {
  const word = createHash('sha1').update(id).digest().readUInt32BE(0);
  return word / 0x1_0000_0000 < SCENARIO_B_FAILING_SHARE;
}

interface IdRecord {
  readonly times: number[];
  readonly statuses: number[];
  ok: number;
}

let scenario: Scenario = 'A';
let ids = new Map<string, IdRecord>();
let requests = 0;
let okIds = 0;
let warmUps = 0;
let firstAt = 0;
let lastAt = 0;
let lastFirstAt = 0;
let malformed = 0;

function reset(next: Scenario): void {
  scenario = next;
  ids = new Map();
  requests = okIds = warmUps = firstAt = lastAt = lastFirstAt = malformed = 0;
}

function answer(id: string | undefined, arrivedAt: number): number {
  if (id === undefined) {
    malformed++;
    return 400;
  }
  let record = ids.get(id);
  if (record === undefined) {
    record = { times: [], statuses: [], ok: 0 };
    ids.set(id, record);
    lastFirstAt = arrivedAt;
  }
  const status = scenario === 'B' && record.times.length === 0 && failsFirst(id) ? 500 : 200;
  record.times.push(arrivedAt);
  record.statuses.push(status);
  if (status === 200 && record.ok++ === 0) okIds++;
  return status;
}

function stats(): ReceiverStats {
  let duplicateIds = 0;
  let duplicateRequests = 0;
  let failedAnswers = 0;
  let unretried = 0;
  const gaps: RetryGap[] = [];
  for (const record of ids.values()) {
    if (record.ok > 1) {
      duplicateIds++;
      duplicateRequests += record.ok - 1;
    }
    record.statuses.forEach((status, i) => {
      if (status === 200) return;
      failedAnswers++;
      const next = record.times[i + 1];
      const at = record.times[i] ?? 0;
      if (next === undefined) unretried++;
      else gaps.push({ tier: i + 1, gapMs: next - at });
    });
  }
  return {
    scenario,
    requests,
    okIds,
    lastAt,
    warmUps,
    uniqueIds: ids.size,
    duplicateIds,
    duplicateRequests,
    firstAt,
    lastFirstAt,
    failedAnswers,
    gaps,
    unretried,
    malformed,
  };
}

function idOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { id?: unknown };
    return typeof parsed.id === 'string' ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}

function control(req: IncomingMessage, res: ServerResponse, path: string): void {
  const json = (value: unknown): void =>
    void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  if (path === '/__progress') return json({ requests, okIds, lastAt, warmUps } satisfies ReceiverProgress);
  if (path === '/__stats') return json(stats());
  if (path === '/__reset' && req.method === 'POST') {
    const next = new URL(req.url ?? '/', 'http://x').searchParams.get('scenario');
    reset(next === 'B' ? 'B' : 'A');
    return json({ scenario });
  }
  res.writeHead(404).end();
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path.startsWith('/__')) {
    req.resume();
    return control(req, res, path);
  }
  // Stamped on arrival, before the body is read: the time the endpoint saw the attempt begin.
  const arrivedAt = Date.now();
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const id = idOf(Buffer.concat(chunks).toString('utf8'));
    if (id?.startsWith(WARM_UP_PREFIX) === true) {
      warmUps++;
      res.writeHead(200, { 'content-length': '0' }).end();
      return;
    }
    if (requests++ === 0) firstAt = arrivedAt;
    lastAt = arrivedAt;
    res.writeHead(answer(id, arrivedAt), { 'content-length': '0' }).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const ready: ReceiverReady = { port: (server.address() as AddressInfo).port };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
});
exitWithParent();
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
