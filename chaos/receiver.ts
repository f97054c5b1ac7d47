/**
 * The chaos suite's webhook receiver, run as its own process so the runner's busy event loop
 * (producing, tailing topics) never delays an answer. The path says how to answer:
 *
 * - `/ok` → 200;
 * - `/flaky/<n>` → 500 for the first n requests carrying one `webhook-id`, then 200;
 * - `/dead/<status>` → that status, always (500: retried until max_attempts or max_age; 410: permanent).
 *
 * Every answer waits a uniform random latency in [CHAOS_LATENCY_MIN_MS, CHAOS_LATENCY_MAX_MS].
 * `GET /__stats` answers the request count (stats requests excluded). The process prints its port
 * as one JSON line on stdout once it listens.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { processEnv } from '../src/config/env.js';

export interface ReceiverStats {
  /** Webhook requests answered or in progress: everything that reached the receiver. */
  readonly requests: number;
  readonly byStatus: Record<string, number>;
}

export interface ReceiverReady {
  readonly port: number;
}

const env = processEnv();
const minMs = Number(env['CHAOS_LATENCY_MIN_MS'] ?? '0');
const maxMs = Number(env['CHAOS_LATENCY_MAX_MS'] ?? '0');

let requests = 0;
const byStatus: Record<string, number> = {};
const seen = new Map<string, number>();

function statusFor(path: string, webhookId: string): number {
  const [, kind, arg] = path.split('/');
  if (kind === 'flaky') {
    const count = (seen.get(webhookId) ?? 0) + 1;
    seen.set(webhookId, count);
    return count <= Number(arg) ? 500 : 200;
  }
  if (kind === 'dead') return Number(arg);
  return 200;
}

const server = createServer((req, res) => {
  if (req.url === '/__stats') {
    const stats: ReceiverStats = { requests, byStatus };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  // Counted on arrival: a request whose answer never reaches the engine (killed, frozen) still
  // reached the endpoint, which is what an "extra request" means to the endpoint's owner.
  requests++;
  const status = statusFor(req.url ?? '/', String(req.headers['webhook-id'] ?? ''));
  req.resume();
  req.on('end', () => {
    const latency = minMs + Math.random() * (maxMs - minMs);
    setTimeout(() => {
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      res.writeHead(status).end();
    }, latency);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const ready: ReceiverReady = { port: (server.address() as AddressInfo).port };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
