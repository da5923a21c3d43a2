import { ConflictError, type EventType, type TenantryEventOf } from '@tenantry/contracts';
import type { EventBus, SubscribeOptions, Subscription } from '@tenantry/event-bus';
import type { ConsumptionTracker } from '../lib/consumption';
import { ForwardingBus } from '../lib/instrumented';
import { LatencyHistogram, now } from '../lib/measure';
// The bench (type:testing) measures billing's consumer in-process, timed by decorators around it.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { MeteringConsumer, type MeteringConsumerDeps, type UsageShardRepository } from '../../libs/billing/src/metering';

/**
 * The bus with the run's own consumer group names. The topics carry the run's prefix, but a Kafka group
 * spans topics: sharing `billing-metering` with a billing service elsewhere on the broker would hand the
 * bench's partitions to it.
 */
export class PrivateGroupsBus extends ForwardingBus {
  constructor(
    inner: EventBus,
    private readonly groupOf: (groupId: string) => string,
  ) {
    super(inner);
  }

  override subscribe<T extends EventType>(options: SubscribeOptions<T>): Promise<Subscription> {
    return this.inner.subscribe({ ...options, groupId: this.groupOf(options.groupId) });
  }
}

/** Time and count of each repository method the consumer calls, and the conflicts it met. */
export class RepositoryCalls {
  readonly byMethod = new Map<string, LatencyHistogram>();
  conflicts = 0;

  /** The repository, each method call timed (the library code beneath is unchanged). */
  wrap(repository: UsageShardRepository): UsageShardRepository {
    return new Proxy(repository, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        const method = String(property);
        return async (...args: unknown[]) => {
          const started = now();
          try {
            return (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
          } catch (error) {
            if (error instanceof ConflictError) this.conflicts += 1;
            throw error;
          } finally {
            this.histogram(method).recordMs(now() - started);
          }
        };
      },
    });
  }

  calls(method: string): number {
    return this.byMethod.get(method)?.count ?? 0;
  }

  histogram(method: string): LatencyHistogram {
    let histogram = this.byMethod.get(method);
    if (!histogram) this.byMethod.set(method, (histogram = new LatencyHistogram()));
    return histogram;
  }
}

/** When the events of each gateway flush (one window's batches) were handled. */
export class WindowProgress {
  private readonly windowOf = new Map<string, number>();
  readonly windows: Array<{ events: number; handled: number; firstAt: number; lastAt: number }>;

  constructor(flushes: ReadonlyArray<{ eventIds: readonly string[] }>) {
    this.windows = flushes.map((flush, i) => {
      for (const id of flush.eventIds) this.windowOf.set(id, i);
      return { events: flush.eventIds.length, handled: 0, firstAt: 0, lastAt: 0 };
    });
  }

  onHandled(eventId: string, at: number): void {
    const window = this.windows[this.windowOf.get(eventId) ?? -1];
    if (!window) return;
    window.handled += 1;
    if (window.firstAt === 0) window.firstAt = at;
    window.lastAt = Math.max(window.lastAt, at);
  }
}

/** MeteringConsumer whose handler reports each event it handled, and how long each `recordAll` (a bus batch) took. */
export class TrackedMeteringConsumer extends MeteringConsumer {
  readonly recordLatency = new LatencyHistogram();
  firstHandledAt = 0;

  constructor(
    deps: MeteringConsumerDeps,
    private readonly tracker: ConsumptionTracker,
    private readonly progress: WindowProgress,
  ) {
    super(deps);
  }

  override async recordAll(events: readonly TenantryEventOf<'metric.recorded'>[]): Promise<void> {
    const started = now();
    await super.recordAll(events);
    const at = now();
    this.recordLatency.recordMs(at - started);
    if (this.firstHandledAt === 0) this.firstHandledAt = at;
    for (const event of events) {
      this.tracker.onHandled(event.id);
      this.progress.onHandled(event.id, at);
    }
  }
}
