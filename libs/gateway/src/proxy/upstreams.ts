import { Agent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { HttpProblem } from '@tenantry/http';
import type { Logger } from '@tenantry/telemetry';
import type { Request, RequestHandler, Response } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { UpstreamResponse } from '../response-cache';
import type { UpstreamRoute } from '../routes';

export interface UpstreamsOptions {
  /** Base URL of a service (`context.urlOf`). */
  urlOf: (service: UpstreamRoute['service']) => string;
  timeoutMs: number;
  maxSockets: number;
  logger: Logger;
  /** Told about every new TCP connection to a service (for the upstream-connections counter). */
  onNewConnection?: (service: string) => void;
}

/** Headers that describe one hop and must not be forwarded or stored (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/**
 * The gateway's way to the services: ONE keep-alive agent shared by the streaming proxy
 * (http-proxy-middleware, for everything not served from the response cache) and by `fetch` (buffered,
 * for cacheable GETs and background revalidation), so a busy gateway reuses a small pool of upstream
 * connections instead of opening one per request. `newConnections` counts the TCP connections it opened.
 */
export class Upstreams {
  readonly agent: Agent;
  private opened = 0;
  private readonly proxy: RequestHandler;
  private readonly targets = new Map<string, URL>();

  constructor(private readonly options: UpstreamsOptions) {
    this.agent = new Agent({ keepAlive: true, keepAliveMsecs: 1_000, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets, scheduling: 'lifo' });
    const createConnection = this.agent.createConnection.bind(this.agent);
    this.agent.createConnection = ((...args: Parameters<typeof createConnection>) => {
      this.opened += 1;
      const target = args[0] as { host?: string; port?: number | string };
      options.onNewConnection?.(this.serviceAt(`${target.host}:${target.port}`));
      return createConnection(...args);
    }) as typeof createConnection;

    this.proxy = createProxyMiddleware<Request, Response>({
      router: (req) => this.targetOf(routeOf(req)).origin,
      agent: this.agent,
      xfwd: true,
      proxyTimeout: options.timeoutMs,
      // Only our own error handling: the default plugins would log through console and answer errors
      // in plain text, not problem+json.
      ejectPlugins: true,
      plugins: [(server) => server.on('error', (error, req, res) => this.answerProxyError(error, req as Request, res as Response | Socket))],
    }) as unknown as RequestHandler;
  }

  /** TCP connections opened to upstream services so far. */
  get newConnections(): number {
    return this.opened;
  }

  /** Streams the request to its service and the response back (no buffering). */
  forward(req: Request, res: Response, route: UpstreamRoute): Promise<void> {
    routes.set(req, route);
    return new Promise<void>((resolve, reject) => {
      res.once('close', () => resolve());
      Promise.resolve(this.proxy(req, res, (error?: unknown) => (error ? reject(error) : resolve()))).catch(reject);
    });
  }

  /**
   * Calls the service and buffers its response (for the response cache). `headers` are sent as given:
   * the caller has already replaced the client's identity headers with the signed ones.
   */
  fetch(route: UpstreamRoute, method: string, url: string, headers: IncomingHttpHeaders): Promise<UpstreamResponse> {
    const target = this.targetOf(route);
    return new Promise<UpstreamResponse>((resolve, reject) => {
      const upstream = httpRequest(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, method, path: url, headers: forwardable(headers), agent: this.agent, timeout: this.options.timeoutMs },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => resolve({ statusCode: response.statusCode ?? 502, headers: responseHeaders(response.headers), body: Buffer.concat(chunks) }));
        },
      );
      upstream.on('timeout', () => upstream.destroy(new UpstreamTimeoutError(route.service)));
      upstream.on('error', (error) => reject(toProblem(error, route.service)));
      upstream.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private serviceAt(hostPort: string): string {
    for (const [service, url] of this.targets) if (`${url.hostname}:${url.port || 80}` === hostPort) return service;
    return 'unknown';
  }

  private targetOf(route: UpstreamRoute): URL {
    let target = this.targets.get(route.service);
    if (!target) {
      target = new URL(this.options.urlOf(route.service));
      this.targets.set(route.service, target);
    }
    return target;
  }

  private answerProxyError(error: Error, req: Request, res: Response | Socket): void {
    const route = routes.get(req);
    const problem = toProblem(error, route?.service ?? 'upstream');
    this.options.logger.warn({ err: error, service: route?.service }, 'upstream request failed');
    if (!('setHeader' in res) || res.headersSent) {
      res.destroy();
      return;
    }
    res.status(problem.status).type('application/problem+json').json({
      type: `https://tenantry.dev/problems/${problem.problemType}`,
      title: problem.title,
      status: problem.status,
      detail: problem.message,
    });
  }
}

const routes = new WeakMap<Request, UpstreamRoute>();

function routeOf(req: Request): UpstreamRoute {
  const route = routes.get(req);
  if (!route) throw new Error('Upstreams.forward() was not used for this request');
  return route;
}

class UpstreamTimeoutError extends Error {
  readonly code = 'UPSTREAM_TIMEOUT';
  constructor(service: string) {
    super(`${service} did not answer in time`);
  }
}

function toProblem(error: Error & { code?: string }, service: string): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error.code === 'UPSTREAM_TIMEOUT' || error.code === 'ECONNRESET' && /timeout/i.test(error.message)) {
    return new HttpProblem('gateway-timeout', 504, 'Gateway timeout', `The ${service} service did not answer in time.`);
  }
  return new HttpProblem('bad-gateway', 502, 'Bad gateway', `The ${service} service is unreachable (${error.code ?? 'connection failed'}).`);
}

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const result: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) result[name] = value;
  }
  return result;
}

function responseHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) result[name] = value;
  }
  return result;
}
