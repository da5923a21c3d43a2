/* eslint-disable @nx/enforce-module-boundaries */
import { AlertEvaluator, alertRollupCache } from '../../libs/observability/src/alerts/alert-evaluator';
import { coverage, type Bucket } from '../../libs/observability/src/ingest/rollup-reader';
import { GATEWAY_SERVICE } from '../../libs/observability/src/ingest/rollup-writer';
import type { RollupRepository } from '../../libs/observability/src/ingest/rollup.collection';
import {
  BURN_RATE_POLICY,
  defaultSloDefinitions,
  windowSeconds,
  SLO_WINDOW_DAYS,
} from '../../libs/observability/src/slo-definitions/definitions';
import { monthContaining } from '../../libs/observability/src/slos/calendar';
/* eslint-enable @nx/enforce-module-boundaries */
import type { BenchContext } from '../lib/context';
import { benchTenants } from '../lib/events';
import { median, rate, timed } from '../lib/measure';
import { formatMs, formatNumber, type ScenarioResult } from '../lib/report';
import type { Scenario } from '../lib/scenario';
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

/** The engineer's database (~300 pro tenants from the e2e suites), and B1's 2,000 active tenants. */
const SIZES = (process.env['O2_TENANTS'] ?? '300,2000').split(',').map(Number);
/** Rounds at the same minute after the first (nothing left to change): the steady state. */
const STEADY_ROUNDS = 3;
/** Every 100th tenant burns its budget in the last hour (50 % 5xx): page and ticket fire in the first round. */
const BURN_EVERY = 100;
const TENANT_RATE = 1;

/**
 * O2: one alert-evaluation round (`AlertEvaluator.evaluate`: every service SLO and every SLA tenant's,
 * every burn-rate window, the alert-state transitions) for N SLA tenants on the real database, seeded
 * with every rollup document the round reads (the minutes, hours and days that tile the 5 m … 30 d
 * windows and the calendar month). Baseline, same run: reading each of those documents once by id.
 */
export const alertEvaluationRound: Scenario = {
  id: 'O2',
  title: 'Observability: one burn-rate alert evaluation round for N SLA tenants (time per round)',
  async run(ctx: BenchContext, result: ScenarioResult): Promise<void> {
    for (const size of SIZES) await round(ctx, result, size);
  },
};

async function round(ctx: BenchContext, result: ScenarioResult, size: number): Promise<void> {
  const ids = benchTenants(`${ctx.runId}n${size}`, size);
  const tenants: SeedTenant[] = ids.map((tenant_id) => ({ tenant_id, plan_id: 'pro', timezone: 'UTC' }));
  const burning = new Set(ids.filter((_, i) => i % BURN_EVERY === 3));
  const db = await openObservabilityDb(ctx, `o2n${size}`, ctx.logger);
  try {
    const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const windows = [...new Set(BURN_RATE_POLICY.flatMap((rule) => [rule.long_window, rule.short_window]))].map(windowSeconds);
    const buckets: Bucket[] = [
      ...[...windows, SLO_WINDOW_DAYS * 86_400].flatMap((seconds) => coverage(new Date(now.getTime() - seconds * 1000), now, now).buckets),
      ...coverage(monthContaining(now, 'UTC').start, now, now).buckets,
    ];
    const recent = (bucket: Bucket): boolean => bucket.start.getTime() >= now.getTime() - 3_600_000;
    const services = [...new Set(defaultSloDefinitions().map((definition) => definition.service))];
    const seeding = await timed(async () => {
      await seedProfiles(db.profiles, tenants);
      return seedRollups(
        db.rollups,
        buckets,
        ids,
        (tenantId, bucket) => {
          const requests = TENANT_RATE * secondsOf(bucket);
          const errors = burning.has(tenantId) && recent(bucket) ? Math.round(requests / 2) : 0;
          return [seriesOf(tenantId, GATEWAY_SERVICE, requests, errors), seriesOf(tenantId, 'tenants', requests, 0)];
        },
        (bucket) => services.map((service) => seriesOf(null, service, size * TENANT_RATE * secondsOf(bucket), 0)),
      );
    });
    const documents = documentIds(buckets, ids);
    result.facts.push({
      label: `N = ${formatNumber(size)}: seeded`,
      value: `${formatNumber(size)} pro tenants, ${formatNumber(documents.length)} rollup documents (${(seeding.result.bytes / 1e6).toFixed(1)} MB as JSON; 2 series per tenant) in ${formatMs(seeding.elapsedMs)}`,
    });
    const reads = await timed(() => readDocuments(db.rollups, documents));
    result.measurements.push({
      label: `N = ${formatNumber(size)}: baseline, the round's ${formatNumber(documents.length)} rollup documents read once each by id`,
      events: size,
      elapsedMs: reads.elapsedMs,
      eventsPerSec: rate(size, reads.elapsedMs),
    });
    const counted = countingReads(db.rollups);
    const evaluator = new AlertEvaluator({
      rollups: counted.rollups,
      states: db.states,
      slos: { definitions: defaultSloDefinitions },
      tenants: db.tenants,
      outbox: { notify: () => undefined },
      logger: ctx.logger,
      maintenance: db.maintenance,
      rollupCache: alertRollupCache(),
    });
    const first = await timed(() => evaluator.evaluate(now));
    const firstReads = counted.take();
    result.measurements.push({
      label: `N = ${formatNumber(size)}: first round (${formatNumber(first.result.subjects)} subjects, ${first.result.fired.length} alerts fire, ${formatNumber(firstReads)} rollup documents read)`,
      events: first.result.subjects,
      elapsedMs: first.elapsedMs,
      eventsPerSec: rate(first.result.subjects, first.elapsedMs),
    });
    const steady: number[] = [];
    const steadyReads: number[] = [];
    let transitions = 0;
    // The next minutes' rounds (the loop's steady state): the windows slide by a minute, nothing changes state.
    for (let i = 1; i <= STEADY_ROUNDS; i += 1) {
      const next = await timed(() => evaluator.evaluate(new Date(now.getTime() + i * 60_000)));
      steady.push(next.elapsedMs);
      steadyReads.push(counted.take());
      transitions += next.result.fired.length + next.result.resolved.length;
    }
    const steadyMs = median(steady);
    result.measurements.push({
      label: `N = ${formatNumber(size)}: the next ${STEADY_ROUNDS} minutes' rounds, nothing to change (median; ${steady.map((ms) => formatMs(ms)).join(' / ')}; ${steadyReads.map((reads) => formatNumber(reads)).join(' / ')} documents read)`,
      events: first.result.subjects,
      elapsedMs: steadyMs,
      eventsPerSec: rate(first.result.subjects, steadyMs),
    });
    result.ratios.push({
      label: `N = ${formatNumber(size)}: evaluation round / reading its documents alone`,
      subject: 'round (steady)',
      subjectValue: rate(size, steadyMs),
      baseline: 'documents read once by id',
      baselineValue: rate(size, reads.elapsedMs),
      unit: 'tenants/s',
    });
    result.targets.push({
      label: `N = ${formatNumber(size)}: a steady-state round fits in the 1-minute interval with room to spare`,
      measured: `${formatMs(steadyMs)} (first round after a start: ${formatMs(first.elapsedMs)})`,
      goal: '< 6 s (10 % of the interval)',
      met: steadyMs < 6_000,
    });
    result.checks.push(
      {
        label: `N = ${formatNumber(size)}: page and ticket fire for each burning tenant, once`,
        ok: first.result.fired.length === burning.size * 2 && first.result.resolved.length === 0,
        detail: `${first.result.fired.length} fired, ${burning.size * 2} expected`,
      },
      { label: `N = ${formatNumber(size)}: later rounds change nothing`, ok: transitions === 0, detail: `${transitions} transitions` },
    );
  } finally {
    await db.dispose();
  }
}

/** The repository with its findById calls counted (the documents a round reads). */
function countingReads(rollups: RollupRepository): { rollups: RollupRepository; take(): number } {
  let reads = 0;
  const findById: RollupRepository['findById'] = (tenantId, id) => {
    reads += 1;
    return rollups.findById(tenantId, id);
  };
  const counted = new Proxy(rollups, {
    get: (target, property) => {
      if (property === 'findById') return findById;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    rollups: counted,
    take: () => {
      const taken = reads;
      reads = 0;
      return taken;
    },
  };
}
