import { ConflictError, NotFoundError } from '@tenantry/contracts';
import type { Logger } from '@tenantry/telemetry';
import { addHistograms, emptyHistogram, rebucket } from './histogram';
import type { MetricBatch } from './metric-batch';
import {
  batchFingerprint,
  bucketStart,
  RECENT_BATCHES,
  rollupId,
  ROLLUP_SCOPE,
  routeShard,
  seriesKey,
  SERVICE_SHARD,
  tenantShard,
  type Resolution,
  type Rollup,
  type RollupFields,
  type RollupRepository,
  type Series,
} from './rollup.collection';

/** The service name of the series that sums everything a tenant saw through the gateway (the tenant SLOs' service). */
export const GATEWAY_SERVICE = 'gateway';

const MAX_WRITE_ATTEMPTS = 8;
const REMEMBERED_DOCUMENTS = 512;

interface DocumentIncrement {
  resolution: Resolution;
  start: Date;
  shard: string;
  /** Per batch fingerprint: the series it adds (a document skips the batches it already counted). */
  batches: Map<string, Series[]>;
}

/**
 * Merges batches of samples into the rollup documents: every batch touches a few documents (minute,
 * hour and day of its tenant's shards and of the service-wide shard); the batches of one call are
 * grouped by document and each document is ONE conditional write (an update at the version this
 * process wrote last, without a read; a conflict re-reads). Idempotent by batch id per document.
 */
export class RollupWriter {
  private readonly remembered = new Map<string, Rollup>();

  constructor(
    private readonly deps: {
      rollups: RollupRepository;
      logger: Logger;
      /** Told the id of every document this writer changed (the alert evaluator's cache of settled documents reads it again). */
      onWritten?: (id: string) => void;
    },
  ) {}

  async write(batches: readonly MetricBatch[]): Promise<void> {
    const documents = new Map<string, DocumentIncrement>();
    const seen = new Set<string>();
    for (const batch of batches) {
      const fingerprint = batchFingerprint(batch.id);
      // The same batch twice in one delivery (a producer's retry) counts once.
      if (seen.has(fingerprint)) continue;
      seen.add(fingerprint);
      for (const [resolution, shard, series] of seriesOf(batch)) {
        const start = bucketStart(batch.window_start, resolution);
        const id = rollupId(resolution, start, shard);
        const document = documents.get(id) ?? { resolution, start, shard, batches: new Map<string, Series[]>() };
        const list = document.batches.get(fingerprint) ?? [];
        list.push(series);
        document.batches.set(fingerprint, list);
        documents.set(id, document);
      }
    }
    await Promise.all([...documents].map(([id, increment]) => this.writeOne(id, increment)));
  }

  private async writeOne(id: string, increment: DocumentIncrement): Promise<void> {
    const { rollups } = this.deps;
    let known: Rollup | null | undefined = this.remembered.get(id);
    for (let attempt = 1; ; attempt += 1) {
      const counted = new Set(known?.recent_batches);
      const fresh = [...increment.batches].filter(([fingerprint]) => !counted.has(fingerprint));
      if (fresh.length === 0) return;
      const base: RollupFields = known ?? {
        resolution: increment.resolution,
        bucket_start: increment.start.toISOString(),
        shard: increment.shard,
        series: [],
        recent_batches: [],
      };
      const next = merged(base, fresh);
      try {
        const written = known
          ? await rollups.update(ROLLUP_SCOPE, id, next, { expectedVersion: known.version })
          : await rollups.insert(ROLLUP_SCOPE, next, { id });
        this.remember(written);
        this.deps.onWritten?.(id);
        return;
      } catch (error) {
        this.remembered.delete(id);
        if (!(error instanceof ConflictError || error instanceof NotFoundError) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
        this.deps.logger.debug({ rollup: id, attempt }, 'Rollup {rollup} changed meanwhile: read again');
        known = await rollups.findById(ROLLUP_SCOPE, id);
      }
    }
  }

  private remember(document: Rollup): void {
    this.remembered.delete(document.id);
    this.remembered.set(document.id, document);
    if (this.remembered.size > REMEMBERED_DOCUMENTS) {
      const oldest = this.remembered.keys().next();
      if (!oldest.done) this.remembered.delete(oldest.value);
    }
  }
}

function merged(document: RollupFields, batches: readonly (readonly [string, Series[]])[]): RollupFields {
  const series = new Map(document.series.map((entry) => [seriesKey(entry), { ...entry, buckets: [...entry.buckets] }]));
  for (const [, list] of batches) {
    for (const entry of list) {
      const key = seriesKey(entry);
      const current = series.get(key);
      series.set(key, current ? addSeries(current, entry) : { ...entry, buckets: [...entry.buckets] });
    }
  }
  return {
    ...document,
    series: [...series.values()],
    recent_batches: [...document.recent_batches, ...batches.map(([fingerprint]) => fingerprint)].slice(-RECENT_BATCHES),
  };
}

export function addSeries(into: Series, other: Series): Series {
  into.requests += other.requests;
  into.errors += other.errors;
  into.client_errors += other.client_errors;
  into.rate_limited += other.rate_limited;
  into.cache_hits += other.cache_hits;
  into.latency_sum += other.latency_sum;
  into.latency_max = Math.max(into.latency_max, other.latency_max);
  addHistograms(into.buckets, other.buckets);
  return into;
}

export function emptySeries(key: Pick<Series, 'tenant_id' | 'service' | 'route' | 'method'>): Series {
  return {
    ...key,
    requests: 0,
    errors: 0,
    client_errors: 0,
    rate_limited: 0,
    cache_hits: 0,
    latency_sum: 0,
    latency_max: 0,
    buckets: emptyHistogram(),
  };
}

/** Every (resolution, shard, series) one batch adds to. */
function* seriesOf(batch: MetricBatch): Generator<[Resolution, string, Series]> {
  const tenant = batch.tenant_id;
  for (const sample of batch.samples) {
    const counts = {
      requests: sample.requests,
      errors: sample.errors,
      client_errors: sample.client_errors,
      rate_limited: sample.rate_limited,
      cache_hits: sample.cache_hits,
      latency_sum: sample.latency.sum,
      latency_max: sample.latency.max,
    };
    const buckets = rebucket(batch.latency_bounds_ms, sample.latency.buckets);
    const make = (tenant_id: string | null, service: string, route: string | null, method: string | null): Series => ({
      tenant_id,
      service,
      route,
      method,
      ...counts,
      buckets: [...buckets],
    });
    const services = batch.via_gateway && sample.service !== GATEWAY_SERVICE ? [sample.service, GATEWAY_SERVICE] : [sample.service];
    for (const resolution of ['minute', 'hour', 'day'] as const) {
      for (const service of services) {
        yield [resolution, SERVICE_SHARD, make(null, service, null, null)];
        yield [resolution, tenantShard(tenant), make(tenant, service, null, null)];
      }
      if (resolution !== 'minute')
        yield [resolution, routeShard(tenant), make(tenant, sample.service, sample.route, sample.method.toUpperCase())];
    }
  }
}
