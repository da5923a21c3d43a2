/* eslint-disable @nx/enforce-module-boundaries */
import { coverage, type Bucket } from '../../libs/observability/src/ingest/rollup-reader';
import { GATEWAY_SERVICE } from '../../libs/observability/src/ingest/rollup-writer';
import { SlaReports } from '../../libs/observability/src/sla-reports/sla-reports';
import { monthContaining } from '../../libs/observability/src/slos/calendar';
/* eslint-enable @nx/enforce-module-boundaries */
import type { BenchContext } from '../lib/context';
import { benchTenants } from '../lib/events';
import { rate, timed } from '../lib/measure';
import { formatMs, formatNumber, type ScenarioResult } from '../lib/report';
import { scaled, type Scenario } from '../lib/scenario';
import {
  documentIds,
  openObservabilityDb,
  readDocuments,
  secondsOf,
  seedProfiles,
  seedRollups,
  seriesOf,
  type SeedTenant,
} from './observability-db';

const TENANTS = 10_000;
const TARGET_MS = 10_000;
/** Two of three tenants in UTC (their month is whole UTC days), one in New York (hour documents at both edges). */
const TIMEZONES = ['UTC', 'America/New_York', 'UTC'];
/** Every 20th tenant misses its month (99.5 % < 99.9 %): its report emits sla.breached. */
const BREACH_EVERY = 20;
/** Requests per second per tenant (10,000 tenants: 10,000 req/s platform-wide, B1's rate). */
const TENANT_RATE = 1;

/**
 * O1: one pass of the monthly SLA report (`SlaReports.closePreviousMonth` over every SLA tenant, as the
 * every-minute loop runs it after a month ends) for 10,000 pro/enterprise tenants, on the real database
 * seeded with the month's day and hour rollups. Baseline, same run: reading each of those documents
 * once by id (the least any pass must read).
 */
export const monthlySlaReport: Scenario = {
  id: 'O1',
  title: 'Observability: the monthly SLA report pass (closePreviousMonth) for 10,000 tenants; target < 10 s',
  async run(ctx: BenchContext, result: ScenarioResult): Promise<void> {
    const ids = benchTenants(ctx.runId, scaled(TENANTS));
    const tenants: SeedTenant[] = ids.map((tenant_id, i) => ({
      tenant_id,
      plan_id: i % 10 === 9 ? 'enterprise' : 'pro',
      timezone: TIMEZONES[i % TIMEZONES.length] ?? 'UTC',
    }));
    const breaching = new Set(ids.filter((_, i) => i % BREACH_EVERY === 7));
    const db = await openObservabilityDb(ctx, 'o1', ctx.logger);
    try {
      // A month has just ended everywhere (14:00 UTC on the 1st: past every zone's grace).
      const clock = new Date();
      const now = new Date(Date.UTC(clock.getUTCFullYear(), clock.getUTCMonth(), 1, 14));
      const buckets: Bucket[] = [...new Set(TIMEZONES)].flatMap((timezone) => {
        const current = monthContaining(now, timezone);
        const previous = monthContaining(new Date(current.start.getTime() - 1), timezone);
        return coverage(previous.start, previous.end, now).buckets;
      });
      const seeding = await timed(async () => {
        await seedProfiles(db.profiles, tenants);
        return seedRollups(
          db.rollups,
          buckets,
          ids,
          (tenantId, bucket) => {
            const requests = TENANT_RATE * secondsOf(bucket);
            const errors = breaching.has(tenantId) ? Math.round(requests * 0.005) : Math.floor(requests * 0.00002);
            return [seriesOf(tenantId, GATEWAY_SERVICE, requests, errors)];
          },
          () => [],
        );
      });
      result.facts.push({
        label: 'seeded',
        value: `${formatNumber(tenants.length)} tenant profiles (pro, every 10th enterprise; ${TIMEZONES.join(' / ')}), ${formatNumber(seeding.result.documents)} rollup documents (the month's days, and the hours at a New York month's edges; each tenant's gateway series; ${(seeding.result.bytes / 1e6).toFixed(0)} MB as JSON) in ${formatMs(seeding.elapsedMs)}, database ${db.database}`,
      });

      const reads = await timed(() => readDocuments(db.rollups, documentIds(buckets, ids)));
      result.measurements.push({
        label: `baseline: read the month's ${formatNumber(documentIds(buckets, ids).length)} rollup documents once each (by id, 8 at a time)`,
        events: tenants.length,
        elapsedMs: reads.elapsedMs,
        eventsPerSec: rate(tenants.length, reads.elapsedMs),
        note: `${formatNumber(reads.result)} series; tenants/s if a pass did nothing else`,
      });

      const reports = new SlaReports({
        rollups: db.rollups,
        breaches: db.breaches,
        outbox: { notify: () => undefined },
        maintenance: db.maintenance,
      });
      const pass = await timed(() => reports.closePreviousMonth(db.tenants.withSla(), now));
      result.measurements.push({
        label: `closePreviousMonth: ${formatNumber(tenants.length)} tenants' reports, ${formatNumber(pass.result.length)} sla.breached written`,
        events: tenants.length,
        elapsedMs: pass.elapsedMs,
        eventsPerSec: rate(tenants.length, pass.elapsedMs),
      });
      // A restarted replica: computes every report again, finds every breach already emitted.
      const again = await timed(() =>
        new SlaReports({
          rollups: db.rollups,
          breaches: db.breaches,
          outbox: { notify: () => undefined },
          maintenance: db.maintenance,
        }).closePreviousMonth(db.tenants.withSla(), now),
      );
      result.measurements.push({
        label: 'the same pass by a restarted replica (every breach already emitted)',
        events: tenants.length,
        elapsedMs: again.elapsedMs,
        eventsPerSec: rate(tenants.length, again.elapsedMs),
      });
      result.ratios.push({
        label: 'report pass / reading its documents alone',
        subject: 'closePreviousMonth',
        subjectValue: rate(tenants.length, pass.elapsedMs),
        baseline: 'documents read once by id',
        baselineValue: rate(tenants.length, reads.elapsedMs),
        unit: 'tenants/s',
      });
      result.targets.push({
        label: `monthly report pass for ${formatNumber(tenants.length)} tenants`,
        measured: formatMs(pass.elapsedMs),
        goal: `< ${formatMs(TARGET_MS)}`,
        met: pass.elapsedMs < TARGET_MS,
      });
      result.checks.push(
        {
          label: 'sla.breached once per breaching tenant',
          ok: pass.result.length === breaching.size && pass.result.every((reportId) => breaching.has(reportId.split('_')[1] ?? '')),
          detail: `${pass.result.length} emitted, ${breaching.size} expected`,
        },
        { label: 'a second pass emits nothing', ok: again.result.length === 0, detail: `${again.result.length} emitted` },
      );
    } finally {
      await db.dispose();
    }
  },
};
