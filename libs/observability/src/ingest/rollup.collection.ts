import { createHash } from 'node:crypto';
import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';
import { ROLLUP_BUCKETS } from './histogram';

export const RESOLUTIONS = ['minute', 'hour', 'day'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const RESOLUTION_MS: Record<Resolution, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** How long each resolution is kept (the longest alert window; a rolling 30-day budget plus a month edge; 13 months). */
export const RETENTION_MS: Record<Resolution, number> = {
  minute: 3 * 86_400_000 + 3_600_000,
  hour: 35 * 86_400_000,
  day: 397 * 86_400_000,
};

/** Tenants are spread over this many documents per bucket (part of the storage format: do not change). */
export const TENANT_SHARDS = 16;
/** Fingerprints of the batches a document counted last (see billing's usage shards for the sizing). */
export const RECENT_BATCHES = 2_000;
/** Characters of a batch fingerprint (base64url, so a packed list needs no separator). */
export const FINGERPRINT_LENGTH = 12;
/** The storage scope of rollup documents: they hold many tenants each, so they belong to none of them. */
export const ROLLUP_SCOPE = '_observability';

/**
 * Which series a document holds:
 * - `svc`: one series per service, platform-wide (every resolution);
 * - `tNN`: tenant × service, for the tenants of shard NN (every resolution);
 * - `rNN`: tenant × service × route × method, for shard NN (hour and day only: routes multiply the
 *   series, and per-route views do not need minutes);
 * - `gNN`: the tenants' `gateway` series alone (the same series as in `tNN`), hour and day only: what the
 *   monthly SLA reports and the tenant SLOs read, a fraction of the bytes of `tNN` (`tenantGatewayShard`).
 */
export type ShardKey = string;
export const SERVICE_SHARD = 'svc';

const count = z.number().int().nonnegative();

export const seriesSchema = z.object({
  tenant_id: z.string().max(128).nullable(),
  service: z.string().min(1).max(64),
  route: z.string().max(256).nullable(),
  method: z.string().max(16).nullable(),
  requests: count,
  errors: count,
  client_errors: count,
  rate_limited: count,
  cache_hits: count,
  latency_sum: z.number().nonnegative(),
  latency_max: z.number().nonnegative(),
  buckets: z.array(count).length(ROLLUP_BUCKETS),
});
export type Series = z.output<typeof seriesSchema>;

/**
 * One bucket of time (a minute, hour or UTC day) of one shard: id `<resolution>:<bucket start ISO>:<shard>`.
 * A batch of events is then one conditional write per touched document, not one per event or tenant.
 *
 * The series and the batch fingerprints are each stored as ONE string (`packSeries`, fingerprints
 * concatenated): the documents are only ever read whole, by id, and FerretDB 1.x decodes and re-encodes
 * every value of a document on each read and update — a 150 KB document of 500 series objects cost
 * ≈ 2.3 s to read on the loaded test box, the same bytes as one string ≈ 0.3 s, and an update 2.4 s
 * against 0.07 s (BENCHMARKS.md, O3). Documents written by earlier versions (arrays) read as empty.
 */
export const rollupsCollection = defineCollection({
  name: 'observability_rollups',
  schema: z.object({
    resolution: z.enum(RESOLUTIONS),
    /** ISO instant of the bucket's start (ISO strings order like instants). */
    bucket_start: z.string().min(20).max(30),
    shard: z.string().min(1).max(8),
    /** `packSeries` of the document's series. */
    packed_series: z.string(),
    /** The fingerprints of the batches counted last, `FINGERPRINT_LENGTH` characters each, oldest first. */
    packed_batches: z.string().max(RECENT_BATCHES * FINGERPRINT_LENGTH),
  }),
  indexes: [{ fields: { resolution: 1, bucket_start: 1 } }],
});

export type RollupFields = z.output<typeof rollupsCollection.schema>;
export type Rollup = Stored<RollupFields>;
export type RollupRepository = TenantScopedRepository<RollupFields, z.input<typeof rollupsCollection.schema>>;

export function tenantShardOf(tenantId: string): number {
  return createHash('sha256').update(tenantId).digest().readUInt32BE(0) % TENANT_SHARDS;
}
export const tenantShard = (tenantId: string): ShardKey => `t${String(tenantShardOf(tenantId)).padStart(2, '0')}`;
export const routeShard = (tenantId: string): ShardKey => `r${String(tenantShardOf(tenantId)).padStart(2, '0')}`;
export const gatewayShard = (tenantId: string): ShardKey => `g${String(tenantShardOf(tenantId)).padStart(2, '0')}`;

/** Resolutions that have `gNN` documents. */
export const GATEWAY_SHARD_RESOLUTIONS: readonly Resolution[] = ['hour', 'day'];

/**
 * Where a tenant's gateway series (tenant_id, `gateway`, no route) of a bucket is read: the `gNN`
 * document where there is one (hours, days), the `tNN` document otherwise (minutes).
 */
export function tenantGatewayShard(tenantId: string): (resolution: Resolution) => ShardKey {
  const shard = String(tenantShardOf(tenantId)).padStart(2, '0');
  return (resolution) => (GATEWAY_SHARD_RESOLUTIONS.includes(resolution) ? `g${shard}` : `t${shard}`);
}

export function bucketStart(at: Date, resolution: Resolution): Date {
  const size = RESOLUTION_MS[resolution];
  return new Date(Math.floor(at.getTime() / size) * size);
}

export const rollupId = (resolution: Resolution, start: Date, shard: ShardKey): string => `${resolution}:${start.toISOString()}:${shard}`;

export const seriesKey = (series: Pick<Series, 'tenant_id' | 'service' | 'route' | 'method'>): string =>
  `${series.tenant_id ?? ''}\u0000${series.service}\u0000${series.route ?? ''}\u0000${series.method ?? ''}`;

/** 12 characters of a batch id's SHA-256 (collisions ~1e-14 per pair). */
export function batchFingerprint(batchId: string): string {
  return createHash('sha256').update(batchId).digest('base64url').slice(0, FINGERPRINT_LENGTH);
}

/** The fingerprints of a document's `packed_batches`, oldest first. */
export function unpackBatches(packed: string | undefined): string[] {
  const fingerprints: string[] = [];
  for (let at = 0; at + FINGERPRINT_LENGTH <= (packed ?? '').length; at += FINGERPRINT_LENGTH)
    fingerprints.push((packed ?? '').slice(at, at + FINGERPRINT_LENGTH));
  return fingerprints;
}

/** `packed_batches` of these fingerprints, the newest `RECENT_BATCHES` kept. */
export const packBatches = (fingerprints: readonly string[]): string => fingerprints.slice(-RECENT_BATCHES).join('');

/** A series as stored: its key and counters in this order, then its histogram (`ROLLUP_BUCKETS` counts). */
const PACKED_FIELDS = [
  'tenant_id',
  'service',
  'route',
  'method',
  'requests',
  'errors',
  'client_errors',
  'rate_limited',
  'cache_hits',
  'latency_sum',
  'latency_max',
] as const satisfies readonly (keyof Series)[];

/**
 * The series as one JSON text of arrays (no field names: a tenant-shard document holds hundreds of
 * series); a histogram's trailing empty buckets are left out.
 */
export function packSeries(series: readonly Series[]): string {
  return JSON.stringify(
    series.map((entry) => {
      let used = entry.buckets.length;
      while (used > 0 && entry.buckets[used - 1] === 0) used -= 1;
      return [...PACKED_FIELDS.map((field) => entry[field]), ...entry.buckets.slice(0, used)];
    }),
  );
}

/** The series of a document (none when it has none, or was written in an earlier format). */
export function unpackSeries(document: Pick<RollupFields, 'packed_series'> | null | undefined): Series[] {
  const packed = document?.packed_series;
  if (!packed) return [];
  const rows = JSON.parse(packed) as unknown;
  if (!Array.isArray(rows)) throw new Error('A rollup document whose packed_series is not an array');
  return rows.map((row: unknown) => {
    if (!Array.isArray(row) || row.length < PACKED_FIELDS.length || row.length > PACKED_FIELDS.length + ROLLUP_BUCKETS)
      throw new Error('A rollup series of the wrong length');
    const buckets = row.slice(PACKED_FIELDS.length) as number[];
    while (buckets.length < ROLLUP_BUCKETS) buckets.push(0);
    const series: Record<string, unknown> = { buckets };
    PACKED_FIELDS.forEach((field, i) => {
      series[field] = row[i];
    });
    return series as Series;
  });
}
