import { setTimeout as delay } from 'node:timers/promises';
import { ConflictError, NotFoundError } from '@tenantry/contracts';
import type { Logger } from '@tenantry/telemetry';
import { addHistograms, emptyHistogram, rebucket } from './histogram';
import type { MetricBatch } from './metric-batch';
import { inLanes } from '../lanes';
import {
  batchFingerprint,
  bucketStart,
  GATEWAY_SHARD_RESOLUTIONS,
  gatewayShard,
  packBatches,
  packSeries,
  RECENT_BATCHES,
  rollupId,
  ROLLUP_SCOPE,
  routeShard,
  seriesKey,
  SERVICE_SHARD,
  tenantShard,
  unpackBatches,
  unpackSeries,
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
/** Documents written at once by one flush (a flush of gateway traffic touches ≈ 83). */
const WRITE_LANES = 96;
/**
 * A flush that follows another starts this long after it, so that the batches the bus's partitions
 * hand over again once their previous batches are written join one flush instead of alternating.
 */
export const DEFAULT_FLUSH_GAP_MS = 150;

interface DocumentIncrement {
  resolution: Resolution;
  start: Date;
  shard: string;
  /** Per batch fingerprint: the series it adds (a document skips the batches it already counted). */
  batches: Map<string, Series[]>;
}

interface Waiting {
  batches: readonly MetricBatch[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Merges batches of samples into the rollup documents: every batch touches a few documents (minute,
 * hour and day of its tenant's shards and of the service-wide shard). Calls that arrive while a flush is
 * under way (the bus's partitions hand over their batches concurrently) are merged into the next flush,
 * so each touched document is written once per flush however many partitions and batches it covers —
 * a document's write costs the same for one batch as for thousands, so the writer keeps up with any rate
 * (its lag is about one flush). Each document is ONE conditional write (an update at the version this
 * process wrote last; a conflict re-reads). Idempotent by batch id per document; a call resolves once
 * every document of its batches is written, and fails when its flush fails (nothing is acknowledged unwritten).
 */
export class RollupWriter {
  private readonly remembered = new Map<string, Rollup>();
  private readonly waiting: Waiting[] = [];
  private flushing = false;
  private lastFlushEnd = 0;

  constructor(
    private readonly deps: {
      rollups: RollupRepository;
      logger: Logger;
      /** Told the id of every document this writer changed (the alert evaluator's cache of settled documents reads it again). */
      onWritten?: (id: string) => void;
      /** DEFAULT_FLUSH_GAP_MS unless given (a writer whose flushes are seldom starts each at once anyway). */
      flushGapMs?: number;
    },
  ) {}

  write(batches: readonly MetricBatch[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ batches, resolve, reject });
      if (!this.flushing) void this.flushAll();
    });
  }

  /** Flushes what waits, then what arrived meanwhile, until nothing waits. */
  private async flushAll(): Promise<void> {
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        const gap = this.lastFlushEnd + (this.deps.flushGapMs ?? DEFAULT_FLUSH_GAP_MS) - Date.now();
        if (gap > 0) await delay(gap);
        const flush = this.nextFlush();
        try {
          await this.flush(flush.flatMap((waiting) => waiting.batches));
          for (const waiting of flush) waiting.resolve();
        } catch (error) {
          for (const waiting of flush) waiting.reject(error);
        }
        this.lastFlushEnd = Date.now();
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * The callers of the next flush: at most RECENT_BATCHES batches (unless one caller brings more), so that
   * a document remembers every batch of a flush that failed halfway when its callers try again.
   */
  private nextFlush(): Waiting[] {
    let batches = 0;
    let count = 0;
    for (const waiting of this.waiting) {
      if (count > 0 && batches + waiting.batches.length > RECENT_BATCHES) break;
      batches += waiting.batches.length;
      count += 1;
    }
    return this.waiting.splice(0, count);
  }

  private async flush(batches: readonly MetricBatch[]): Promise<void> {
    const documents = new Map<string, DocumentIncrement>();
    const seen = new Set<string>();
    for (const batch of batches) {
      const fingerprint = batchFingerprint(batch.id);
      // The same batch twice in one flush (a producer's retry, two partitions' redeliveries) counts once.
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
    await inLanes([...documents], WRITE_LANES, ([id, increment]) => this.writeOne(id, increment));
  }

  private async writeOne(id: string, increment: DocumentIncrement): Promise<void> {
    const { rollups } = this.deps;
    let known: Rollup | null | undefined = this.remembered.get(id);
    for (let attempt = 1; ; attempt += 1) {
      const counted = unpackBatches(known?.packed_batches);
      const countedSet = new Set(counted);
      const fresh = [...increment.batches].filter(([fingerprint]) => !countedSet.has(fingerprint));
      if (fresh.length === 0) return;
      const next: RollupFields = {
        resolution: increment.resolution,
        bucket_start: increment.start.toISOString(),
        shard: increment.shard,
        packed_series: packSeries(merged(unpackSeries(known), fresh)),
        packed_batches: packBatches([...counted, ...fresh.map(([fingerprint]) => fingerprint)]),
      };
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

/** The document's series with the batches' series added. */
function merged(current: readonly Series[], batches: readonly (readonly [string, Series[]])[]): Series[] {
  const series = new Map(current.map((entry) => [seriesKey(entry), entry]));
  for (const [, list] of batches) {
    for (const entry of list) {
      const key = seriesKey(entry);
      const existing = series.get(key);
      series.set(key, existing ? addSeries(existing, entry) : { ...entry, buckets: [...entry.buckets] });
    }
  }
  return [...series.values()];
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
        if (service === GATEWAY_SERVICE && GATEWAY_SHARD_RESOLUTIONS.includes(resolution))
          yield [resolution, gatewayShard(tenant), make(tenant, service, null, null)];
      }
      if (resolution !== 'minute')
        yield [resolution, routeShard(tenant), make(tenant, sample.service, sample.route, sample.method.toUpperCase())];
    }
  }
}
