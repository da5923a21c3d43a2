import { SERVICE_NAMES, type ServiceName } from '@tenantry/config';
import type { ServiceDefinition } from '@tenantry/runtime';
import { healthRoutes } from './health/health.routes';
import { probeHoursCollection, probeStatusCollection } from './health/probe.collection';
import { DEFAULT_PROBE_INTERVAL_MS, Prober } from './health/prober';
import { AlertEvaluator, alertRollupCache, DEFAULT_EVALUATION_INTERVAL_MS } from './alerts/alert-evaluator';
import { alertStatesCollection } from './alerts/alert-state.collection';
import { startEvaluationLoop } from './alerts/evaluation-loop';
import { exportSloGauges } from './alerts/slo-gauges';
import { consumeMetricRecorded } from './ingest/ingest-consumer';
import { rollupRetention } from './ingest/retention';
import { RollupWriter } from './ingest/rollup-writer';
import { rollupsCollection } from './ingest/rollup.collection';
import { MaintenanceWindows } from './maintenance/exclusion';
import { maintenanceWindowsCollection } from './maintenance/maintenance-window.collection';
import { createObservabilityApp } from './observability-app';
import { slaBreachesCollection } from './sla-reports/sla-report.collection';
import { SlaReports } from './sla-reports/sla-reports';
import { SloCatalog, sloCatalogCollection } from './slos/slo-catalog';
import { followTenants, TenantProfileStore } from './tenant-profiles/follow-tenants';
import { tenantProfilesCollection } from './tenant-profiles/tenant-profile.collection';

export interface ObservabilityOptions {
  /** The clock every evaluation reads (tests move it). */
  clock?: () => Date;
  /** How often burn-rate alerts are evaluated (default every minute); null: only when a test calls the evaluator. */
  evaluationIntervalMs?: number | null;
  /** Hands the alert evaluator to a test that drives it with its clock. */
  onEvaluator?: (evaluator: AlertEvaluator) => void;
  /** How often every service's /ready is probed (default OBSERVABILITY_PROBE_INTERVAL_MS, else 10 s); null: only when a test calls the prober. */
  probeIntervalMs?: number | null;
  /** Hands the prober to a test that drives it with its clock. */
  onProber?: (prober: Prober) => void;
  /** Hands over the month closing (sla.breached of the month before `now`) to a test that drives it with its clock. */
  onMonthClose?: (close: (now: Date) => Promise<string[]>) => void;
}

/**
 * The observability service (MISSION §4): the gateway's metric.recorded batches and recorded samples
 * rolled up per service and per tenant, metrics and SLO state (error budgets, burn rates) served from
 * them, and multi-burn-rate alerts evaluated every minute. Started by the runtime alone (apps/observability) or with the others (apps/all-in-one).
 */
export function observabilityServiceWith(options: ObservabilityOptions = {}): ServiceDefinition {
  return {
    name: 'observability',
    // The database (its records, processed event ids, idempotency records, the outbox) and the event bus; no cache.
    needs: { persistence: true, eventBus: true, cache: false },
    async start(platform, logger, context) {
      const clock = options.clock ?? (() => new Date());
      const [rollups, profiles, states, breaches, catalogs, probeHours, probeStatuses, windows] = await Promise.all([
        platform.persistence.repository(rollupsCollection),
        platform.persistence.repository(tenantProfilesCollection),
        platform.persistence.repository(alertStatesCollection),
        platform.persistence.repository(slaBreachesCollection),
        platform.persistence.repository(sloCatalogCollection),
        platform.persistence.repository(probeHoursCollection),
        platform.persistence.repository(probeStatusCollection),
        platform.persistence.repository(maintenanceWindowsCollection),
      ]);
      const maintenance = new MaintenanceWindows(windows);
      const configured = Number(context.env['OBSERVABILITY_PROBE_INTERVAL_MS'] ?? DEFAULT_PROBE_INTERVAL_MS);
      const probeEvery =
        options.probeIntervalMs === undefined
          ? Number.isInteger(configured) && configured >= 1_000
            ? configured
            : DEFAULT_PROBE_INTERVAL_MS
          : options.probeIntervalMs;
      const prober = new Prober({
        services: SERVICE_NAMES,
        urlOf: (service) => context.urlOf(service as ServiceName),
        hours: probeHours,
        statuses: probeStatuses,
        intervalMs: probeEvery ?? DEFAULT_PROBE_INTERVAL_MS,
        logger,
      });
      options.onProber?.(prober);
      const probing =
        probeEvery === null ? null : startEvaluationLoop((now) => prober.probeAll(now), { intervalMs: probeEvery, clock, logger });
      // Settled documents the evaluator keeps between rounds; what this process writes is read again.
      const rollupCache = alertRollupCache();
      const writer = new RollupWriter({ rollups, logger, onWritten: (id) => rollupCache.invalidate([id]) });
      const tenants = new TenantProfileStore(profiles);
      const subscriptions = await Promise.all([consumeMetricRecorded(platform.bus, writer), followTenants(platform.bus, tenants)]);
      platform.housekeeping.every(rollupRetention(rollups));
      const slos = new SloCatalog(catalogs);
      await slos.refresh();
      const evaluator = new AlertEvaluator({
        rollups,
        states,
        slos,
        tenants,
        outbox: platform.outboxRelay,
        logger,
        maintenance,
        rollupCache,
      });
      const reports = new SlaReports({ rollups, breaches, outbox: platform.outboxRelay, maintenance });
      options.onEvaluator?.(evaluator);
      options.onMonthClose?.((now) => reports.closePreviousMonth(tenants.withSla(), now));
      const evaluationEvery = Number(context.env['OBSERVABILITY_EVALUATION_INTERVAL_MS'] ?? DEFAULT_EVALUATION_INTERVAL_MS);
      const intervalMs =
        options.evaluationIntervalMs === undefined
          ? Number.isInteger(evaluationEvery) && evaluationEvery >= 1_000
            ? evaluationEvery
            : DEFAULT_EVALUATION_INTERVAL_MS
          : options.evaluationIntervalMs;
      const loop =
        intervalMs === null
          ? null
          : startEvaluationLoop(
              async (now) => {
                await slos.refresh();
                exportSloGauges((await evaluator.evaluate(now)).statuses);
                await reports.closePreviousMonth(tenants.withSla(), now);
              },
              { intervalMs, clock, logger },
            );
      const app = createObservabilityApp({
        logger,
        readiness: platform.readiness,
        internalSecret: platform.config.internalSecret.value,
        identityMaxAgeMs: platform.config.identityMaxAgeMs,
        rollups,
        writer,
        slos,
        profiles: tenants,
        reports,
        health: healthRoutes({ prober, services: SERVICE_NAMES, clock }),
        maintenance,
        clock,
      });
      return {
        app,
        async stop() {
          await Promise.all([loop?.stop(), probing?.stop()]);
          await Promise.all(subscriptions.map((subscription) => subscription.stop({ timeoutMs: 10_000 })));
        },
      };
    },
  };
}

/** How the runtime starts the observability service (alone in apps/observability, or with the others in apps/all-in-one). */
export const observabilityService: ServiceDefinition = observabilityServiceWith();
