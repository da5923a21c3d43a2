import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CacheUnavailableError, type CacheHealth } from '../cache';
import { HealthModel } from '../health/health-model';
import { ConnectionWatchdog } from './watchdog';

export { isUnavailable } from '../health/health-model';

export interface RedisConnectionOptions {
  url: string;
  logger: Logger;
  /**
   * How long a connection may owe replies without receiving a byte before the watchdog declares it
   * stalled, fails what it has in flight and reconnects (default 1000 ms).
   */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Upper bound of the reconnect backoff (default 2000 ms). */
  maxReconnectDelayMs?: number;
  /**
   * Connections in the pool (default 3, at least 1): with two or more, the last one carries the large
   * values only, and small commands go to the others (see `clientFor`).
   */
  poolSize?: number;
  /** A value of at least this many bytes is large (default 64 KiB). */
  largeValueBytes?: number;
  /** While the health model is not up, at most one PING probe per interval (default 500 ms). */
  probeIntervalMs?: number;
}

/**
 * A small pool of ioredis connections to one Redis, with one health model for everything that uses it
 * (the cache and the rate limiter) and one watchdog timer for all its connections.
 */
export interface RedisConnection {
  /** A ready connection for a small command (`clientFor()` with no key): for one-off commands, tests, INFO. */
  readonly client: Redis;
  /** Every connection of the pool; the last is the large-value lane when there are two or more. */
  readonly clients: readonly Redis[];
  /**
   * The connection for a command on `keys`: the large-value lane when one of them last held (or is
   * being given) a large value; otherwise the ready small lane with the fewest replies owed, the first on
   * a tie (so the commands of one tick share one auto-pipeline), so a large reply on the way in on one
   * connection does not hold up the small replies behind it.
   */
  clientFor(keys?: readonly string[]): Redis;
  /** Remembers the size of the value a key holds (read or written), for `clientFor`. */
  noteValueSize(key: string, bytes: number): void;
  /** Up / degraded / down for this Redis: shared by the cache and the rate limiter. */
  readonly availability: HealthModel;
  /** Resolves once every connection is ready; rejects with CacheUnavailableError after `timeoutMs`. */
  waitUntilReady(timeoutMs?: number): Promise<void>;
  health(): Promise<CacheHealth>;
  close(): Promise<void>;
}

/** The URL without credentials, for logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)[^@/]*@/, '$1***@');
}

/** Keys remembered as holding a large value (the oldest is forgotten first). */
const MAX_LARGE_KEYS = 10_000;
const NO_KEYS: readonly string[] = Object.freeze([]);

/**
 * Creates a pool of ioredis clients tuned to fail fast: auto-pipelining; a short connect timeout; one
 * retry per request; capped, jittered reconnect backoff forever; once connected, no offline queue, so
 * while Redis is down every call rejects at once instead of piling up; and, instead of a timer armed per
 * command, one watchdog for the pool (see ConnectionWatchdog) that fails the commands in flight on a
 * stalled connection and reconnects it. It connects in the background: a process can start while Redis is
 * down and the cache comes up when Redis does.
 */
export function createRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const maxDelay = options.maxReconnectDelayMs ?? 2000;
  const deadlineMs = options.commandTimeoutMs ?? 1000;
  const poolSize = Math.max(1, Math.floor(options.poolSize ?? 3));
  const largeValueBytes = options.largeValueBytes ?? 64 * 1024;
  const log = options.logger.child({ component: 'redis', url: redactRedisUrl(options.url) });
  const clients: Redis[] = [];
  for (let index = 0; index < poolSize; index += 1) {
    clients.push(
      new Redis(options.url, {
        enableAutoPipelining: true,
        connectTimeout: options.connectTimeoutMs ?? 2000,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: true, // only until the first 'ready', see below
        retryStrategy: (attempt) => Math.min(maxDelay, 50 * 2 ** Math.min(attempt, 10)) * (0.75 + Math.random() * 0.5),
        keepAlive: 10_000,
        lazyConnect: false,
        // How long close() lets a dead socket linger before destroying it (ioredis default 2 s keeps the
        // process, and test runners, alive for no reason).
        disconnectTimeout: 300,
      }),
    );
  }
  const small = poolSize === 1 ? clients : clients.slice(0, -1);
  const large = clients[clients.length - 1] as Redis;
  const largeKeys = new Map<string, true>();

  const readyClient = (): Redis | undefined => clients.find((client) => client.status === 'ready');
  const availability = new HealthModel({
    initial: 'down',
    probeIntervalMs: options.probeIntervalMs ?? 500,
    probe: async () => {
      const client = readyClient();
      if (!client) return false;
      await client.ping();
      return true;
    },
  });

  let wasReady = false;
  let reportedError = false;
  let closing = false;
  availability.onChange(({ state, previous, reason }) => {
    if (closing) return;
    if (state === 'up') {
      log.info({ previous }, wasReady ? 'cache connection restored' : 'cache connected');
      wasReady = true;
      reportedError = false;
    } else if (previous === 'up') {
      log.warn({ state, reason }, 'cache unavailable; calls fail fast until it is back');
      reportedError = true;
    }
  });

  for (const client of clients) {
    client.on('ready', () => {
      client.options.enableOfflineQueue = false;
      availability.connectionReady();
    });
    client.on('close', () => {
      if (!readyClient()) availability.connectionsDown(`connection ${client.status}`);
    });
    client.on('error', (error: Error) => {
      // ioredis emits one per failed reconnect, on every connection of the pool: log once per outage.
      if (!reportedError && !closing)
        log.warn({ err: { message: error.message, code: (error as NodeJS.ErrnoException).code } }, 'cache connection error');
      reportedError = true;
    });
  }

  const watchdog = new ConnectionWatchdog(clients, {
    deadlineMs,
    onStall: (client, silentForMs) => {
      const error = new Error(`Command timed out: no reply from Redis for ${silentForMs} ms (connection stalled)`);
      availability.failed(error);
      // Rejects every command in flight (the request path falls back at once), then cuts the socket
      // (a stopped server never answers a FIN); ioredis reconnects with its backoff.
      client.recoverFromFatalError(error, error, { offlineQueue: false, commandQueue: true });
      (client.stream as { destroy?: () => void } | undefined)?.destroy?.();
    },
  });

  function clientFor(keys: readonly string[] = NO_KEYS): Redis {
    if (poolSize > 1 && largeKeys.size > 0) {
      for (const key of keys) if (largeKeys.has(key) && large.status === 'ready') return large;
    }
    let chosen: Redis | undefined;
    let fewest = Infinity;
    for (const client of small) {
      if (client.status !== 'ready') continue;
      const owed = client.commandQueue.length;
      if (owed < fewest) {
        chosen = client;
        fewest = owed;
        if (owed === 0) break;
      }
    }
    return chosen ?? (large.status === 'ready' ? large : (small[0] as Redis));
  }

  return {
    get client() {
      return clientFor();
    },
    clients,
    clientFor,
    noteValueSize(key, bytes) {
      if (bytes >= largeValueBytes) {
        if (largeKeys.size >= MAX_LARGE_KEYS && !largeKeys.has(key)) largeKeys.delete(largeKeys.keys().next().value as string);
        largeKeys.set(key, true);
      } else if (largeKeys.size > 0) {
        largeKeys.delete(key);
      }
    },
    availability,
    waitUntilReady: (timeoutMs = 5000) =>
      new Promise<void>((resolve, reject) => {
        const pending = clients.filter((client) => client.status !== 'ready');
        if (pending.length === 0) return resolve();
        const onReady = (): void => {
          if (clients.some((client) => client.status !== 'ready')) return;
          clearTimeout(timer);
          for (const client of pending) client.off('ready', onReady);
          resolve();
        };
        const timer = setTimeout(() => {
          for (const client of pending) client.off('ready', onReady);
          reject(new CacheUnavailableError(`Redis not ready after ${timeoutMs} ms`));
        }, timeoutMs);
        for (const client of pending) client.once('ready', onReady);
      }),
    health: async () => {
      const client = readyClient();
      if (!client) return { status: 'down', detail: `connection ${clients[0]?.status ?? 'none'}` };
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
      await Promise.all(
        clients.map(async (client) => {
          if (client.status === 'end') return;
          // QUIT only when connected: otherwise it would wait in the queue while reconnecting goes on.
          if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
          else client.disconnect();
        }),
      );
      // Only now: a QUIT to a stalled server is failed by the watchdog like any other command.
      watchdog.stop();
    },
  };
}
