import type { TenantryEvent } from '@tenantry/contracts';
import type { Client } from './e2e-harness';

/** What the SRE specs read of observability: one tenant's SLO status, alert events, /metrics gauges. */

export const OBSERVABILITY_API = '/api/v1/observability';

export interface SloStatus {
  slo: string;
  objective: number;
  sli: number | null;
  valid_events: number;
  bad_events: number;
  excluded_minutes: number;
  budget: { total: number; consumed: number; remaining: number; remaining_fraction: number };
  burn_rates: Record<string, number>;
  alerts_firing: string[];
}

interface SlaAnswer {
  service: string;
  tenant_id: string | null;
  slos: SloStatus[];
}

/** `"<type> <severity>"` of one tenant's alert events among those seen, in order. */
export function alertsOf(events: readonly TenantryEvent[], tenantId: string): string[] {
  return events
    .filter((event) => event.type.startsWith('alert.') && (event.data as { tenant_id?: string }).tenant_id === tenantId)
    .map((event) => `${event.type} ${(event.data as { severity: string }).severity}`);
}

/** The tenant's gateway SLO (`GET /sla/gateway?tenant_id=`), checked to be the answer for that tenant. */
export async function slaOf(admin: Client, tenantId: string): Promise<SloStatus> {
  const reply = await admin.get<SlaAnswer>(`${OBSERVABILITY_API}/sla/gateway?tenant_id=${tenantId}`);
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ service: 'gateway', tenant_id: tenantId });
  const [sla] = reply.body.slos;
  if (!sla) throw new Error(`no SLO for ${tenantId}: ${JSON.stringify(reply.body)}`);
  return sla;
}

/** The value of the first sample of `name` whose labels include `labels`, in a Prometheus text scrape. */
export function sampleValue(scrape: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  const row = scrape
    .split('\n')
    .find((line) => (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && wanted.every((pair) => line.includes(pair)));
  return row === undefined ? undefined : Number(row.slice(row.lastIndexOf(' ') + 1));
}

/** The `tenantry_slo_alerts_firing` gauge of the pro plan's tenant SLO at this severity (undefined before a round set it). */
export function proTenantsFiring(scrape: string, severity: 'page' | 'ticket'): number | undefined {
  return sampleValue(scrape, 'tenantry_slo_alerts_firing', { slo: 'tenant-availability-pro', severity });
}
