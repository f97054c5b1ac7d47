/**
 * The scale-out benchmark's webhook receiver, in a process of its own so neither the engines nor
 * the benchmark's own work (producing, reading topics) delays an answer. The path says how to answer:
 *
 * - `/ok` → 200;
 * - `/fail-once` → 500 for the first request carrying a `webhook-id`, 200 after.
 *
 * It answers at once (no added latency): the benchmark measures what kretry costs, not a slow
 * endpoint. `GET /__stats` answers the counts since the last `POST /__reset`; the process prints
 * its port as one JSON line on stdout once it listens.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScaleReceiverStats {
  /** Webhook requests that reached the receiver since the last reset. */
  readonly requests: number;
  readonly ok: number;
  readonly failed: number;
  /** Requests for a `webhook-id` that had already been answered 200: deliveries made twice. */
  readonly duplicates: number;
  /** Arrival of the first and the last request since the reset (epoch ms; 0 before any). */
  readonly firstAt: number;
  readonly lastAt: number;
}

export interface ScaleReceiverReady {
  readonly port: number;
}

let stats = fresh();
// Per webhook-id: 1 = answered 500 once, 2 = answered 200. Kept across resets, since the ids of
// the benchmark's phases differ anyway.
const seen = new Map<string, 1 | 2>();

function fresh(): { -readonly [K in keyof ScaleReceiverStats]: ScaleReceiverStats[K] } {
  return { requests: 0, ok: 0, failed: 0, duplicates: 0, firstAt: 0, lastAt: 0 };
}

const server = createServer((req, res) => {
  if (req.url === '/__stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  if (req.url === '/__reset') {
    stats = fresh();
    res.writeHead(204).end();
    return;
  }
  const now = Date.now();
  if (stats.requests === 0) stats.firstAt = now;
  stats.lastAt = now;
  stats.requests++;
  const id = String(req.headers['webhook-id'] ?? '');
  const before = seen.get(id);
  let status = 200;
  if (before === 2) stats.duplicates++;
  else if (before === undefined && req.url === '/fail-once') status = 500;
  if (status === 200) {
    stats.ok++;
    seen.set(id, 2);
  } else {
    stats.failed++;
    seen.set(id, 1);
  }
  req.resume();
  req.on('end', () => res.writeHead(status).end());
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const ready: ScaleReceiverReady = { port: (server.address() as AddressInfo).port };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
