import { openTestPlatform, TEST_INTERNAL_SECRET } from '@tenantry/runtime/test-support';
import { createEvent, type TenantryEvent, type TenantryEventOf } from '@tenantry/contracts';
import { DEFAULT_RETRY_POLICY, type Subscription } from '@tenantry/event-bus';
import { signIdentity, startHttpServer, type Identity, type RunningHttpServer } from '@tenantry/http';
import type { Platform } from '@tenantry/runtime';
import { createLogger } from '@tenantry/telemetry';
import { uniqueName } from '@tenantry/testing';
import type { AlertEvaluator, EvaluationResult } from '../alerts/alert-evaluator';
import type { Prober } from '../health/prober';
import { observabilityServiceWith } from '../observability-service';

export { TEST_INTERNAL_SECRET };
export const ADMIN: Identity = { role: 'admin' };
export const tenantKey = (tenantId: string, planId?: 'basic' | 'pro' | 'enterprise'): Identity => ({
  role: 'tenant',
  tenantId,
  keyId: 'key_caller0000000000',
  scopes: [],
  ...(planId ? { planId } : {}),
});

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read answers by path
}

/** A clock the test moves. */
export class TestClock {
  constructor(public at: Date) {}
  readonly now = (): Date => this.at;
  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}

export interface ObservabilityHarness {
  platform: Platform;
  clock: TestClock;
  call(identity: Identity | null, method: string, path: string, body?: unknown): Promise<Reply>;
  /** One evaluation of the burn-rate alerts at the test clock's time (as the every-minute loop does). */
  evaluate(): Promise<EvaluationResult>;
  /** One round of /ready probes at the test clock's time. */
  probe(): Promise<void>;
  /** Emits sla.breached for the month before the test clock's (as the every-minute loop does). */
  closePreviousMonth(): Promise<string[]>;
  /** Every alert.* and sla.breached event published since start (as a consumer sees them). */
  alertEvents: TenantryEvent[];
  close(): Promise<void>;
}

/** The observability service on a platform of its own (embedded unless `env` names real infrastructure), on a loopback port. */
export async function startObservabilityHarness(
  options: { env?: Record<string, string>; platform?: Platform; clock?: TestClock; urlOf?: (service: string) => string } = {},
): Promise<ObservabilityHarness> {
  const logger = createLogger({ service: 'observability', level: 'silent' });
  const ownsPlatform = options.platform === undefined;
  const platform = options.platform ?? (await openTestPlatform('observability-test', logger, options.env));
  const clock = options.clock ?? new TestClock(new Date('2026-11-10T12:00:00Z'));
  let evaluator: AlertEvaluator | undefined;
  let prober: Prober | undefined;
  let closeMonth: ((now: Date) => Promise<string[]>) | undefined;
  const started = await observabilityServiceWith({
    clock: clock.now,
    evaluationIntervalMs: null,
    onEvaluator: (created) => (evaluator = created),
    onMonthClose: (close) => (closeMonth = close),
    probeIntervalMs: null,
    onProber: (created) => (prober = created),
  }).start(platform, logger, { env: {}, urlOf: options.urlOf ?? (() => 'http://127.0.0.1:1') });
  const server: RunningHttpServer = await startHttpServer(started.app, { port: 0, host: '127.0.0.1', logger, shutdownGraceMs: 1_000 });
  const secret = platform.config.internalSecret.value;
  const alertEvents: TenantryEvent[] = [];
  const observer: Subscription = await platform.bus.subscribe({
    groupId: uniqueName('observability-test-observer'),
    eventTypes: ['alert.fired', 'alert.resolved', 'sla.breached'],
    retry: DEFAULT_RETRY_POLICY,
    fromBeginning: false,
    handler: async (event) => {
      alertEvents.push(event);
    },
  });
  return {
    platform,
    clock,
    alertEvents,
    evaluate: () => {
      if (!evaluator) throw new Error('the service did not hand over its evaluator');
      return evaluator.evaluate(clock.now());
    },
    probe: () => {
      if (!prober) throw new Error('the service did not hand over its prober');
      return prober.probeAll(clock.now());
    },
    closePreviousMonth: () => {
      if (!closeMonth) throw new Error('the service did not hand over its month closing');
      return closeMonth(clock.now());
    },
    async call(identity, method, path, body) {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const signed = {
        method,
        url: path,
        audience: 'observability',
        ...(text === undefined ? {} : { bodyLength: Buffer.byteLength(text) }),
      };
      const headers: Record<string, string> = identity ? signIdentity(identity, signed, secret) : {};
      if (text !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${server.url}${path}`, { method, headers, ...(text === undefined ? {} : { body: text }) });
      const answer = await response.text();
      return { status: response.status, body: answer ? (JSON.parse(answer) as unknown) : undefined };
    },
    async close() {
      await server.close();
      await observer.stop({ timeoutMs: 1_000 });
      await started.stop?.();
      if (ownsPlatform) await platform.close();
    },
  };
}

export interface Traffic {
  service?: string;
  route?: string;
  requests: number;
  errors?: number;
  client_errors?: number;
  /** Requests the gateway answered from its response cache. */
  cache_hits?: number;
  /** Per bucket of GATEWAY_BOUNDS; default: all in the first. */
  buckets?: number[];
}

/** The gateway's latency bounds (libs/gateway usage-meter). */
export const GATEWAY_BOUNDS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000];

/** A gateway metric.recorded batch of `tenantId` for the 10 s window starting at `start`. */
export function gatewayBatch(tenantId: string, start: Date, traffic: Traffic[], id?: string): TenantryEventOf<'metric.recorded'> {
  return createEvent('metric.recorded', {
    tenantId,
    source: '/tenantry/gateway',
    ...(id ? { id } : {}),
    data: {
      tenant_id: tenantId,
      reporter: 'gateway-test',
      window: { start: start.toISOString(), end: new Date(start.getTime() + 10_000).toISOString() },
      latency_buckets_ms: GATEWAY_BOUNDS,
      samples: traffic.map((t) => {
        const buckets = t.buckets ?? [t.requests, ...new Array<number>(GATEWAY_BOUNDS.length).fill(0)];
        return {
          service: t.service ?? 'tenants',
          route: t.route ?? '/api/v1/tenants/:tenantId',
          method: 'GET',
          request_count: t.requests,
          error_count: t.errors ?? 0,
          client_error_count: t.client_errors ?? 0,
          cache_hit_count: t.cache_hits ?? 0,
          rate_limited_count: 0,
          latency_ms: { sum: t.requests, max: t.requests > 0 ? 1 : 0, buckets },
        };
      }),
      recorded_at: new Date(start.getTime() + 10_000).toISOString(),
    },
  });
}
