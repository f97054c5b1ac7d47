import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

/** A client's mistake: answered with its status and message, never a 500. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly body: () => Promise<unknown>;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  /** Plain text (e.g. Prometheus exposition) instead of JSON. */
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Handler = (request: ApiRequest) => Promise<ApiResponse> | ApiResponse;

export interface Route {
  readonly method: 'GET' | 'PUT' | 'POST';
  /** OpenAPI path template, e.g. `/endpoints/{id}`: the same string as in openapi.json. */
  readonly path: string;
  /** False for probes an orchestrator calls without credentials. */
  readonly auth: boolean;
  readonly handler: Handler;
  /** Largest request body accepted (413 above). @defaultValue 64 KiB */
  readonly bodyLimit?: number;
}

/** Parses with zod; every issue becomes one line naming its field. */
export function parse<T>(schema: z.ZodType<T, unknown>, input: unknown, where: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  throw new ApiError(400, `invalid ${where}: ${problems.join('; ')}`, problems);
}

const BODY_LIMIT = 64 * 1024;

export async function readJsonBody(request: IncomingMessage, limit = BODY_LIMIT): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new ApiError(413, `request body over ${limit} bytes`);
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  // No body is not an empty object: a route whose document requires a body answers 400.
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError(400, `request body is not JSON: ${(error as Error).message}`);
  }
}

/** Splits a path against a template; undefined when it does not match. Bad %-escapes are a 400. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith('{') && w.endsWith('}')) {
      if (g === '') return undefined;
      try {
        params[w.slice(1, -1)] = decodeURIComponent(g);
      } catch {
        throw new ApiError(400, `path segment "${g}" is not valid percent-encoding`);
      }
    } else if (w !== g) return undefined;
  }
  return params;
}

/** Compares a presented bearer token with the configured one in constant time (hashes first: equal lengths). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b) && presented !== '';
}

export function send(response: ServerResponse, result: ApiResponse): void {
  const text = result.contentType === undefined ? JSON.stringify(result.body, null, 2) : String(result.body);
  response.writeHead(result.status, {
    ...result.headers,
    'content-type': result.contentType ?? 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}
