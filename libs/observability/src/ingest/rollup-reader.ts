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
  unpackSeries,
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

/** A document's series by tenant ('' for service-wide). */
export type SeriesByTenant = Map<string, Series[]>;

/**
 * Settled rollup documents kept across evaluations: the every-minute alert evaluation reads the same
 * ~280 documents per shard (the minutes, hours and days tiling 5 m … 30 d and the month) every round,
 * though only the last few minutes of them still change. A document whose bucket ended `settleMs`
 * before the evaluation's `now` is read once and kept (only the series `keep` selects), and read again
 * after `refreshMs` (½ to 1 ×, spread), after this process's own RollupWriter wrote it (`invalidate`), or when the clock
 * went back; a batch that another replica ingests more than `settleMs` late is therefore seen by this
 * replica's alert windows within `refreshMs` (SLA reports and the API always read fresh).
 */
export class RollupDocumentCache {
  private readonly entries = new Map<string, { readAt: number; expiresAt: number; end: number; byTenant: SeriesByTenant }>();
  /** Ids written since a read started must not be stored by that read. */
  private readonly writtenAt = new Map<string, number>();
  private sequence = 0;
  /** Reads that started before this mark may have missed a write whose mark was forgotten. */
  private forgotten = 0;

  constructor(
    private readonly options: {
      /** Series worth keeping (the others are dropped when a document is stored). */
      keep?: (series: Series) => boolean;
      settleMs?: number;
      refreshMs?: number;
      /** Documents kept at most (the oldest stored go first). */
      maxDocuments?: number;
    } = {},
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The kept series of `id` if it is settled and fresh at `now`. */
  get(id: string, now: number): SeriesByTenant | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (now < entry.readAt || now >= entry.expiresAt) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.byTenant;
  }

  /** Where a read of `id` starts: pass it to `put`. */
  mark(): number {
    this.sequence += 1;
    return this.sequence;
  }

  /** Stores what a read that started at `mark` found, if its bucket is settled at `now` and nothing wrote it meanwhile. */
  put(id: string, now: number, mark: number, byTenant: SeriesByTenant): SeriesByTenant {
    const end = bucketEndOf(id);
    if (end === null || end > now - (this.options.settleMs ?? 15 * 60_000)) return byTenant;
    if (mark <= this.forgotten || (this.writtenAt.get(id) ?? -1) > mark) return byTenant;
    const { keep } = this.options;
    const kept = keep
      ? new Map([...byTenant].map(([tenant, list]) => [tenant, list.filter(keep)] as const).filter(([, list]) => list.length > 0))
      : byTenant;
    this.entries.delete(id);
    // Spread over [½, 1] × refreshMs, so the documents of one cold round are not all read again in the same later round.
    const expiresAt = now + (this.options.refreshMs ?? 3_600_000) * (0.5 + Math.random() / 2);
    this.entries.set(id, { readAt: now, expiresAt, end, byTenant: kept });
    const max = this.options.maxDocuments ?? 50_000;
    while (this.entries.size > max) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return kept;
  }

  /** This process wrote these documents: read them again. */
  invalidate(ids: Iterable<string>): void {
    this.sequence += 1;
    for (const id of ids) {
      this.entries.delete(id);
      this.writtenAt.set(id, this.sequence);
    }
    if (this.writtenAt.size > 100_000) {
      // Forget the write marks, and with them whatever a read in flight might still store.
      this.writtenAt.clear();
      this.sequence += 1;
      this.forgotten = this.sequence;
    }
  }

  /** Drops documents older than any window can reach (`oldest`, ms). */
  evictBefore(oldest: number): void {
    for (const [id, entry] of this.entries) if (entry.end <= oldest) this.entries.delete(id);
  }
}

/** The end (ms) of the bucket of a rollup id `<resolution>:<ISO start>:<shard>`; null when it is not one. */
export function bucketEndOf(id: string): number | null {
  const first = id.indexOf(':');
  const last = id.lastIndexOf(':');
  const resolution = id.slice(0, first) as Resolution;
  const size = RESOLUTION_MS[resolution];
  const start = Date.parse(id.slice(first + 1, last));
  return size === undefined || Number.isNaN(start) ? null : start + size;
}

/** Reads rollups by id (ids are derived from resolution, bucket and shard), remembering them for one evaluation. */
export class RollupReader {
  /** Each document's series by tenant ('' for service-wide): an evaluation of many tenants reads each series once. */
  private readonly cache = new Map<string, Promise<SeriesByTenant>>();

  /** `settled`: documents kept across evaluations (the alert evaluator's), consulted and filled by this reader. */
  constructor(
    private readonly rollups: RollupRepository,
    private readonly settled?: RollupDocumentCache,
  ) {}

  /** How many documents this reader read from the database. */
  reads = 0;

  private document(id: string, now: Date): Promise<SeriesByTenant> {
    let found = this.cache.get(id);
    if (!found) {
      const kept = this.settled?.get(id, now.getTime());
      if (kept) found = Promise.resolve(kept);
      else {
        const mark = this.settled?.mark() ?? 0;
        this.reads += 1;
        found = this.rollups.findById(ROLLUP_SCOPE, id).then((document: Rollup | null) => {
          const byTenant: SeriesByTenant = new Map();
          for (const series of unpackSeries(document)) {
            const key = series.tenant_id ?? '';
            const list = byTenant.get(key);
            if (list) list.push(series);
            else byTenant.set(key, [series]);
          }
          return this.settled ? this.settled.put(id, now.getTime(), mark, byTenant) : byTenant;
        });
      }
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
    const totals = await this.total(shard, usable, now, tenantId, keyOf);
    return { totals, exact: exact && usable.every((bucket, i) => bucket === buckets[i]) };
  }

  /**
   * As `sum`, over several spans (sorted, disjoint: a window less its maintenance windows), each tiled as
   * `sum` tiles a window; a bucket two spans share (widened edges) is read and counted once. `shard` may
   * depend on the bucket's resolution (a tenant's gateway series: `tenantGatewayShard`).
   */
  async sumSpans(
    shard: string | ((resolution: Resolution) => string),
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
    return { totals: await this.total(shard, buckets, now, tenantId, keyOf), exact };
  }

  /** The series of `tenantId` in the buckets' documents of `shard`, summed per key (each document once). */
  private async total(
    shard: string | ((resolution: Resolution) => string),
    buckets: readonly Bucket[],
    now: Date,
    tenantId: string | null,
    keyOf: (series: Series) => string | null,
  ): Promise<Map<string, Series>> {
    const shardOf = typeof shard === 'string' ? () => shard : shard;
    const ids = [...new Set(buckets.map((bucket) => rollupId(bucket.resolution, bucket.start, shardOf(bucket.resolution))))];
    const documents = await Promise.all(ids.map((id) => this.document(id, now)));
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
