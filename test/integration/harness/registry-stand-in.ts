import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the stand-in does with a request: pass it to the real registry, answer with a status of its
 * own, close the socket without an answer, or never answer.
 */
export type StandInMode =
  | { readonly kind: 'proxy' }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'close' }
  | { readonly kind: 'hang' };

/**
 * A real HTTP server in front of the real schema registry, so a test can make the registry fail in
 * the ways a network does and then recover, with the same URL throughout. `stop` and `listenAgain`
 * make it "not listening" (connection refused) and back on the same port.
 */
export class RegistryStandIn {
  mode: StandInMode = { kind: 'proxy' };
  /** Request paths as they arrived, in every mode. */
  readonly requests: string[] = [];
  #server: Server;
  readonly #port: number;
  readonly #target: string;

  private constructor(server: Server, port: number, target: string) {
    this.#server = server;
    this.#port = port;
    this.#target = target;
  }

  /** `target` is the real registry's base URL (e.g. `http://127.0.0.1:8081/apis/ccompat/v7`). */
  static async start(target: string): Promise<RegistryStandIn> {
    const holder: { standIn?: RegistryStandIn } = {};
    const server = await listen((req, res) => holder.standIn?.handle(req, res), 0);
    const standIn = new RegistryStandIn(server, (server.address() as AddressInfo).port, target);
    holder.standIn = standIn;
    return standIn;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** How many requests asked for this path. */
  count(path: string): number {
    return this.requests.filter((p) => p === path).length;
  }

  /** Stops listening: a request now gets ECONNREFUSED. */
  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Listens again on the same port (after `stop`). */
  async listenAgain(): Promise<void> {
    this.#server = await listen((req, res) => this.handle(req, res), this.#port);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push(req.url ?? '/');
    const mode = this.mode;
    switch (mode.kind) {
      case 'status':
        res.writeHead(mode.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error_code: mode.status, message: `stand-in answers ${mode.status}` }));
        return;
      case 'close':
        req.socket.destroy();
        return;
      case 'hang':
        return;
      case 'proxy':
        void this.proxy(req, res);
        return;
    }
  }

  private async proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const name of ['accept', 'content-type']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const upstream = await fetch(`${this.#target}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/json',
      });
      res.end(body);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `stand-in could not reach the registry: ${String(error)}` }));
    }
  }
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void, port: number): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
