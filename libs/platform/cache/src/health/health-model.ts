import { CacheUnavailableError } from '../cache';

/**
 * - `up`: calls may go to the store.
 * - `degraded`: connected, but a call failed because the store could not serve it (a stalled connection,
 *   OOM, READONLY, LOADING, a connection lost mid-call…).
 * - `down`: no connection to the store is ready (lost, reconnecting, or never connected yet).
 */
export type HealthState = 'up' | 'degraded' | 'down';

export interface HealthChange {
  readonly state: HealthState;
  readonly previous: HealthState;
  /** What caused it: the failure's message, or the event (`connection ready`, `probe answered`, …). */
  readonly reason: string;
}

export interface HealthModelOptions {
  /** Asks the store whether it answers now (e.g. a PING); a rejection counts as no. */
  probe: () => Promise<boolean>;
  /** While not up, at most one probe per interval (default 500 ms). */
  probeIntervalMs?: number;
  initial?: HealthState;
  now?: () => number;
}

/** Redis replies that mean "reachable but not serving" (out of memory, a replica, busy, failing over). */
const UNAVAILABLE_REPLY = /^(OOM|READONLY|BUSY|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS)\b/;

/** ioredis' words for an unreachable or stalled Redis. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED']);
const UNREACHABLE_MESSAGE = /Stream isn't writeable|Connection is closed|Command timed out|connect ETIMEDOUT|LOADING|MASTERDOWN/;

/** Redis being unreachable or stalled, as ioredis (and the connection watchdog) report it. */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  const code = (error as NodeJS.ErrnoException).code;
  if (code && UNREACHABLE_CODES.has(code)) return true;
  return UNREACHABLE_MESSAGE.test(error.message);
}

/** A failure that says the store cannot serve calls now (rather than a bad call): what moves a model out of `up`. */
export function isStoreFailure(error: unknown): boolean {
  return (
    error instanceof CacheUnavailableError || isUnavailable(error) || (error instanceof Error && UNAVAILABLE_REPLY.test(error.message))
  );
}

/**
 * The one view of a store's health that everything using it shares — on the gateway, the response cache
 * (HIT or BYPASS) and the rate limiter (Redis or its fallback) decide from the same model, so they switch
 * together. The rules (those the cache, the limiter and the connection each applied on their own before):
 *
 * - a failure that says the store cannot serve (`isStoreFailure`) moves `up` to `degraded`; the connection
 *   layer reports `down` when no connection is ready and `up` when one becomes ready;
 * - while not up, callers send nothing (`usable()` is false: BYPASS, fallback limiter), so a dead or
 *   hanging Redis costs no request a timeout; a probe, at most one per interval and only when asked
 *   (traffic or a status read), tests the store, and its success makes the model up for every user.
 */
export class HealthModel {
  private current: HealthState;
  private changedAt: number;
  private nextProbeAt = 0;
  private probing = false;
  private readonly listeners = new Set<(change: HealthChange) => void>();
  private readonly probeIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: HealthModelOptions) {
    this.now = options.now ?? Date.now;
    this.probeIntervalMs = options.probeIntervalMs ?? 500;
    this.current = options.initial ?? 'up';
    this.changedAt = this.now();
  }

  get state(): HealthState {
    return this.current;
  }

  /** When the current state began (ms since epoch). */
  get since(): number {
    return this.changedAt;
  }

  /** Whether a caller may send work now: always when up; otherwise no, and a probe starts if one is due. */
  usable(): boolean {
    if (this.current === 'up') return true;
    this.probeSoon();
    return false;
  }

  /**
   * A call failed. True when the failure is the store's (`isStoreFailure`): the model is no longer up,
   * and the next probe waits one interval. False for other errors (a bad call), which change nothing.
   */
  failed(error: unknown): boolean {
    if (!isStoreFailure(error)) return false;
    this.nextProbeAt = this.now() + this.probeIntervalMs;
    if (this.current === 'up') this.change('degraded', error instanceof Error ? error.message : String(error));
    return true;
  }

  /** A connection became ready (it answered its ready check): the store serves again. */
  connectionReady(): void {
    if (this.current !== 'up') this.change('up', 'connection ready');
  }

  /** No connection is ready any more. */
  connectionsDown(reason: string): void {
    this.nextProbeAt = this.now() + this.probeIntervalMs;
    if (this.current !== 'down') this.change('down', reason);
  }

  /** Calls `listener` on every change of state; returns the unsubscribe function. */
  onChange(listener: (change: HealthChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private probeSoon(): void {
    if (this.probing || this.now() < this.nextProbeAt) return;
    this.probing = true;
    void this.options
      .probe()
      .then(
        (answered) => answered,
        () => false,
      )
      .then((answered) => {
        this.probing = false;
        this.nextProbeAt = this.now() + this.probeIntervalMs;
        if (answered && this.current !== 'up') this.change('up', 'probe answered');
      });
  }

  private change(state: HealthState, reason: string): void {
    const previous = this.current;
    this.current = state;
    this.changedAt = this.now();
    for (const listener of this.listeners) listener({ state, previous, reason });
  }
}
