import { createEvent, type CloudEvent } from '@tenantry/contracts';
import type { EventBus } from '@tenantry/event-bus';
import type { Logger } from '@tenantry/telemetry';

/** Upper bounds (ms) of the latency histogram carried by every usage event. */
export const USAGE_LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000] as const;

export interface UsageRecord {
  tenantId: string;
  /** The tenant's time zone, as the daily quota applied it: metering counts the batch on that local day. */
  timezone: string;
  service: string;
  /** Route template, never a raw path. */
  route: string;
  method: string;
  statusCode: number;
  latencyMs: number;
  cacheHit: boolean;
  rateLimited: boolean;
}

interface Sample {
  service: string;
  route: string;
  method: string;
  requestCount: number;
  errorCount: number;
  clientErrorCount: number;
  cacheHitCount: number;
  rateLimitedCount: number;
  latencySum: number;
  latencyMax: number;
  buckets: number[];
}

interface Window {
  start: number;
  /** tenant → "service method route" → sample */
  tenants: Map<string, Map<string, Sample>>;
  /** Each tenant's time zone in this window (as its first request saw it). */
  timezones: Map<string, string>;
}

export interface UsageMeterOptions {
  bus: EventBus;
  logger: Logger;
  /** Names this gateway instance in the events (`reporter`). */
  reporter: string;
  flushIntervalMs: number;
  now?: () => number;
}

/**
 * Counts every request per tenant in memory (O(1), no I/O on the request path) and publishes one
 * `metric.recorded` event per tenant per flush, so the event rate follows the number of active tenants,
 * not the request rate. A batch that cannot be published (Kafka down) is kept and retried with the next
 * flush, never dropped; `stop()` flushes what is left. Counts are exact: every request is in exactly one
 * published batch (billing meters from them).
 */
export class UsageMeter {
  private current: Window;
  /** Built events not yet acknowledged by the bus, oldest first. */
  private unpublished: CloudEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly now: () => number;
  private recorded = 0;
  private published = 0;

  constructor(private readonly options: UsageMeterOptions) {
    this.now = options.now ?? Date.now;
    this.current = { start: this.now(), tenants: new Map(), timezones: new Map() };
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  record(usage: UsageRecord): void {
    let samples = this.current.tenants.get(usage.tenantId);
    if (!samples) {
      this.current.tenants.set(usage.tenantId, (samples = new Map()));
      this.current.timezones.set(usage.tenantId, usage.timezone);
    }
    const key = `${usage.service} ${usage.method} ${usage.route}`;
    let sample = samples.get(key);
    if (!sample) {
      sample = {
        service: usage.service,
        route: usage.route,
        method: usage.method,
        requestCount: 0,
        errorCount: 0,
        clientErrorCount: 0,
        cacheHitCount: 0,
        rateLimitedCount: 0,
        latencySum: 0,
        latencyMax: 0,
        buckets: new Array<number>(USAGE_LATENCY_BUCKETS_MS.length + 1).fill(0),
      };
      samples.set(key, sample);
    }
    sample.requestCount += 1;
    if (usage.statusCode >= 500) sample.errorCount += 1;
    else if (usage.statusCode >= 400) sample.clientErrorCount += 1;
    if (usage.cacheHit) sample.cacheHitCount += 1;
    if (usage.rateLimited) sample.rateLimitedCount += 1;
    const latency = Math.max(0, usage.latencyMs);
    sample.latencySum += latency;
    if (latency > sample.latencyMax) sample.latencyMax = latency;
    sample.buckets[bucketOf(latency)] += 1;
    this.recorded += 1;
  }

  /** Closes the current window and publishes everything unpublished. Concurrent calls share one flush. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Requests recorded and requests in acknowledged events (equal once everything is flushed). */
  stats(): { recorded: number; published: number; pendingEvents: number } {
    return { recorded: this.recorded, published: this.published, pendingEvents: this.unpublished.length };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    if (this.unpublished.length > 0) {
      this.options.logger.error({ pendingEvents: this.unpublished.length }, 'usage events could not be published before shutdown');
    }
  }

  private async flushOnce(): Promise<void> {
    const closed = this.current;
    const end = Math.max(this.now(), closed.start + 1);
    this.current = { start: end, tenants: new Map(), timezones: new Map() };
    for (const [tenantId, samples] of closed.tenants)
      this.unpublished.push(this.toEvent(tenantId, closed.timezones.get(tenantId), closed.start, end, samples));
    if (this.unpublished.length === 0) return;

    const batch = this.unpublished;
    try {
      await this.options.bus.publish(batch);
      this.unpublished = this.unpublished.slice(batch.length);
      this.published += batch.reduce((sum, event) => sum + requestsIn(event), 0);
    } catch (error) {
      // Kept for the next flush: the events have ids, so a batch that did reach the broker before the
      // error is counted once by idempotent consumers.
      this.options.logger.warn(
        { err: error, pendingEvents: this.unpublished.length },
        'usage events not published yet; retrying on the next flush',
      );
    }
  }

  private toEvent(tenantId: string, timezone: string | undefined, start: number, end: number, samples: Map<string, Sample>): CloudEvent {
    return createEvent('metric.recorded', {
      source: '/tenantry/gateway',
      tenantId,
      data: {
        tenant_id: tenantId,
        ...(timezone === undefined ? {} : { timezone }),
        reporter: this.options.reporter,
        window: { start: new Date(start).toISOString(), end: new Date(end).toISOString() },
        latency_buckets_ms: [...USAGE_LATENCY_BUCKETS_MS],
        samples: [...samples.values()].map((sample) => ({
          service: sample.service,
          route: sample.route,
          method: sample.method,
          request_count: sample.requestCount,
          error_count: sample.errorCount,
          client_error_count: sample.clientErrorCount,
          cache_hit_count: sample.cacheHitCount,
          rate_limited_count: sample.rateLimitedCount,
          latency_ms: { sum: round(sample.latencySum), max: round(sample.latencyMax), buckets: sample.buckets },
        })),
        recorded_at: new Date(end).toISOString(),
      },
    });
  }
}

function bucketOf(latencyMs: number): number {
  for (let i = 0; i < USAGE_LATENCY_BUCKETS_MS.length; i += 1) {
    if (latencyMs <= (USAGE_LATENCY_BUCKETS_MS[i] ?? Infinity)) return i;
  }
  return USAGE_LATENCY_BUCKETS_MS.length;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function requestsIn(event: CloudEvent): number {
  const data = event.data as { samples?: Array<{ request_count: number }> };
  return (data.samples ?? []).reduce((sum, sample) => sum + sample.request_count, 0);
}
