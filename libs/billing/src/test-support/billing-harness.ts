import { openTestPlatform, TEST_INTERNAL_SECRET } from '@tenantry/runtime/test-support';
import { createEvent, EVENT_TYPES, type EventType, type PlanId, type TenantryEvent, type TenantryEventOf } from '@tenantry/contracts';
import { DEFAULT_RETRY_POLICY, type Subscription } from '@tenantry/event-bus';
import { signIdentity, startHttpServer, type Identity, type RunningHttpServer } from '@tenantry/http';
import type { Platform } from '@tenantry/runtime';
import { createLogger } from '@tenantry/telemetry';
import { eventually, uniqueName } from '@tenantry/testing';
import { startBilling, type StartedBilling } from '../billing-service';
import { usageBatch, sample } from '../metering/test-support/metric-batches';

export { TEST_INTERNAL_SECRET };
export const ADMIN: Identity = { role: 'admin' };
export const TENANTS_SERVICE: Identity = { role: 'service', service: 'tenants' };
export const tenantKey = (tenantId: string, planId?: PlanId): Identity => ({
  role: 'tenant',
  tenantId,
  keyId: 'key_caller0000000000',
  scopes: [],
  ...(planId ? { planId } : {}),
});

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A clock the test moves (to a trial end, a period end). */
export class TestClock {
  constructor(private current: Date) {}
  now = (): Date => new Date(this.current.getTime());
  set(at: Date | string): void {
    this.current = new Date(at);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** What billing publishes: every subscription.* event and invoice.issued. */
const OBSERVED: readonly EventType[] = EVENT_TYPES.filter((type) => type.startsWith('subscription.') || type.startsWith('invoice.'));

export interface BillingHarness {
  url: string;
  platform: Platform;
  billing: StartedBilling;
  clock: TestClock;
  /** Every subscription.* and invoice.issued event published since start. */
  events: TenantryEvent[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are parsed by the test that reads them
  call<T = any>(identity: Identity | null, method: string, path: string, body?: unknown): Promise<Reply<T>>;
  /** Publishes `tenant.created` (as the tenants service does) and waits for the billing account. */
  openTenant(options?: { tenantId?: string; tier?: PlanId; timezone?: string; trialDays?: number }): Promise<string>;
  /** Publishes one metric.recorded batch of `calls` requests for the tenant, in the window starting at `at`. */
  meter(tenantId: string, at: Date, calls: number): Promise<TenantryEventOf<'metric.recorded'>>;
  eventsOf<T extends EventType>(tenantId: string, type: T): TenantryEventOf<T>[];
  /** Runs one scheduler pass at the clock's time. */
  runScheduler(): Promise<number>;
  close(): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The billing service on a platform of its own (embedded by default), with a clock the test controls and the scheduler off. */
export async function startBillingHarness(
  options: { env?: Record<string, string>; start?: Date; serviceEnv?: Record<string, string> } = {},
): Promise<BillingHarness> {
  const logger = createLogger({ service: 'billing', level: 'silent' });
  const platform = await openTestPlatform('billing-test', logger, options.env);
  const clock = new TestClock(options.start ?? new Date('2025-03-01T10:00:00Z'));
  const billing = await startBilling(
    platform,
    logger,
    { env: { ENABLE_BILLING_SCHEDULER: 'false', ...options.serviceEnv }, urlOf: () => 'http://127.0.0.1:1' },
    { clock: clock.now },
  );
  const server: RunningHttpServer = await startHttpServer(billing.app, { port: 0, host: '127.0.0.1', logger, shutdownGraceMs: 1_000 });
  const secret = platform.config.internalSecret.value;

  const events: TenantryEvent[] = [];
  // The observer starts at the end of each topic: topics that do not exist yet (a fresh KAFKA_NAMESPACE)
  // are created first, or their first events would be missed.
  await platform.bus.ensureTopics(OBSERVED);
  const observer: Subscription = await platform.bus.subscribe({
    groupId: uniqueName('billing-test-observer'),
    eventTypes: OBSERVED,
    retry: DEFAULT_RETRY_POLICY,
    fromBeginning: false,
    handler: async (event) => {
      events.push(event);
    },
  });

  const call = async <T>(identity: Identity | null, method: string, path: string, body?: unknown): Promise<Reply<T>> => {
    const json = body === undefined ? undefined : JSON.stringify(body);
    const signed = { method, url: path, audience: 'billing', ...(json === undefined ? {} : { bodyLength: Buffer.byteLength(json) }) };
    const headers: Record<string, string> = identity ? signIdentity(identity, signed, secret) : {};
    if (json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.url}${path}`, { method, headers, ...(json === undefined ? {} : { body: json }) });
    const raw = await response.text();
    return { status: response.status, headers: response.headers, body: (raw ? JSON.parse(raw) : undefined) as T };
  };

  return {
    url: server.url,
    platform,
    billing,
    clock,
    events,
    call,
    async openTenant({ tenantId = uniqueName('ten'), tier = 'basic', timezone = 'UTC', trialDays = 14 } = {}) {
      const now = clock.now();
      const created = createEvent('tenant.created', {
        tenantId,
        source: '/tenantry/tenants',
        time: now,
        data: {
          tenant_id: tenantId,
          name: 'Acme d.o.o.',
          subscription_tier: tier,
          status: 'trial',
          timezone,
          trial_ends_at: new Date(now.getTime() + trialDays * DAY_MS).toISOString(),
          created_at: now.toISOString(),
        },
      });
      await platform.bus.publish([created]);
      await eventually(async () => (await billing.subscriptions.account(tenantId).catch(() => null)) !== null, {
        timeoutMs: 15_000,
        description: `billing account of ${tenantId}`,
      });
      return tenantId;
    },
    async meter(tenantId, at, calls) {
      const batch = usageBatch(tenantId, at, [sample({ requests: calls })]);
      await platform.bus.publish([batch]);
      return batch;
    },
    eventsOf: <T extends EventType>(tenantId: string, type: T) =>
      events.filter((event) => event.subject === tenantId && event.type === type) as TenantryEventOf<T>[],
    runScheduler: () => billing.scheduler.runOnce(),
    async close() {
      await server.close();
      await observer.stop({ timeoutMs: 1_000 });
      await billing.stop?.();
      await platform.close();
    },
  };
}
