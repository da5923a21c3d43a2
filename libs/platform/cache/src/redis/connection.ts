import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CacheUnavailableError, type CacheHealth } from '../cache';

export interface RedisConnectionOptions {
  url: string;
  logger: Logger;
  /** Per-command deadline, so a hung server fails calls instead of stalling them (default 1000 ms). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Upper bound of the reconnect backoff (default 2000 ms). */
  maxReconnectDelayMs?: number;
}

export interface RedisConnection {
  /** The ioredis client, for other code in this library (e.g. Lua-scripted rate limiting). */
  readonly client: Redis;
  /** Resolves once connected; rejects with CacheUnavailableError after `timeoutMs`. */
  waitUntilReady(timeoutMs?: number): Promise<void>;
  health(): Promise<CacheHealth>;
  close(): Promise<void>;
}

/** The URL without credentials, for logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)[^@/]*@/, '$1***@');
}

/** Redis being unreachable, as ioredis reports it. */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  const code = (error as NodeJS.ErrnoException).code;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED'].includes(code)) return true;
  return /Stream isn't writeable|Connection is closed|Command timed out|connect ETIMEDOUT|LOADING|MASTERDOWN/.test(error.message);
}

/**
 * Creates an ioredis client tuned to fail fast: auto-pipelining; a short connect timeout; one retry per
 * request; a per-command timeout; capped, jittered reconnect backoff forever; and, once connected, no
 * offline queue, so while Redis is down every call rejects at once instead of piling up. It connects in
 * the background: a process can start while Redis is down and the cache comes up when Redis does.
 */
export function createRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const maxDelay = options.maxReconnectDelayMs ?? 2000;
  const log = options.logger.child({ component: 'redis', url: redactRedisUrl(options.url) });
  const client = new Redis(options.url, {
    enableAutoPipelining: true,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true, // only until the first 'ready', see below
    retryStrategy: (attempt) => Math.min(maxDelay, 50 * 2 ** Math.min(attempt, 10)) * (0.75 + Math.random() * 0.5),
    keepAlive: 10_000,
    lazyConnect: false,
    // How long close() lets a dead socket linger before destroying it (ioredis default 2 s keeps the
    // process, and test runners, alive for no reason).
    disconnectTimeout: 300,
  });

  let wasReady = false;
  let reportedError = false;
  let closing = false;
  client.on('ready', () => {
    client.options.enableOfflineQueue = false;
    log.info(wasReady ? 'cache connection restored' : 'cache connected');
    wasReady = true;
    reportedError = false;
  });
  client.on('close', () => {
    if (wasReady && !reportedError && !closing) log.warn('cache connection lost; calls fail fast until it is back');
    reportedError = true;
  });
  client.on('error', (error: Error) => {
    // ioredis emits one per failed reconnect: log once per outage, not per attempt.
    if (!reportedError)
      log.warn({ err: { message: error.message, code: (error as NodeJS.ErrnoException).code } }, 'cache connection error');
    reportedError = true;
  });

  return {
    client,
    waitUntilReady: (timeoutMs = 5000) =>
      new Promise<void>((resolve, reject) => {
        if (client.status === 'ready') return resolve();
        const timer = setTimeout(() => {
          client.off('ready', onReady);
          reject(new CacheUnavailableError(`Redis not ready after ${timeoutMs} ms`));
        }, timeoutMs);
        const onReady = (): void => {
          clearTimeout(timer);
          resolve();
        };
        client.once('ready', onReady);
      }),
    health: async () => {
      if (client.status !== 'ready') return { status: 'down', detail: `connection ${client.status}` };
      const started = process.hrtime.bigint();
      try {
        await client.ping();
        return { status: 'up', latencyMs: Number(process.hrtime.bigint() - started) / 1e6 };
      } catch (error) {
        return { status: 'down', detail: error instanceof Error ? error.message : String(error) };
      }
    },
    close: async () => {
      closing = true;
      if (client.status === 'end') return;
      // QUIT only when connected: otherwise it would wait in the queue while reconnecting goes on.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
