import { ServiceUnavailableError } from '@tenantry/contracts';
import { createInMemoryPersistence } from '@tenantry/persistence';
import { createLogger } from '@tenantry/telemetry';
import { metricBatchOf } from '../test-support/metric-batches';
import type { MetricBatch } from './metric-batch';
import { GATEWAY_SERVICE, RollupWriter } from './rollup-writer';
import {
  packBatches,
  packSeries,
  rollupId,
  ROLLUP_SCOPE,
  rollupsCollection,
  routeShard,
  SERVICE_SHARD,
  tenantShard,
  unpackBatches,
  unpackSeries,
  type Resolution,
  type RollupRepository,
  type Series,
} from './rollup.collection';

const logger = createLogger({ service: 'test', level: 'silent' });
const HOUR = new Date('2026-11-10T12:00:00Z');
const MINUTE_A = new Date('2026-11-10T12:03:00Z');
const MINUTE_B = new Date('2026-11-10T12:04:00Z');

const batch = (id: string, tenant: string, at: Date, requests: number, errors: number): MetricBatch =>
  metricBatchOf(id, tenant, new Date(at.getTime() + 5_000), requests, errors, 'get');

/** Four batches of two tenants in two minutes of one hour: requests 1, 2, 4, 8 (errors 0, 1, 0, 1). */
const BATCHES = [
  batch('evt_1', 'ten_a', MINUTE_A, 1, 0),
  batch('evt_2', 'ten_b', MINUTE_A, 2, 1),
  batch('evt_3', 'ten_a', MINUTE_B, 4, 0),
  batch('evt_4', 'ten_b', MINUTE_B, 8, 1),
];

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** Requests and errors of the series `pick` selects in one document. */
async function counted(
  rollups: RollupRepository,
  resolution: Resolution,
  start: Date,
  shard: string,
  pick: (series: Series) => boolean,
): Promise<[number, number]> {
  const series = unpackSeries(await rollups.findById(ROLLUP_SCOPE, rollupId(resolution, start, shard))).filter(pick);
  return [series.reduce((sum, entry) => sum + entry.requests, 0), series.reduce((sum, entry) => sum + entry.errors, 0)];
}

const gatewayOf = (tenant: string | null) => (series: Series) =>
  series.tenant_id === tenant && series.service === GATEWAY_SERVICE && series.route === null;

/** What the four batches add up to, read from every kind of document they touch. */
async function totals(rollups: RollupRepository): Promise<Record<string, [number, number]>> {
  const day = new Date('2026-11-10T00:00:00Z');
  return {
    svc_day: await counted(rollups, 'day', day, SERVICE_SHARD, gatewayOf(null)),
    svc_minute_a: await counted(rollups, 'minute', MINUTE_A, SERVICE_SHARD, gatewayOf(null)),
    ten_a_hour: await counted(rollups, 'hour', HOUR, tenantShard('ten_a'), gatewayOf('ten_a')),
    ten_b_minute_b: await counted(rollups, 'minute', MINUTE_B, tenantShard('ten_b'), gatewayOf('ten_b')),
    ten_b_route_day: await counted(
      rollups,
      'day',
      day,
      routeShard('ten_b'),
      (series) => series.tenant_id === 'ten_b' && series.method === 'GET',
    ),
  };
}

const EXPECTED = {
  svc_day: [15, 2],
  svc_minute_a: [3, 1],
  ten_a_hour: [5, 0],
  ten_b_minute_b: [8, 1],
  ten_b_route_day: [10, 2],
};

/** The repository, with the writes it received counted per document (and a way to make some fail). */
async function recordingRollups(fails?: (id: string, nth: number) => boolean) {
  const repository = await createInMemoryPersistence().repository(rollupsCollection);
  const writes = new Map<string, number>();
  const count = (id: string): void => {
    const nth = (writes.get(id) ?? 0) + 1;
    writes.set(id, nth);
    if (fails?.(id, nth)) throw new ServiceUnavailableError('The database is unreachable');
  };
  const rollups: RollupRepository = new Proxy(repository, {
    get: (target, property) => {
      if (property === 'insert')
        return (tenantId: string, document: Parameters<RollupRepository['insert']>[1], options: { id: string }) => {
          count(options.id);
          return target.insert(tenantId, document, options);
        };
      if (property === 'update')
        return (
          tenantId: string,
          id: string,
          changes: Parameters<RollupRepository['update']>[2],
          options: { expectedVersion?: number },
        ) => {
          count(id);
          return target.update(tenantId, id, changes, options);
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { rollups, writes };
}

describe('rollup storage format', () => {
  it('when series are packed, then unpacking gives them back, null keys and histograms included', () => {
    const series: Series[] = [
      {
        tenant_id: null,
        service: 'gateway',
        route: null,
        method: null,
        requests: 7,
        errors: 1,
        client_errors: 2,
        rate_limited: 1,
        cache_hits: 3,
        latency_sum: 12.5,
        latency_max: 9.25,
        buckets: [1, 2, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      },
      {
        tenant_id: 'ten_a',
        service: 'tenants',
        route: '/api/v1/tenants/:id',
        method: 'GET',
        requests: 1,
        errors: 0,
        client_errors: 0,
        rate_limited: 0,
        cache_hits: 0,
        latency_sum: 1,
        latency_max: 1,
        buckets: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
      },
    ];
    expect(unpackSeries({ packed_series: packSeries(series) })).toEqual(series);
    expect(unpackSeries({ packed_series: '' })).toEqual([]);
    expect(unpackSeries(null)).toEqual([]);
    expect(() => unpackSeries({ packed_series: '[[1,2]]' })).toThrow('wrong length');
  });

  it('when fingerprints are packed, then they come back in order and only the newest 2,000 are kept', () => {
    const fingerprints = Array.from({ length: 2_003 }, (_, i) => `fp${String(i).padStart(10, '0')}`);
    const unpacked = unpackBatches(packBatches(fingerprints));
    expect(unpacked).toHaveLength(2_000);
    expect(unpacked[0]).toBe('fp0000000003');
    expect(unpacked.at(-1)).toBe('fp0000002002');
  });
});

describe('RollupWriter', () => {
  it.each(permutations(BATCHES).map((order, i) => [i, order] as const))(
    'when the batches arrive in order #%i, one at a time and then all again, then each counts once',
    async (_i, order) => {
      const { rollups } = await recordingRollups();
      const writer = new RollupWriter({ rollups, logger, flushGapMs: 0 });
      for (const one of order) await writer.write([one]);
      await writer.write(order);
      expect(await totals(rollups)).toEqual(EXPECTED);
    },
  );

  it('when several calls arrive at once, with duplicates among and within them, then each batch counts once', async () => {
    const { rollups } = await recordingRollups();
    const writer = new RollupWriter({ rollups, logger, flushGapMs: 0 });
    const [b1, b2, b3, b4] = BATCHES as [MetricBatch, MetricBatch, MetricBatch, MetricBatch];
    await Promise.all([writer.write([b1, b2, b1]), writer.write([b2, b3]), writer.write([b4]), writer.write([b3, b4])]);
    expect(await totals(rollups)).toEqual(EXPECTED);
  });

  it('when calls arrive while a flush is under way, then the next flush writes each touched document once for all of them', async () => {
    const { rollups, writes } = await recordingRollups();
    const writer = new RollupWriter({ rollups, logger, flushGapMs: 0 });
    const [b1, b2, b3, b4] = BATCHES as [MetricBatch, MetricBatch, MetricBatch, MetricBatch];
    const first = writer.write([b1]);
    // The bus's partitions hand over their batches while the first flush runs.
    const others = [writer.write([b2]), writer.write([b3]), writer.write([b4])];
    await Promise.all([first, ...others]);
    const svcDay = rollupId('day', new Date('2026-11-10T00:00:00Z'), SERVICE_SHARD);
    expect(writes.get(svcDay)).toBe(2);
    expect(await totals(rollups)).toEqual(EXPECTED);
  });

  it('when a flush fails halfway, then every call in it fails, and trying again counts each batch once', async () => {
    // The service-wide hour document fails its second write: the second flush.
    const failing = rollupId('hour', HOUR, SERVICE_SHARD);
    const { rollups, writes } = await recordingRollups((id, nth) => id === failing && nth === 2);
    const writer = new RollupWriter({ rollups, logger, flushGapMs: 0 });
    const [b1, b2, b3, b4] = BATCHES as [MetricBatch, MetricBatch, MetricBatch, MetricBatch];
    const first = writer.write([b1]);
    const calls = [writer.write([b2, b3]), writer.write([b4])].map((call) =>
      call.then(
        () => 'written',
        (error: unknown) => (error instanceof ServiceUnavailableError ? 'failed' : 'other error'),
      ),
    );
    await first;
    expect(await Promise.all(calls)).toEqual(['failed', 'failed']);
    // Other documents of that flush were written: trying again must not count them twice.
    expect(writes.get(rollupId('day', new Date('2026-11-10T00:00:00Z'), SERVICE_SHARD))).toBe(2);
    await Promise.all([writer.write([b4]), writer.write([b2, b3])]);
    expect(await totals(rollups)).toEqual(EXPECTED);
  });

  it('when another writer (a replica) wrote the same documents meanwhile, then both counts are kept', async () => {
    const { rollups } = await recordingRollups();
    const one = new RollupWriter({ rollups, logger, flushGapMs: 0 });
    const two = new RollupWriter({ rollups, logger, flushGapMs: 0 });
    const [b1, b2, b3, b4] = BATCHES as [MetricBatch, MetricBatch, MetricBatch, MetricBatch];
    await one.write([b1]);
    await two.write([b2, b3]);
    await one.write([b4, b2]);
    await two.write([b1, b4]);
    expect(await totals(rollups)).toEqual(EXPECTED);
  });
});
