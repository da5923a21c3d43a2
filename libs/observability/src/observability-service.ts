import type { ServiceDefinition } from '@tenantry/runtime';
import { consumeMetricRecorded } from './ingest/ingest-consumer';
import { rollupRetention } from './ingest/retention';
import { RollupWriter } from './ingest/rollup-writer';
import { rollupsCollection } from './ingest/rollup.collection';
import { createObservabilityApp } from './observability-app';
import { defaultSloDefinitions } from './slo-definitions/definitions';
import type { TenantProfiles } from './slos/sla.routes';

export interface ObservabilityOptions {
  /** The clock every evaluation reads (tests move it). */
  clock?: () => Date;
}

/** No tenant read model yet: a tenant's plan comes from its key's identity and its calendar months are UTC. */
const unknownProfiles: TenantProfiles = { profileOf: () => Promise.resolve(null) };

/**
 * The observability service (MISSION §4): the gateway's metric.recorded batches and recorded samples
 * rolled up per service and per tenant, metrics and SLO state (error budgets, burn rates) served from
 * them. Started by the runtime alone (apps/observability) or with the others (apps/all-in-one).
 */
export function observabilityServiceWith(options: ObservabilityOptions = {}): ServiceDefinition {
  return {
    name: 'observability',
    async start(platform, logger) {
      const clock = options.clock ?? (() => new Date());
      const rollups = await platform.persistence.repository(rollupsCollection);
      const writer = new RollupWriter({ rollups, logger });
      const ingest = await consumeMetricRecorded(platform.bus, writer);
      platform.housekeeping.every(rollupRetention(rollups));
      const definitions = defaultSloDefinitions();
      const app = createObservabilityApp({
        logger,
        readiness: platform.readiness,
        internalSecret: platform.config.internalSecret.value,
        rollups,
        writer,
        slos: { definitions: () => definitions },
        profiles: unknownProfiles,
        clock,
      });
      return {
        app,
        async stop() {
          await ingest.stop({ timeoutMs: 10_000 });
        },
      };
    },
  };
}

/** How the runtime starts the observability service (alone in apps/observability, or with the others in apps/all-in-one). */
export const observabilityService: ServiceDefinition = observabilityServiceWith();
