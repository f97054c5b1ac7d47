import { Agent, request } from 'undici';
import type { AttemptError, AttemptResult } from '../domain/classify.js';
import { parseRetryAfterMs } from '../domain/retry-after.js';
import { signatureHeader } from './signing.js';
import { addressCheck, guardedLookup, TARGET_FORBIDDEN, type TargetPolicy } from './target-guard.js';
import { isIP } from 'node:net';

export interface WebhookRequest {
  readonly deliveryId: string;
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly contentType: string;
}

export interface AttemptReport {
  readonly result: AttemptResult;
  readonly startedAt: number;
  readonly latencyMs: number;
  /** The start of the response body, up to the configured limit. */
  readonly responseBody: string | null;
}

export interface HttpAttempterOptions extends TargetPolicy {
  readonly attemptTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly responseBodyLimit: number;
  readonly secretsFor: (endpointId: string) => readonly string[];
  readonly now: () => number;
}

/** Headers the HTTP layer owns; a request that sets them would be refused or would lie. */
const RESERVED_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'proxy-connection',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'content-type',
]);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface HttpAttempter {
  attempt(endpointId: string, request: WebhookRequest): Promise<AttemptReport>;
  close(): Promise<void>;
}

/** One keep-alive connection pool for every attempt of a process, with the target guard on every connection. */
export function createHttpAttempter(options: HttpAttempterOptions): HttpAttempter {
  const allowed = addressCheck(options);
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    connections: 64,
    connect: { lookup: guardedLookup(allowed), timeout: options.attemptTimeoutMs },
  });

  async function attempt(endpointId: string, webhook: WebhookRequest): Promise<AttemptReport> {
    const startedAt = options.now();
    const finish = (result: AttemptResult, responseBody: string | null = null): AttemptReport => ({
      result,
      startedAt,
      latencyMs: Math.max(0, options.now() - startedAt),
      responseBody,
    });

    let url: URL;
    try {
      url = new URL(webhook.url);
    } catch {
      return finish({ kind: 'error', error: 'invalid_url' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return finish({ kind: 'error', error: 'invalid_url' });
    if (!TOKEN.test(webhook.method)) return finish({ kind: 'error', error: 'invalid_request' });
    if (webhook.body.length > options.maxBodyBytes) return finish({ kind: 'error', error: 'body_too_large' });
    // An IP literal skips DNS, and with it the guarded lookup: check it here.
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0 && !allowed(literal)) return finish({ kind: 'error', error: 'target_forbidden' });

    const timestamp = Math.floor(startedAt / 1000);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(webhook.headers)) {
      if (!RESERVED_HEADERS.has(name.toLowerCase()) && TOKEN.test(name)) headers[name] = value;
    }
    headers['content-type'] = webhook.contentType;
    headers['user-agent'] ??= 'kretry/0.1';
    headers['webhook-id'] = webhook.deliveryId;
    headers['webhook-timestamp'] = String(timestamp);
    const secrets = options.secretsFor(endpointId);
    if (secrets.length > 0)
      headers['webhook-signature'] = signatureHeader(secrets, webhook.deliveryId, timestamp, webhook.body);

    try {
      const response = await request(url, {
        dispatcher: agent,
        method: webhook.method as 'POST',
        headers,
        body: webhook.method === 'GET' || webhook.method === 'HEAD' ? null : webhook.body,
        headersTimeout: options.attemptTimeoutMs,
        bodyTimeout: options.attemptTimeoutMs,
        signal: AbortSignal.timeout(options.attemptTimeoutMs),
      });
      const body = await readCapped(response.body, options.responseBodyLimit);
      const retryAfter = response.headers['retry-after'];
      return finish(
        {
          kind: 'response',
          status: response.statusCode,
          retryAfterMs: parseRetryAfterMs(
            Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            options.now(),
          ),
        },
        body,
      );
    } catch (error) {
      return finish({ kind: 'error', error: errorKind(error) });
    }
  }

  return { attempt, close: () => agent.close() };
}

/** Reads at most `limit` bytes; the rest is discarded rather than buffered. */
async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  limit: number,
): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      if (size < limit) chunks.push(chunk.subarray(0, limit - size));
      size += chunk.length;
      if (size >= limit * 4 + 65_536) {
        body.destroy();
        break;
      }
    }
  } catch {
    // A body cut short still leaves the status, which is what classification needs.
  }
  return chunks.length === 0 ? null : Buffer.concat(chunks).toString('utf8');
}

function errorKind(error: unknown): AttemptError {
  const chain: unknown[] = [];
  for (
    let e: unknown = error;
    e !== undefined && e !== null && chain.length < 5;
    e = (e as { cause?: unknown }).cause
  )
    chain.push(e);
  for (const e of chain) {
    const code = (e as { code?: unknown }).code;
    const name = (e as { name?: unknown }).name;
    if (code === TARGET_FORBIDDEN) return 'target_forbidden';
    if (code === 'ECONNREFUSED') return 'connection_refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NODATA')
      return 'dns_failure';
    // No connection, so nothing was sent: safe to repeat whatever the method (retry-safety.ts).
    if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect_timeout';
    if (
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      code === 'ETIMEDOUT' ||
      name === 'TimeoutError' ||
      name === 'AbortError'
    ) {
      return 'timeout';
    }
    if (
      typeof code === 'string' &&
      (code.startsWith('ERR_TLS') ||
        code.startsWith('ERR_SSL') ||
        code.includes('CERT') ||
        code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    ) {
      return 'tls_failure';
    }
    // Ambiguous: the request may have been written. undici does not write it again behind kretry's
    // back: a socket that closes under a request fails that request (undici 7,
    // lib/dispatcher/client-h1.js onHttpSocketClose, "Fail head of pipeline"); only requests not yet
    // written are dispatched again on a new connection.
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED')
      return 'connection_reset';
  }
  return 'network';
}
