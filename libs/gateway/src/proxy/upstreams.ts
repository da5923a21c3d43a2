import { Agent, type IncomingMessage, request as httpRequest } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { RateLimitedError } from '@tenantry/contracts';
import { HttpProblem, type Identity, signIdentity } from '@tenantry/http';
import type { Logger } from '@tenantry/telemetry';
import type { Response } from 'express';
import type { UpstreamResponse } from '../response-cache';
import type { UpstreamRoute } from '../routes';
import { Bulkhead } from './bulkhead';
import { downstreamResponseHeaders, type ForwardedFor, upstreamRequestHeaders } from './headers';

export interface UpstreamsOptions {
  /** Base URL of a service (`context.urlOf`). */
  urlOf: (service: UpstreamRoute['service']) => string;
  /** INTERNAL_SECRET: the key identities are signed with. */
  internalSecret: string;
  timeoutMs: number;
  /** Keep-alive sockets per service for tenant and public traffic. */
  maxSockets: number;
  /** Keep-alive sockets per service for the admin and key resolution, apart from the tenants' pool. Default 32. */
  controlMaxSockets?: number;
  /** Concurrent upstream requests one caller (`bulkhead` key) may have in flight. Default: unbounded. */
  maxConcurrentPerCaller?: number;
  /** A buffered response larger than this is refused (502) as it is read. Default 8 MiB. */
  maxBufferedResponseBytes?: number;
  logger: Logger;
  /** Told about every new TCP connection to a service (for the upstream-connections counter). */
  onNewConnection?: (service: string) => void;
  /** Told about every call refused because its caller was at its concurrency bound. */
  onBulkheadFull?: () => void;
}

/**
 * Which connections a call uses: tenants and anonymous callers share `tenant`; the platform admin and
 * key resolution have `control`, so no tenant traffic can starve authentication or the operator.
 */
export type UpstreamPool = 'tenant' | 'control';

/** One request to a service, as the gateway sends it. */
export interface UpstreamCall {
  route: UpstreamRoute;
  method: string;
  /** Path and query (origin form), as received. */
  url: string;
  /** The client's headers (its identity headers already removed): hop-by-hop and framing headers are dropped here. */
  headers: Record<string, string | string[] | undefined>;
  /** Signed into the request when it is sent (absent: a public route, nothing signed). */
  identity?: Identity;
  /** The whole body the gateway forwards (read at the edge); absent: a request without a body. */
  body?: Buffer;
  pool: UpstreamPool;
  /** Whom the call counts against in the per-caller bound (a tenant id, `anon:<address>`); absent: unbounded. */
  bulkhead?: string;
  forwarded?: ForwardedFor;
  /** The gateway's request id, which the service logs and puts in its problems. */
  requestId?: string;
}

/**
 * THE place an upstream request is signed. It knows the target service and the exact number of body
 * bytes forwarded (0 for none), so the signature can be bound to both (issue 9, item 8).
 */
export function signUpstream(
  identity: Identity,
  target: { service: string; method: string; url: string; bodyLength?: number },
  secret: string,
): Record<string, string> {
  return signIdentity(
    identity,
    {
      method: target.method,
      url: target.url,
      audience: target.service,
      ...(target.bodyLength === undefined ? {} : { bodyLength: target.bodyLength }),
    },
    secret,
  );
}

const DEFAULT_CONTROL_SOCKETS = 32;
const DEFAULT_MAX_BUFFERED_RESPONSE_BYTES = 8 * 1024 * 1024;

/**
 * The gateway's one client of the services, for both ways of answering: `forward` streams the response
 * back (everything not served through the response cache), `fetch` buffers it (cache misses, background
 * revalidation, key resolution). Both send exactly the framing of the body they carry (a bodiless call
 * has neither Content-Length nor Transfer-Encoding; a body goes with its exact Content-Length), strip
 * hop-by-hop headers both ways, add X-Forwarded-*, sign in one place, count against the caller's
 * concurrency bound and turn failures into problems (502, 504) for the platform's problem mapper.
 */
export class Upstreams {
  private readonly agents: Record<UpstreamPool, Agent>;
  private readonly bulkhead: Bulkhead;
  private readonly maxBuffered: number;
  private opened = 0;
  private readonly targets = new Map<string, URL>();

  constructor(private readonly options: UpstreamsOptions) {
    this.agents = { tenant: this.agent(options.maxSockets), control: this.agent(options.controlMaxSockets ?? DEFAULT_CONTROL_SOCKETS) };
    this.bulkhead = new Bulkhead(options.maxConcurrentPerCaller ?? Number.POSITIVE_INFINITY);
    this.maxBuffered = options.maxBufferedResponseBytes ?? DEFAULT_MAX_BUFFERED_RESPONSE_BYTES;
  }

  /** TCP connections opened to upstream services so far. */
  get newConnections(): number {
    return this.opened;
  }

  /** Upstream requests in flight for a caller (its bulkhead key). */
  inFlight(caller: string): number {
    return this.bulkhead.inFlight(caller);
  }

  /** Streams the service's response to `res`; resolves when it is sent (or the client went away). */
  async forward(call: UpstreamCall, res: Response): Promise<void> {
    const response = await this.send(call);
    res.status(response.statusCode ?? 502);
    for (const [name, value] of Object.entries(downstreamResponseHeaders(response.headers))) res.setHeader(name, value);
    try {
      await pipeline(response, res);
    } catch (error) {
      // Headers are gone: all that is left is to end the connection, so the client sees a truncated answer.
      this.options.logger.warn({ err: error, service: call.route.service }, 'upstream response interrupted');
      res.destroy();
    }
  }

  /** Calls the service and buffers its response (for the response cache), refusing one larger than the limit as it is read. */
  async fetch(call: UpstreamCall): Promise<UpstreamResponse> {
    const response = await this.send(call);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.maxBuffered) {
          response.destroy();
          throw new HttpProblem(
            'bad-gateway',
            502,
            'Bad gateway',
            `The ${call.route.service} service answered more than ${this.maxBuffered} bytes.`,
          );
        }
        chunks.push(chunk);
      }
    } catch (error) {
      throw toProblem(error as Error, call.route.service);
    }
    return {
      statusCode: response.statusCode ?? 502,
      headers: downstreamResponseHeaders(response.headers),
      body: Buffer.concat(chunks, size),
    };
  }

  close(): void {
    this.agents.tenant.destroy();
    this.agents.control.destroy();
  }

  /** Sends the request; resolves with the response head. The caller's bulkhead slot is held until the response is consumed or fails. */
  private send(call: UpstreamCall): Promise<IncomingMessage> {
    const release = call.bulkhead === undefined ? () => undefined : this.bulkhead.tryAcquire(call.bulkhead);
    if (!release) {
      this.options.onBulkheadFull?.();
      throw new RateLimitedError(
        `Too many concurrent requests: at most ${this.bulkhead.limit} of yours may be in progress at once; retry when one has finished.`,
        1,
        { policy: 'concurrency', concurrency_limit: this.bulkhead.limit },
      );
    }
    const target = this.targetOf(call.route);
    const bodyLength = call.body?.length ?? 0;
    const headers = upstreamRequestHeaders(call.headers, {
      host: target.host,
      'content-length': call.body ? String(bodyLength) : undefined,
      'x-request-id': call.requestId,
      'x-forwarded-for': call.forwarded?.for,
      'x-forwarded-proto': call.forwarded?.proto,
      'x-forwarded-host': call.forwarded?.host,
      ...(call.identity
        ? signUpstream(
            call.identity,
            { service: call.route.service, method: call.method, url: call.url, ...(call.body ? { bodyLength } : {}) },
            this.options.internalSecret,
          )
        : {}),
    });
    return new Promise<IncomingMessage>((resolve, reject) => {
      let answered = false;
      const upstream = httpRequest(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: call.method,
          path: call.url,
          headers,
          setHost: false,
          agent: this.agents[call.pool],
          timeout: this.options.timeoutMs,
        },
        (response) => {
          answered = true;
          // Free the slot as soon as the response is read, not a tick later at 'close': a client that sends
          // its next request as soon as it has this answer must find it free.
          response.once('end', release);
          response.once('close', release);
          resolve(response);
        },
      );
      upstream.on('timeout', () => upstream.destroy(new UpstreamTimeoutError(call.route.service)));
      upstream.on('error', (error) => {
        release();
        reject(toProblem(error, call.route.service));
      });
      upstream.on('close', () => {
        if (!answered) release();
      });
      // A bodiless call ends without a body and, for GET/HEAD/DELETE/OPTIONS, without any framing header.
      upstream.end(call.body);
    });
  }

  private agent(maxSockets: number): Agent {
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 1_000, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
    const createConnection = agent.createConnection.bind(agent);
    agent.createConnection = ((...args: Parameters<typeof createConnection>) => {
      this.opened += 1;
      const target = args[0] as { host?: string; port?: number | string };
      this.options.onNewConnection?.(this.serviceAt(`${target.host}:${target.port}`));
      return createConnection(...args);
    }) as typeof createConnection;
    return agent;
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
}

class UpstreamTimeoutError extends Error {
  readonly code = 'UPSTREAM_TIMEOUT';
  constructor(service: string) {
    super(`${service} did not answer in time`);
  }
}

function toProblem(error: Error & { code?: string }, service: string): Error {
  if (error instanceof HttpProblem || error instanceof RateLimitedError) return error;
  if (error.code === 'UPSTREAM_TIMEOUT' || (error.code === 'ECONNRESET' && /timeout/i.test(error.message))) {
    return new HttpProblem('gateway-timeout', 504, 'Gateway timeout', `The ${service} service did not answer in time.`);
  }
  return new HttpProblem(
    'bad-gateway',
    502,
    'Bad gateway',
    `The ${service} service is unreachable (${error.code ?? 'connection failed'}).`,
  );
}
