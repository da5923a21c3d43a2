import type { CloudEvent } from '@tenantry/contracts';
import type { EventBus } from '@tenantry/event-bus';
import type { Logger } from '@tenantry/telemetry';
// The bench (type:testing) drives the gateway's own usage meter in-process: the events it measures are
// exactly what the gateway publishes, without 2,000 tenants' keys going through HTTP.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { UsageMeter, type UsageRecord } from '../../libs/gateway/src/metering/usage-meter';
import { ForwardingBus } from '../lib/instrumented';
import { now, sleep } from '../lib/measure';

export interface BenchTenant {
  tenantId: string;
  /** As the gateway's limiter knows it: the meter stamps it on the tenant's batches. */
  timezone: string;
}

/** What the simulated traffic was made of, to compare with what billing counted. */
export interface TrafficTotals {
  requests: number;
  /** Requests minus 429s: what billing must count as calls. */
  calls: number;
  rateLimited: number;
  cacheHits: number;
  errors: number;
  clientErrors: number;
}

export interface GatewayUsageRun {
  traffic: TrafficTotals;
  /** Events of the periodic flushes, each a full window. */
  windowEvents: number;
  /** From the meter's start to the last periodic flush (k × the flush interval, plus timer drift). */
  windowsMs: number;
  /** Every event published, the final partial window included. */
  totalEvents: number;
  /** Every flush in order, with the ids of its events (a window's batches). */
  flushes: Array<{ events: number; publishMs: number; eventIds: string[] }>;
  meterStats: { recorded: number; published: number; pendingEvents: number };
}

const ROUTES = [
  { service: 'tenants', route: '/api/v1/tenants/:tenantId', method: 'GET' },
  { service: 'billing', route: '/api/v1/monetization/subscriptions', method: 'GET' },
  { service: 'observability', route: '/api/v1/observability/metrics/tenant/:id', method: 'GET' },
] as const;
const TICK_MS = 10;

/**
 * One request of a realistic mix, decided by its sequence number: 60% cache hits, 5% refused with 429,
 * 1% 5xx, 3% other 4xx, over three routes, spread evenly over tenants and time.
 */
function requestOf(tenant: BenchTenant, tenantIndex: number, round: number): UsageRecord {
  const route = ROUTES[(round + tenantIndex) % ROUTES.length] ?? ROUTES[0];
  const bucket = (round * 37 + tenantIndex) % 100;
  const rateLimited = bucket < 5;
  const statusCode = rateLimited ? 429 : bucket < 6 ? 503 : bucket < 9 ? 404 : 200;
  return {
    ...tenant,
    ...route,
    statusCode,
    latencyMs: 0.2 + ((round + tenantIndex) % 40),
    cacheHit: statusCode === 200 && bucket < 69,
    rateLimited,
  };
}

function count(traffic: TrafficTotals, request: UsageRecord): void {
  traffic.requests += 1;
  if (request.rateLimited) traffic.rateLimited += 1;
  else traffic.calls += 1;
  if (request.cacheHit) traffic.cacheHits += 1;
  if (request.statusCode >= 500) traffic.errors += 1;
  else if (request.statusCode >= 400) traffic.clientErrors += 1;
}

/** Notes when each publish (one per flush) was acknowledged and how many events it carried. */
class FlushRecordingBus extends ForwardingBus {
  readonly flushes: Array<{ events: number; publishMs: number; startedAt: number; eventIds: string[] }> = [];
  /** Flushes begun (a flush publishes once, at its start). */
  begun = 0;

  override async publish(events: readonly CloudEvent[]): Promise<void> {
    this.begun += 1;
    const started = now();
    await this.inner.publish(events);
    this.flushes.push({ events: events.length, publishMs: now() - started, startedAt: started, eventIds: events.map((event) => event.id) });
  }
}

/**
 * The gateway's UsageMeter fed `requestRate` requests per second, round-robin over `tenants` (so every
 * tenant is active in every window, the most events a window can hold), flushing every
 * `flushIntervalMs` to the real bus, for `windows` full windows; then stopped, which flushes the rest.
 */
export async function runGatewayUsage(
  bus: EventBus,
  logger: Logger,
  options: { tenants: readonly BenchTenant[]; requestRate: number; flushIntervalMs: number; windows: number; timeoutMs: number },
): Promise<GatewayUsageRun> {
  const recording = new FlushRecordingBus(bus);
  const meter = new UsageMeter({ bus: recording, logger, reporter: 'bench-gateway-1', flushIntervalMs: options.flushIntervalMs });
  const traffic: TrafficTotals = { requests: 0, calls: 0, rateLimited: 0, cacheHits: 0, errors: 0, clientErrors: 0 };
  const { tenants } = options;
  const startedAt = now();
  meter.start();
  let sequence = 0;
  try {
    // Requests stop when the last full window closes, so the flush at stop() carries only a few.
    while (recording.begun < options.windows && now() - startedAt < options.timeoutMs) {
      const due = Math.floor(((now() - startedAt) * options.requestRate) / 1000) - sequence;
      for (let i = 0; i < due; i += 1) {
        const tenantIndex = sequence % tenants.length;
        const request = requestOf(
          tenants[tenantIndex] ?? { tenantId: 'none', timezone: 'UTC' },
          tenantIndex,
          Math.floor(sequence / tenants.length),
        );
        meter.record(request);
        count(traffic, request);
        sequence += 1;
      }
      await sleep(TICK_MS);
    }
  } finally {
    await meter.stop();
  }
  const windows = recording.flushes.slice(0, options.windows);
  const lastWindow = windows.at(-1);
  return {
    traffic,
    windowEvents: windows.reduce((sum, flush) => sum + flush.events, 0),
    windowsMs: lastWindow ? lastWindow.startedAt - startedAt : Number.NaN,
    totalEvents: recording.flushes.reduce((sum, flush) => sum + flush.events, 0),
    flushes: recording.flushes.map(({ events, publishMs, eventIds }) => ({ events, publishMs, eventIds })),
    meterStats: meter.stats(),
  };
}
