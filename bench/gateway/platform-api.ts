import { signIdentity, type Identity } from '@tenantry/http';

/**
 * The few calls the gateway scenarios make to set up and to read counters: through the public API
 * (admin key), a service's own port with signed identity headers (as the gateway would send them), and
 * `/health` and `/metrics`. Plain fetch: none of this is on a measured path.
 */

export interface BenchTenant {
  tenantId: string;
  /** The plaintext key, `tnt_…`. */
  apiKey: string;
  keyId: string;
  tier: string;
}

async function json<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** POST /api/v1/tenants through the gateway with the admin key. */
export async function createTenant(
  gatewayUrl: string,
  adminKey: string,
  name: string,
  tier: 'basic' | 'pro' | 'enterprise',
): Promise<BenchTenant> {
  const response = await fetch(`${gatewayUrl}/api/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, subscription_tier: tier }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = await json<{ tenant: { id: string; subscription_tier?: string }; api_key: { id: string; key: string } }>(
    response,
    'create tenant',
  );
  return { tenantId: body.tenant.id, apiKey: body.api_key.key, keyId: body.api_key.id, tier: body.tenant.subscription_tier ?? tier };
}

export function tenantAuth(tenant: BenchTenant): Record<string, string> {
  return { authorization: `Bearer ${tenant.apiKey}` };
}

/** The identity the gateway injects for this tenant's key. */
export function tenantIdentity(tenant: BenchTenant): Identity {
  return { role: 'tenant', tenantId: tenant.tenantId, keyId: tenant.keyId, scopes: [] };
}

/**
 * Headers that let the bench call the tenants service directly, as the gateway would: signed for ONE
 * method + URL, for the tenants service, and valid for 10 s (IDENTITY_MAX_AGE_MS), so sign again before
 * each run (runs last 5 s).
 */
export function signedHeaders(secret: string, identity: Identity, method: string, url: string): Record<string, string> {
  return signIdentity(identity, { method, url, audience: 'tenants' }, secret);
}

/** The gateway's state, as its operator listener's `/health` shows it. */
export interface GatewayHealth {
  upstream_connections: number;
  metering: { enabled: boolean; recorded?: number; published?: number; pending_events?: number };
  rate_limiter: Record<string, unknown>;
  degraded: string[];
}

/** Reads a gateway's state from its operator listener (the public `/health` only says it answers). */
export async function gatewayHealth(gateway: { url: string; operatorUrl?: string }): Promise<GatewayHealth> {
  if (!gateway.operatorUrl) throw new Error(`the gateway at ${gateway.url} has no operator listener to read its state from`);
  return json<GatewayHealth>(
    await fetch(`${gateway.operatorUrl}/health`, { signal: AbortSignal.timeout(5_000) }),
    'gateway operator /health',
  );
}

/** GET with headers; status, headers and body (for probes that check one response). */
export async function probe(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

/**
 * The sum of every sample of `metric` at `<baseUrl>/metrics` whose labels include all of `labels`
 * (Prometheus text format; 0 when there is none).
 */
export async function prometheusSum(baseUrl: string, metric: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== metric) continue;
    const present = new Map<string, string>();
    for (const pair of (match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) present.set(pair[1] ?? '', pair[2] ?? '');
    if (Object.entries(labels).every(([name, value]) => present.get(name) === value)) sum += Number(match[4]);
  }
  return sum;
}

export interface TenantUsage {
  api_calls: { today: { used: number }; month: { used: number } };
}

/** GET /api/v1/tenants/{id}/usage on the tenants service directly (signed as the tenant: not metered). */
export async function tenantUsage(tenantsUrl: string, secret: string, tenant: BenchTenant): Promise<TenantUsage> {
  const url = `/api/v1/tenants/${tenant.tenantId}/usage`;
  const response = await fetch(`${tenantsUrl}${url}`, {
    headers: signedHeaders(secret, tenantIdentity(tenant), 'GET', url),
    signal: AbortSignal.timeout(5_000),
  });
  return json<TenantUsage>(response, 'tenant usage');
}
