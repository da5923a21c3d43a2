import { openTestPlatform, TEST_INTERNAL_SECRET } from '@tenantry/runtime/test-support';
import { createTenantResponseSchema, type CreateTenantResponse, type EventType, type TenantryEvent } from '@tenantry/contracts';
import { DEFAULT_RETRY_POLICY, type Subscription } from '@tenantry/event-bus';
import { signIdentity, startHttpServer, type Identity, type RunningHttpServer } from '@tenantry/http';
import type { Platform } from '@tenantry/runtime';
import { createLogger } from '@tenantry/telemetry';
import { eventually, uniqueName } from '@tenantry/testing';
import { tenantsService } from '../tenants-service';
import { startFakeBilling, type FakeBilling } from './fake-billing';

export { TEST_INTERNAL_SECRET };
export const ADMIN: Identity = { role: 'admin' };
export const GATEWAY: Identity = { role: 'service', service: 'gateway' };

export const tenantKey = (tenantId: string, keyId = 'key_caller0000000000', scopes: string[] = []): Identity => ({
  role: 'tenant',
  tenantId,
  keyId,
  scopes,
});

export interface Reply {
  status: number;
  headers: Headers;
  /** Parsed JSON (other content as text), or undefined for an empty body. */
  body: unknown;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw body text instead of JSON.stringify(body). */
  rawBody?: string;
}

const TENANT_EVENT_TYPES = [
  'tenant.created',
  'tenant.updated',
  'tenant.status_changed',
  'tenant.api_key_revoked',
] as const satisfies readonly EventType[];

export interface TenantsHarness {
  url: string;
  platform: Platform;
  /** The billing the service calls (unless `billingUrl` sent it elsewhere): records requests, answers as told. */
  billing: FakeBilling;
  /** Every tenant.* event published on the bus since start (as a consumer sees them). */
  events: TenantryEvent[];
  /** A request signed as `identity` (null: unsigned), the way the gateway forwards it. */
  call(identity: Identity | null, method: string, path: string, options?: CallOptions): Promise<Reply>;
  /** Creates a tenant as the admin and returns the parsed 201 body. */
  createTenant(body?: Record<string, unknown>): Promise<CreateTenantResponse>;
  eventsOf(tenantId: string, type?: EventType): TenantryEvent[];
  /** Waits until `count` events of `type` about `tenantId` were published. */
  waitForEvents(tenantId: string, type: EventType, count?: number): Promise<TenantryEvent[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Platform environment (infrastructure variables); default embedded mode (in-memory bus, database and cache). */
  env?: Record<string, string>;
  /** Share this platform (e.g. two service instances on one database) instead of opening one. */
  platform?: Platform;
  /** Where the service finds billing instead of the harness's fake (e.g. an address nothing listens on). */
  billingUrl?: string;
}

/** The tenants service on a platform of its own, served on a loopback port, driven like the gateway would. */
export async function startTenantsHarness(options: HarnessOptions = {}): Promise<TenantsHarness> {
  const logger = createLogger({ service: 'tenants', level: 'silent' });
  const ownsPlatform = options.platform === undefined;
  const platform = options.platform ?? (await openTestPlatform('tenants-test', logger, options.env));
  const secret = platform.config.internalSecret.value;
  const billing = await startFakeBilling({ secret });
  const billingUrl = options.billingUrl ?? billing.url;
  const started = await tenantsService.start(platform, logger, {
    env: {},
    urlOf: (name) => (name === 'billing' ? billingUrl : 'http://127.0.0.1:1'),
  });
  const server: RunningHttpServer = await startHttpServer(started.app, { port: 0, host: '127.0.0.1', logger, shutdownGraceMs: 1_000 });

  const events: TenantryEvent[] = [];
  const observer: Subscription = await platform.bus.subscribe({
    groupId: uniqueName('tenants-test-observer'),
    eventTypes: TENANT_EVENT_TYPES,
    retry: DEFAULT_RETRY_POLICY,
    fromBeginning: false,
    handler: async (event) => {
      events.push(event);
    },
  });

  const call = async (identity: Identity | null, method: string, path: string, callOptions: CallOptions = {}): Promise<Reply> => {
    const text = callOptions.rawBody ?? (callOptions.body === undefined ? undefined : JSON.stringify(callOptions.body));
    const signed = { method, url: path, audience: 'tenants', ...(text === undefined ? {} : { bodyLength: Buffer.byteLength(text) }) };
    const headers: Record<string, string> = { ...(identity ? signIdentity(identity, signed, secret) : {}), ...callOptions.headers };
    if (text !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${server.url}${path}`, { method, headers, ...(text === undefined ? {} : { body: text }) });
    const raw = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('json');
    return { status: response.status, headers: response.headers, body: raw && json ? (JSON.parse(raw) as unknown) : raw || undefined };
  };

  const eventsOf = (tenantId: string, type?: EventType) =>
    events.filter((event) => event.subject === tenantId && (type === undefined || event.type === type));

  return {
    url: server.url,
    platform,
    billing,
    events,
    call,
    eventsOf,
    async createTenant(body = {}) {
      const reply = await call(ADMIN, 'POST', '/api/v1/tenants', { body: { name: 'Acme d.o.o.', ...body } });
      if (reply.status !== 201) throw new Error(`creating a tenant answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      return createTenantResponseSchema.parse(reply.body);
    },
    waitForEvents: (tenantId, type, count = 1) =>
      eventually(
        () => {
          const found = eventsOf(tenantId, type);
          return found.length >= count ? found : false;
        },
        { timeoutMs: 15_000, description: `${count} ${type} event(s) about ${tenantId}` },
      ),
    async close() {
      await server.close();
      await observer.stop({ timeoutMs: 1_000 });
      await started.stop?.();
      await billing.close();
      if (ownsPlatform) await platform.close();
    },
  };
}
