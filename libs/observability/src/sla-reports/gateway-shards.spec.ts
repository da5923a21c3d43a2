import { createInMemoryPersistence } from '@tenantry/persistence';
import { createLogger } from '@tenantry/telemetry';
import { RollupReader } from '../ingest/rollup-reader';
import { GATEWAY_SERVICE, RollupWriter } from '../ingest/rollup-writer';
import { rollupsCollection, tenantGatewayShard, tenantShard, type RollupRepository, type Series } from '../ingest/rollup.collection';
import { outside } from '../maintenance/exclusion';
import { monthIn } from '../slos/calendar';
import { metricBatchOf } from '../test-support/metric-batches';
import { slaBreachesCollection } from './sla-report.collection';
import { SlaReports, type SlaTenant } from './sla-reports';

const HOUR = 3_600_000;
// 14:00 UTC on 1 November: October is over in every zone below, its last hours still have minutes.
const NOW = new Date('2026-11-01T14:00:00Z');
const TENANTS: SlaTenant[] = [
  { tenant_id: 'ten_utc', plan_id: 'pro', timezone: 'UTC' },
  { tenant_id: 'ten_ny', plan_id: 'enterprise', timezone: 'America/New_York' },
  // Half an hour off UTC: its month edges fall inside hours, so they are read from minutes.
  { tenant_id: 'ten_kolkata', plan_id: 'pro', timezone: 'Asia/Kolkata' },
];

/** Batches every 7 h 13 min from 28 September to 1 November (requests and errors vary), per tenant. */
function traffic(): { tenant: string; at: Date; requests: number; errors: number }[] {
  const samples: { tenant: string; at: Date; requests: number; errors: number }[] = [];
  let i = 0;
  for (let at = Date.parse('2026-09-28T00:00:00Z'); at < NOW.getTime(); at += 7 * HOUR + 13 * 60_000) {
    TENANTS.forEach((tenant, t) => {
      i += 1;
      samples.push({ tenant: tenant.tenant_id, at: new Date(at + t * 60_000), requests: 100 + (i % 37), errors: i % 5 });
    });
  }
  return samples;
}

async function ingested(): Promise<RollupRepository> {
  const rollups = await createInMemoryPersistence().repository(rollupsCollection);
  const writer = new RollupWriter({ rollups, logger: createLogger({ service: 'test', level: 'silent' }), flushGapMs: 0 });
  await writer.write(traffic().map((sample, i) => metricBatchOf(`evt_${i}`, sample.tenant, sample.at, sample.requests, sample.errors)));
  return rollups;
}

const gatewayOf = (tenantId: string) => (series: Series) =>
  series.tenant_id === tenantId && series.service === GATEWAY_SERVICE && series.route === null ? 'x' : null;

describe('gNN documents (the tenants gateway series of hours and days)', () => {
  it.each(TENANTS)(
    'when October in $timezone is summed from gNN hours and days, with or without maintenance cut out, then it equals the sum from the full tNN documents',
    async (tenant) => {
      const rollups = await ingested();
      const month = monthIn('2026-10', tenant.timezone);
      const from = month.start.getTime();
      const to = month.end.getTime();
      const maintenance = [
        // Whole hours, minutes at both ends, and a day and a half.
        { start: Date.parse('2026-10-03T10:17:00Z'), end: Date.parse('2026-10-03T13:43:00Z') },
        { start: Date.parse('2026-10-12T12:00:00Z'), end: Date.parse('2026-10-14T00:00:00Z') },
        { start: Date.parse('2026-10-31T20:05:00Z'), end: Date.parse('2026-10-31T21:55:00Z') },
      ];
      for (const spans of [[{ start: from, end: to }], outside(from, to, maintenance)]) {
        const reader = new RollupReader(rollups);
        const fromGateway = await reader.sumSpans(
          tenantGatewayShard(tenant.tenant_id),
          spans,
          NOW,
          tenant.tenant_id,
          gatewayOf(tenant.tenant_id),
        );
        const fromFull = await reader.sumSpans(tenantShard(tenant.tenant_id), spans, NOW, tenant.tenant_id, gatewayOf(tenant.tenant_id));
        expect(fromGateway.totals.get('x')?.requests).toBeGreaterThan(0);
        expect(fromGateway).toEqual(fromFull);
      }
    },
  );

  it("when the month's reports are computed, then each counts exactly the tenant's requests inside its month", async () => {
    const rollups = await ingested();
    const reports = new SlaReports({
      rollups,
      breaches: await createInMemoryPersistence().repository(slaBreachesCollection),
      outbox: { notify: () => undefined },
    });
    for (const tenant of TENANTS) {
      const month = monthIn('2026-10', tenant.timezone);
      const inside = traffic().filter(
        // metricBatchOf's windows start when the sample is taken; a window counts in the minute it starts.
        (sample) => sample.tenant === tenant.tenant_id && sample.at >= month.start && sample.at < month.end,
      );
      const report = await reports.report(tenant, '2026-10', NOW);
      expect({ valid: report?.valid_requests, failed: report?.failed_requests }).toEqual({
        valid: inside.reduce((sum, sample) => sum + sample.requests, 0),
        failed: inside.reduce((sum, sample) => sum + sample.errors, 0),
      });
    }
  });
});
