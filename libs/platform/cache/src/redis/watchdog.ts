import type { Redis } from 'ioredis';

/** The part of an ioredis client the watchdog reads: replies owed, and the socket's byte count. */
interface Watched {
  readonly client: Redis;
  /** The socket seen at the last check (a reconnect brings a new one). */
  stream?: unknown;
  bytesRead: number;
  /** When the connection was first seen owing replies without a byte since (ms); undefined while it is not. */
  waitingSince: number | undefined;
}

export interface ConnectionWatchdogOptions {
  /** A connection that owes replies and receives no byte for this long is stalled. */
  deadlineMs: number;
  /** Called once per stall, with the connection; it fails what is in flight and cuts the connection. */
  onStall: (client: Redis, silentForMs: number) => void;
  now?: () => number;
}

/**
 * One timer for a pool of connections, instead of one per command (ioredis' `commandTimeout`): every
 * `deadlineMs / 5` it looks at each connection, and one that owes replies (commands sent, not yet
 * answered) and has received no byte since it was first seen owing them, for `deadlineMs`, is stalled.
 * A large reply arriving slowly is progress, not a stall. A stall is noticed between `deadlineMs` and
 * `1.4 × deadlineMs` after the oldest unanswered command was sent (plus the event loop's own delay).
 */
export class ConnectionWatchdog {
  private readonly watched: Watched[];
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(
    clients: readonly Redis[],
    private readonly options: ConnectionWatchdogOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.watched = clients.map((client) => ({ client, bytesRead: 0, waitingSince: undefined }));
    this.timer = setInterval(() => this.check(), Math.max(10, Math.floor(options.deadlineMs / 5)));
    this.timer.unref();
  }

  /** One look at every connection (the timer calls it; exposed for tests that drive time themselves). */
  check(): void {
    const now = this.now();
    for (const connection of this.watched) {
      const { client } = connection;
      const owed = client.commandQueue.length;
      const stream = client.stream as { bytesRead?: number } | undefined;
      const bytesRead = stream?.bytesRead ?? 0;
      if (owed === 0 || stream !== connection.stream || bytesRead !== connection.bytesRead) {
        connection.stream = stream;
        connection.bytesRead = bytesRead;
        connection.waitingSince = owed === 0 ? undefined : now;
        continue;
      }
      if (connection.waitingSince === undefined) {
        connection.waitingSince = now;
      } else if (now - connection.waitingSince >= this.options.deadlineMs) {
        const silentForMs = now - connection.waitingSince;
        connection.waitingSince = undefined;
        this.options.onStall(client, silentForMs);
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
