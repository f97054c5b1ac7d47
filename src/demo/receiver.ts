import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The demo receiver's endpoints, each with a personality. */
export const PERSONALITIES = ['healthy', 'flaky', 'slow', 'gone'] as const;
export type Personality = (typeof PERSONALITIES)[number];

export const DESCRIPTIONS: Readonly<Record<Personality, string>> = {
  healthy: 'answers 200',
  flaky: 'answers 500 for a while (its circuit opens), then 200',
  slow: 'answers slowly with 429 and Retry-After: 2 on a first attempt, then 200',
  gone: 'answers 410 Gone: disabled at once, the rest dead-lettered',
};

export interface DemoReceiver {
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** A local HTTP server playing every personality, one path each (`/healthy`, `/flaky`, …). */
export async function startDemoReceiver(options: { flakyForMs: number }): Promise<DemoReceiver> {
  const startedAt = Date.now();
  const seen = new Set<string>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const personality = (req.url ?? '/').slice(1) as Personality;
      const id = String(req.headers['webhook-id'] ?? '');
      const answer = (status: number, headers: Record<string, string> = {}, delayMs = 5): void => {
        setTimeout(() => res.writeHead(status, headers).end(), delayMs);
      };
      switch (personality) {
        case 'healthy':
          return answer(200, {}, 20);
        case 'flaky':
          return answer(Date.now() - startedAt < options.flakyForMs ? 500 : 200);
        case 'slow':
          if (seen.has(id)) return answer(200, {}, 150);
          seen.add(id);
          return answer(429, { 'retry-after': '2' }, 300);
        case 'gone':
          return answer(410);
        default:
          return answer(404);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
