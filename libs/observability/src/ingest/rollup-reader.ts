import { addSeries, emptySeries } from './rollup-writer';
import {
  RESOLUTION_MS,
  RETENTION_MS,
  rollupId,
  ROLLUP_SCOPE,
  type Resolution,
  type Rollup,
  type RollupRepository,
  type Series,
} from './rollup.collection';

export interface Bucket {
  resolution: Resolution;
  start: Date;
}

/**
 * The fewest rollup buckets that tile [from, to): days in the middle, hours and minutes at the edges.
 * Minutes are used only where they are still kept (RETENTION_MS), hours likewise; where a finer
 * resolution is gone the edge widens to the coarser bucket containing it (`exact: false`).
 */
export function coverage(from: Date, to: Date, now: Date): { buckets: Bucket[]; exact: boolean } {
  const buckets: Bucket[] = [];
  let exact = true;
  const kept = (resolution: Resolution, at: number): boolean => at >= now.getTime() - RETENTION_MS[resolution];
  let at = from.getTime();
  const end = to.getTime();
  while (at < end) {
    let placed = false;
    for (const resolution of ['day', 'hour', 'minute'] as const) {
      const size = RESOLUTION_MS[resolution];
      if (at % size === 0 && at + size <= end && kept(resolution, at)) {
        buckets.push({ resolution, start: new Date(at) });
        at += size;
        placed = true;
        break;
      }
    }
    if (placed) continue;
    // The edge is finer than what is still kept: take the kept bucket around it.
    const resolution = (['minute', 'hour', 'day'] as const).find((candidate) => kept(candidate, at)) ?? 'day';
    const size = RESOLUTION_MS[resolution];
    const start = Math.floor(at / size) * size;
    if (start !== at || start + size > end) exact = false;
    buckets.push({ resolution, start: new Date(start) });
    at = start + size;
  }
  return { buckets, exact };
}

/** Reads rollups by id (ids are derived from resolution, bucket and shard), remembering them for one evaluation. */
export class RollupReader {
  /** Each document's series by tenant ('' for service-wide): an evaluation of many tenants reads each series once. */
  private readonly cache = new Map<string, Promise<Map<string, Series[]>>>();

  constructor(private readonly rollups: RollupRepository) {}

  private document(id: string): Promise<Map<string, Series[]>> {
    let found = this.cache.get(id);
    if (!found) {
      found = this.rollups.findById(ROLLUP_SCOPE, id).then((document: Rollup | null) => {
        const byTenant = new Map<string, Series[]>();
        for (const series of document?.series ?? []) {
          const key = series.tenant_id ?? '';
          const list = byTenant.get(key) ?? [];
          list.push(series);
          byTenant.set(key, list);
        }
        return byTenant;
      });
      this.cache.set(id, found);
    }
    return found;
  }

  /**
   * The series of `tenantId` (null: the service-wide ones) in `shard` summed over [from, to), one per
   * key `keyOf` gives (series it maps to null are skipped). `exact` is false when an edge had to be widened to a coarser bucket.
   */
  async sum(
    shard: string,
    from: Date,
    to: Date,
    now: Date,
    tenantId: string | null,
    keyOf: (series: Series) => string | null,
    routeLevel = false,
  ): Promise<{ totals: Map<string, Series>; exact: boolean }> {
    const { buckets, exact } = coverage(from, to, now);
    const usable = routeLevel
      ? buckets.map((bucket) =>
          bucket.resolution === 'minute'
            ? { resolution: 'hour' as const, start: new Date(Math.floor(bucket.start.getTime() / RESOLUTION_MS.hour) * RESOLUTION_MS.hour) }
            : bucket,
        )
      : buckets;
    const totals = await this.total(shard, usable, tenantId, keyOf);
    return { totals, exact: exact && usable.every((bucket, i) => bucket === buckets[i]) };
  }

  /**
   * As `sum`, over several spans (sorted, disjoint: a window less its maintenance windows), each tiled as
   * `sum` tiles a window; a bucket two spans share (widened edges) is read and counted once.
   */
  async sumSpans(
    shard: string,
    spans: readonly { start: number; end: number }[],
    now: Date,
    tenantId: string | null,
    keyOf: (series: Series) => string | null,
  ): Promise<{ totals: Map<string, Series>; exact: boolean }> {
    const buckets: Bucket[] = [];
    let exact = true;
    for (const span of spans) {
      const covered = coverage(new Date(span.start), new Date(span.end), now);
      buckets.push(...covered.buckets);
      exact &&= covered.exact;
    }
    return { totals: await this.total(shard, buckets, tenantId, keyOf), exact };
  }

  /** The series of `tenantId` in the buckets' documents of `shard`, summed per key (each document once). */
  private async total(
    shard: string,
    buckets: readonly Bucket[],
    tenantId: string | null,
    keyOf: (series: Series) => string | null,
  ): Promise<Map<string, Series>> {
    const ids = [...new Set(buckets.map((bucket) => rollupId(bucket.resolution, bucket.start, shard)))];
    const documents = await Promise.all(ids.map((id) => this.document(id)));
    const totals = new Map<string, Series>();
    for (const document of documents) {
      for (const series of document.get(tenantId ?? '') ?? []) {
        const key = keyOf(series);
        if (key === null) continue;
        const total =
          totals.get(key) ??
          emptySeries({ tenant_id: series.tenant_id, service: series.service, route: series.route, method: series.method });
        totals.set(key, addSeries(total, series));
      }
    }
    return totals;
  }
}
