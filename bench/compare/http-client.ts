import { Agent, request } from 'undici';

/**
 * kretry's attempt timeout default (`attemptTimeout`, 10 s): the agent's connect timeout and the
 * request's header and body timeouts, as src/delivery/attempt.ts sets them.
 */
const ATTEMPT_TIMEOUT_MS = 10_000;

export interface BenchHttpClient {
  /** POSTs `body` as JSON; the status, or 0 when no response came (refused, reset, timed out). */
  post(url: string, body: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The HTTP client the Node peers use: the same undici Agent settings as kretry's attempter
 * (src/delivery/attempt.ts: keep-alive 30 s, 64 connections, connect timeout = attempt timeout)
 * and the same header/body timeouts. kretry's target guard is left out: the receiver is an IP
 * literal, for which kretry does no DNS lookup either.
 */
export function createBenchHttpClient(): BenchHttpClient {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    connections: 64,
    connect: { timeout: ATTEMPT_TIMEOUT_MS },
  });
  return {
    async post(url, body) {
      try {
        const response = await request(url, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          headersTimeout: ATTEMPT_TIMEOUT_MS,
          bodyTimeout: ATTEMPT_TIMEOUT_MS,
        });
        await response.body.dump();
        return response.statusCode;
      } catch {
        return 0;
      }
    },
    close: () => agent.close(),
  };
}

/** At most `limit` tasks at once across every caller: the process-wide HTTP concurrency. */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
}

export function createLimiter(limit: number): Limiter {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    async run(task) {
      if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      else active++;
      try {
        return await task();
      } finally {
        // Hand the slot straight to the next waiter, so `active` never dips and a late arrival
        // cannot overtake the queue.
        const next = waiting.shift();
        if (next === undefined) active--;
        else next();
      }
    },
  };
}
