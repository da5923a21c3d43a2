/* The bench (type:testing) drives the observability service's own classes in-process. */
/* eslint-disable @nx/enforce-module-boundaries */
import type { PlanId } from '@tenantry/contracts';
import { connectMongo, type MongoPersistence } from '@tenantry/persistence';
import type { Logger } from '@tenantry/telemetry';
import { withDatabase } from '@tenantry/testing';
import { alertStatesCollection, type AlertStateRepository } from '../../libs/observability/src/alerts/alert-state.collection';
import { ROLLUP_BUCKETS } from '../../libs/observability/src/ingest/histogram';
import type { Bucket } from '../../libs/observability/src/ingest/rollup-reader';
import { GATEWAY_SERVICE } from '../../libs/observability/src/ingest/rollup-writer';
import {
  GATEWAY_SHARD_RESOLUTIONS,
  gatewayShard,
  packSeries,
  RESOLUTION_MS,
  rollupId,
  ROLLUP_SCOPE,
  rollupsCollection,
  SERVICE_SHARD,
  tenantGatewayShard,
  tenantShard,
  unpackSeries,
  type RollupRepository,
  type Series,
} from '../../libs/observability/src/ingest/rollup.collection';
import { MaintenanceWindows } from '../../libs/observability/src/maintenance/exclusion';
import { maintenanceWindowsCollection } from '../../libs/observability/src/maintenance/maintenance-window.collection';
import { slaBreachesCollection } from '../../libs/observability/src/sla-reports/sla-report.collection';
import type { SlaReports } from '../../libs/observability/src/sla-reports/sla-reports';
import { TenantProfileStore } from '../../libs/observability/src/tenant-profiles/follow-tenants';
import {
  profileIdOf,
  tenantProfilesCollection,
  type TenantProfileRepository,
} from '../../libs/observability/src/tenant-profiles/tenant-profile.collection';
/* eslint-enable @nx/enforce-module-boundaries */
import type { BenchContext } from '../lib/context';
import { dropDatabase } from './mongo-database';

export interface ObservabilityDb {
  database: string;
  persistence: MongoPersistence;
  rollups: RollupRepository;
  profiles: TenantProfileRepository;
  tenants: TenantProfileStore;
  states: AlertStateRepository;
  breaches: ConstructorParameters<typeof SlaReports>[0]['breaches'];
  maintenance: MaintenanceWindows;
  /** Closes the connection and drops the database (idempotent). */
  dispose(): Promise<void>;
}

/** A database of its own (`tenantry_bench_<run>_<part>`), dropped by `dispose` and, failing that, at the end of the run. */
export async function openObservabilityDb(ctx: BenchContext, part: string, logger: Logger): Promise<ObservabilityDb> {
  const database = `tenantry_bench_${ctx.runId}_${part}`;
  const uri = withDatabase(ctx.mongodbUri, database);
  const persistence = await connectMongo({ uri, logger, appName: 'tenantry-bench', serverSelectionTimeoutMs: 10_000 });
  let disposed = false;
  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    await persistence.close().catch(() => undefined);
    await dropDatabase(uri);
  };
  ctx.atEnd(dispose);
  const [rollups, profiles, states, breaches, windows] = await Promise.all([
    persistence.repository(rollupsCollection),
    persistence.repository(tenantProfilesCollection),
    persistence.repository(alertStatesCollection),
    persistence.repository(slaBreachesCollection),
    persistence.repository(maintenanceWindowsCollection),
  ]);
  return {
    database,
    persistence,
    rollups,
    profiles,
    tenants: new TenantProfileStore(profiles),
    states,
    breaches,
    maintenance: new MaintenanceWindows(windows),
    dispose,
  };
}

/** Runs `work` over `items`, at most `limit` at once. */
export async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

export interface SeedTenant {
  tenant_id: string;
  plan_id: PlanId;
  timezone: string;
}

/** One profile per tenant, as follow-tenants writes them (plan with an SLA, time zone). */
export async function seedProfiles(profiles: TenantProfileRepository, tenants: readonly SeedTenant[]): Promise<void> {
  await inPool(tenants, 8, (tenant) =>
    profiles.insert(
      tenant.tenant_id,
      { plan_id: tenant.plan_id, plan_revision: 1, timezone: tenant.timezone, timezone_at: '2026-01-01T00:00:00.000Z', has_sla: true },
      { id: profileIdOf(tenant.tenant_id) },
    ),
  );
}

/** A series of `requests` requests of which `errors` were 5xx, all answered within 10 ms. */
export function seriesOf(tenantId: string | null, service: string, requests: number, errors: number): Series {
  const buckets = new Array<number>(ROLLUP_BUCKETS).fill(0);
  buckets[3] = requests;
  return {
    tenant_id: tenantId,
    service,
    route: null,
    method: null,
    requests,
    errors,
    client_errors: 0,
    rate_limited: 0,
    cache_hits: 0,
    latency_sum: requests * 8,
    latency_max: requests > 0 ? 10 : 0,
    buckets,
  };
}

/**
 * Writes the t-shard documents of these buckets (every tenant's series in its shard's document, as the
 * ingest consumer leaves them), the g-shard documents of the hours and days (each tenant's gateway series
 * alone) and the svc documents (`services`' platform-wide series); returns how many.
 */
export async function seedRollups(
  rollups: RollupRepository,
  buckets: readonly Bucket[],
  tenants: readonly string[],
  seriesOf: (tenantId: string, bucket: Bucket) => Series[],
  services: (bucket: Bucket) => Series[],
): Promise<{ documents: number; bytes: number }> {
  const byShard = new Map<string, string[]>();
  for (const tenantId of tenants) {
    const shard = tenantShard(tenantId);
    byShard.set(shard, [...(byShard.get(shard) ?? []), tenantId]);
  }
  const unique = uniqueBuckets(buckets);
  const jobs = unique.flatMap((bucket) => [
    { bucket, shard: SERVICE_SHARD, series: () => services(bucket) },
    ...[...byShard].flatMap(([shard, members]) => [
      { bucket, shard, series: () => members.flatMap((tenantId) => seriesOf(tenantId, bucket)) },
      ...(GATEWAY_SHARD_RESOLUTIONS.includes(bucket.resolution)
        ? [
            {
              bucket,
              shard: gatewayShard(members[0] ?? ''),
              series: () =>
                members.flatMap((tenantId) =>
                  seriesOf(tenantId, bucket).filter((series) => series.service === GATEWAY_SERVICE && series.route === null),
                ),
            },
          ]
        : []),
    ]),
  ]);
  let bytes = 0;
  await inPool(jobs, 4, async ({ bucket, shard, series }) => {
    const document = {
      resolution: bucket.resolution,
      bucket_start: bucket.start.toISOString(),
      shard,
      packed_series: packSeries(series()),
      packed_batches: '',
    };
    bytes += JSON.stringify(document).length;
    await rollups.insert(ROLLUP_SCOPE, document, { id: rollupId(bucket.resolution, bucket.start, shard) });
  });
  return { documents: jobs.length, bytes };
}

const uniqueBuckets = (buckets: readonly Bucket[]): Bucket[] => [
  ...new Map(buckets.map((bucket) => [`${bucket.resolution}:${bucket.start.getTime()}`, bucket])).values(),
];

export const secondsOf = (bucket: Bucket): number => RESOLUTION_MS[bucket.resolution] / 1000;

/** Reads these documents once each by id (8 at a time): the least I/O any pass over them needs. */
export async function readDocuments(rollups: RollupRepository, ids: readonly string[]): Promise<number> {
  let series = 0;
  await inPool(ids, 8, async (id) => {
    series += unpackSeries(await rollups.findById(ROLLUP_SCOPE, id)).length;
  });
  return series;
}

/** The ids of the documents the passes read of what `seedRollups` writes: svc, and each tenant's gateway series (gNN hours and days, tNN minutes). */
export function documentIds(buckets: readonly Bucket[], tenants: readonly string[]): string[] {
  return uniqueBuckets(buckets).flatMap((bucket) => {
    const shards = [SERVICE_SHARD, ...new Set(tenants.map((tenantId) => tenantGatewayShard(tenantId)(bucket.resolution)))];
    return shards.map((shard) => rollupId(bucket.resolution, bucket.start, shard));
  });
}
