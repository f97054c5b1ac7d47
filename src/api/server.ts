import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KretryError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { ApiError, bearerMatches, matchPath, readJsonBody, send, type Route } from './http.js';

export interface ApiServer {
  /** The base URL it listens on, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  readonly host: string;
  readonly port: number;
  /** When set, every route with `auth` requires `Authorization: Bearer <token>`. */
  readonly token: string | undefined;
  readonly routes: readonly Route[];
  readonly logger: Logger;
}

/** Role `api`: a small router over node:http (eleven routes do not need a framework). */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { routes, logger, token } = options;
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://api.local');
    const method = request.method ?? 'GET';
    void (async () => {
      try {
        const candidates = routes
          .map((route) => ({ route, params: matchPath(route.path, url.pathname) }))
          .filter((c): c is { route: Route; params: Record<string, string> } => c.params !== undefined);
        if (candidates.length === 0) throw new ApiError(404, `no route ${url.pathname}; see /openapi.json`);
        const found = candidates.find((c) => c.route.method === method);
        if (found === undefined) {
          response.setHeader('allow', candidates.map((c) => c.route.method).join(', '));
          throw new ApiError(405, `${method} is not allowed on ${url.pathname}`);
        }
        if (found.route.auth && token !== undefined && !bearerMatches(request.headers.authorization, token)) {
          response.setHeader('www-authenticate', 'Bearer');
          throw new ApiError(401, 'missing or wrong bearer token (Authorization: Bearer <KRETRY_API_TOKEN>)');
        }
        const result = await found.route.handler({
          params: found.params,
          query: Object.fromEntries(url.searchParams),
          body: () => readJsonBody(request, found.route.bodyLimit),
        });
        send(response, result);
      } catch (error) {
        if (error instanceof ApiError) {
          send(response, {
            status: error.status,
            body: { error: error.message, ...(error.details !== undefined && { details: error.details }) },
          });
          return;
        }
        const unavailable = error instanceof KretryError && error.retryable;
        // Only the path: query strings and bodies may carry secrets.
        logger.error({ err: error, method, path: url.pathname }, 'admin API request failed');
        send(response, {
          status: unavailable ? 503 : 500,
          // A dependency that is away (broker, registry): ask the client to come back shortly.
          ...(unavailable && { headers: { 'retry-after': '5' } }),
          body: {
            error: unavailable ? `${(error as Error).message}; try again` : 'internal error; see the logs',
          },
        });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new KretryError(
          'KRETRY_CONFIG',
          error.code === 'EADDRINUSE'
            ? `KRETRY_API_PORT ${options.port} is in use on ${options.host}; pick another port (0 = any free one)`
            : `admin API cannot listen on ${options.host}:${options.port}: ${error.message}`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
