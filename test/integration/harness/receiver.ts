import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly delayMs?: number;
}

export interface ReceivedRequest {
  readonly path: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

/**
 * A real HTTP server whose answers a test scripts per path: each request takes the next scripted
 * response, and the last one repeats. Unscripted paths answer 200.
 */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly #scripts = new Map<string, ScriptedResponse[]>();
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<TestReceiver> {
    const holder: { receiver?: TestReceiver } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        holder.receiver?.requests.push({
          path,
          method: req.method ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
          at: Date.now(),
        });
        const response = holder.receiver?.next(path) ?? { status: 200 };
        setTimeout(() => {
          res.writeHead(response.status, response.headers);
          res.end(response.body ?? '');
        }, response.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.receiver = new TestReceiver(server);
    return holder.receiver;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  script(path: string, responses: readonly ScriptedResponse[]): void {
    this.#scripts.set(path, [...responses]);
  }

  next(path: string): ScriptedResponse {
    const script = this.#scripts.get(path);
    if (script === undefined || script.length === 0) return { status: 200 };
    return script.length > 1 ? (script.shift() as ScriptedResponse) : (script[0] as ScriptedResponse);
  }

  requestsTo(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
