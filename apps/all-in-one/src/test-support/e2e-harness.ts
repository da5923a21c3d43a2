import type { ServiceName } from '@tenantry/config';
import { gatewayService } from '@tenantry/gateway';
import { runServices, type RunningServices } from '@tenantry/runtime';
import type { InfraEndpoints } from '@tenantry/testing';
import { eventually, uniqueName } from '@tenantry/testing';
import { allServices } from '../services';

export const ADMIN_KEY = 'e2e-admin-key-0123456789abcdefghijklmnop';
const INTERNAL_SECRET = 'e2e-internal-secret-0123456789abcdefghij';

const ANY_PORT: Record<ServiceName, number> = { gateway: 0, tenants: 0, billing: 0, observability: 0, 'ai-assistant': 0 };

/** The environment of a platform on the real infrastructure of the test run. */
export function realInfraEnv(infra: InfraEndpoints, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    MONGODB_URI: infra.mongodbUri,
    REDIS_URL: infra.redisUrl,
    ADMIN_API_KEY: ADMIN_KEY,
    INTERNAL_SECRET,
    LOG_LEVEL: 'silent',
    // Usage events every 200 ms so tests observe them quickly.
    METERING_FLUSH_INTERVAL: '200ms',
    // Every spec's gateway counts failed authentications of 127.0.0.1 in the one shared Redis: out of the
    // way here; failed-authentication.e2e.spec.ts tests the limit with addresses of its own.
    GATEWAY_AUTH_FAILURES_PER_MINUTE: '1000000',
    ...extra,
  };
}

/** The whole platform in this process (like `npm start`), on any free ports. */
export function startPlatform(env: NodeJS.ProcessEnv): Promise<RunningServices> {
  return runServices(allServices, {
    processName: 'all-in-one',
    env: { ...ANY_OPERATOR_PORT, ...env },
    ports: ANY_PORT,
    host: '127.0.0.1',
    exit: () => undefined,
  });
}

/** The gateway's operator listener (`/metrics`) on a free port too: parallel runs must not collide on 9464. */
const ANY_OPERATOR_PORT = { GATEWAY_ADMIN_PORT: '0' };

/**
 * A second gateway process-equivalent: its own platform (own Redis/Kafka connections), the same services,
 * except those `upstreams` sends elsewhere (e.g. `{ tenants: <a proxy in front of the tenants service> }`).
 */
export function startExtraGateway(
  env: NodeJS.ProcessEnv,
  platform: RunningServices,
  upstreams: Partial<Record<Exclude<ServiceName, 'gateway'>, string>> = {},
): Promise<RunningServices> {
  const urlOf = (name: Exclude<ServiceName, 'gateway'>): string => upstreams[name] ?? platform.servers.get(name)?.url ?? '';
  return runServices([gatewayService], {
    processName: 'gateway',
    env: {
      ...ANY_OPERATOR_PORT,
      ...env,
      TENANTS_URL: urlOf('tenants'),
      BILLING_URL: urlOf('billing'),
      OBSERVABILITY_URL: urlOf('observability'),
      AI_ASSISTANT_URL: urlOf('ai-assistant'),
    },
    ports: { gateway: 0 },
    host: '127.0.0.1',
    exit: () => undefined,
  });
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** A client of one gateway with one credential. */
export class Client {
  /** `baseUrl` may be resolved late: a client made while a spec is defined, for a platform its `beforeAll` starts. */
  constructor(
    private readonly url: string | (() => string),
    private readonly key: string | undefined,
    private readonly operatorUrl?: string | (() => string),
  ) {}

  get baseUrl(): string {
    return typeof this.url === 'string' ? this.url : this.url();
  }

  as(key: string | undefined): Client {
    return new Client(this.url, key, this.operatorUrl);
  }

  /** A client of this gateway's operator listener (`/health` details, `/metrics`): loopback, no key. */
  operator(): Client {
    if (!this.operatorUrl) throw new Error('this client knows no operator listener of its gateway');
    return new Client(this.operatorUrl, undefined);
  }

  get<T = Record<string, unknown>>(path: string, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return this.send<T>('GET', path, undefined, headers);
  }

  post<T = Record<string, unknown>>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return this.send<T>('POST', path, body, headers);
  }

  put<T = Record<string, unknown>>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return this.send<T>('PUT', path, body, headers);
  }

  delete<T = Record<string, unknown>>(path: string, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return this.send<T>('DELETE', path, undefined, headers);
  }

  async send<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(this.key ? { authorization: `Bearer ${this.key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }
}

export interface CreatedTenant {
  tenant: { id: string; name: string; status: string; subscription_tier: string; settings: { timezone: string } };
  api_key: { id: string; key: string; prefix: string };
}

/** Creates a tenant through the gateway as the admin; returns it with its first key. */
export async function createTenant(admin: Client, overrides: Record<string, unknown> = {}): Promise<CreatedTenant> {
  const response = await admin.post<CreatedTenant>('/api/v1/tenants', { name: uniqueName('Acme'), ...overrides });
  if (response.status !== 201) throw new Error(`creating a tenant answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** How many subscription events this client's gateway has applied to its plans in force (its operator /health). */
export async function gatewayPlansApplied(gateway: Client): Promise<number> {
  const health = await gateway.operator().get<{ plans_in_force?: { applied?: number } }>('/health');
  const applied = health.body.plans_in_force?.applied;
  if (typeof applied !== 'number')
    throw new Error(`the gateway's operator /health shows no plans_in_force.applied: ${JSON.stringify(health.body)}`);
  return applied;
}

/**
 * Creates tenants, then waits until the gateway has applied the `subscription.created` billing
 * publishes for each one. Until it has, that event may still purge a tenant's cached responses, so a
 * test that expects a cache HIT right after creating a tenant would see a MISS now and then. Specs run
 * one at a time on a platform of their own, so no other tenant's event moves the count meanwhile.
 */
export async function createSettledTenants(gateway: Client, ...overrides: Array<Record<string, unknown>>): Promise<CreatedTenant[]> {
  const before = await gatewayPlansApplied(gateway);
  const created = await Promise.all(overrides.map((fields) => createTenant(gateway, fields)));
  await untilGatewayPlansApplied(gateway, before + created.length);
  return created;
}

/** Waits until this client's gateway has applied at least `count` subscription events. */
export async function untilGatewayPlansApplied(gateway: Client, count: number): Promise<void> {
  await eventually(async () => (await gatewayPlansApplied(gateway)) >= count, {
    timeoutMs: 15_000,
    intervalMs: 50,
    description: `the gateway to apply ${count} subscription events (billing subscribes every new tenant)`,
  });
}

/**
 * The platform of a spec on real infrastructure: started in `beforeAll` (before the spec's own hooks,
 * which may use it), shut down in `afterAll`. `admin` is usable at once; it reaches the gateway once started.
 */
export function usePlatform(env: () => NodeJS.ProcessEnv): { readonly platform: RunningServices; readonly admin: Client } {
  let running: RunningServices | undefined;
  const started = (): RunningServices => {
    if (!running) throw new Error('the platform is not started: use it from a test or a hook');
    return running;
  };
  beforeAll(async () => {
    running = await startPlatform(env());
  }, 60_000);
  afterAll(() => running?.shutdown());
  return {
    get platform() {
      return started();
    },
    admin: new Client(
      () => gatewayUrlOf(started()),
      ADMIN_KEY,
      () => operatorUrlOf(started()),
    ),
  };
}

function gatewayUrlOf(platform: RunningServices): string {
  const url = platform.servers.get('gateway')?.url;
  if (!url) throw new Error('this platform runs no gateway');
  return url;
}

function operatorUrlOf(platform: RunningServices): string {
  const url = platform.operatorServers.get('gateway')?.url;
  if (!url) throw new Error('this platform runs no gateway operator listener');
  return url;
}

/** A client of the gateway of `platform`, as the platform admin (`.as(key)` for a tenant; `.operator()` for its operator listener). */
export function adminClient(platform: RunningServices): Client {
  return new Client(gatewayUrlOf(platform), ADMIN_KEY, operatorUrlOf(platform));
}
