import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A proxy in front of a service, for a gateway started with that service's URL set to `url`: while
 * `failEvery` is k, it answers 503 itself to exactly every k-th GET it receives for `path`, and forwards
 * every other request untouched (the gateway's key lookups included). `received` and `failed` count them.
 */
export class FailingProxy {
  path = '';
  failEvery: number | null = null;
  /** GETs received for `path`, and those of them answered 503. */
  received = 0;
  failed = 0;
  private readonly agent = new Agent({ keepAlive: true });
  private server: Server | undefined;

  constructor(private readonly target: URL) {}

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('the proxy is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === this.path) {
        this.received += 1;
        if (this.failEvery !== null && this.received % this.failEvery === 0) {
          this.failed += 1;
          req.resume();
          res.writeHead(503, { 'content-type': 'application/problem+json' });
          res.end(JSON.stringify({ type: 'about:blank', title: 'Service unavailable', status: 503 }));
          return;
        }
      }
      const upstream = httpRequest(
        {
          hostname: this.target.hostname,
          port: this.target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: this.target.host },
          agent: this.agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
    this.agent.destroy();
  }
}
