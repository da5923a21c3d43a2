import { createInMemoryPersistence } from '@tenantry/persistence';
import { createLogger } from '@tenantry/telemetry';
import { alertRollupCache } from '../alerts/alert-evaluator';
import { metricBatchOf } from '../test-support/metric-batches';
import type { MetricBatch } from './metric-batch';
import { bucketEndOf, RollupDocumentCache, RollupReader } from './rollup-reader';
import { GATEWAY_SERVICE, RollupWriter } from './rollup-writer';
import { rollupsCollection, tenantShard, type RollupRepository, type Series } from './rollup.collection';

const NOW = new Date('2026-11-10T12:00:00Z');
const MINUTE = 60_000;

const batch = (id: string, at: Date, requests: number, errors: number): MetricBatch => metricBatchOf(id, 'ten_c', at, requests, errors);

const gatewayOf = (series: Series) =>
  series.tenant_id === 'ten_c' && series.service === GATEWAY_SERVICE && series.route === null ? 'x' : null;

async function setup(): Promise<{ rollups: RollupRepository; reads: string[]; writer: RollupWriter; cache: RollupDocumentCache }> {
  const repository = await createInMemoryPersistence().repository(rollupsCollection);
  const reads: string[] = [];
  const rollups = new Proxy(repository, {
    get: (target, property) => {
      if (property === 'findById')
        return (tenantId: string, id: string) => {
          reads.push(id);
          return target.findById(tenantId, id);
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const cache = alertRollupCache();
  const writer = new RollupWriter({
    rollups: repository,
    logger: createLogger({ service: 'test', level: 'silent' }),
    onWritten: (id) => cache.invalidate([id]),
  });
  return { rollups, reads, writer, cache };
}

const requestsOver = async (rollups: RollupRepository, cache: RollupDocumentCache, from: Date, now: Date) =>
  (await new RollupReader(rollups, cache).sum(tenantShard('ten_c'), from, now, now, 'ten_c', gatewayOf)).totals.get('x')?.requests ?? 0;

describe('settled rollup documents kept between alert evaluations', () => {
  it('when a later evaluation reads the same window, then only the documents that may still change are read again', async () => {
    const { rollups, reads, writer, cache } = await setup();
    await writer.write([
      batch('b1', new Date(NOW.getTime() - 40 * MINUTE), 10, 0),
      batch('b2', new Date(NOW.getTime() - 2 * MINUTE), 5, 0),
    ]);
    const from = new Date(NOW.getTime() - 50 * MINUTE);
    expect(await requestsOver(rollups, cache, from, NOW)).toBe(15);
    expect(reads).toHaveLength(50);
    reads.length = 0;
    expect(await requestsOver(rollups, cache, from, NOW)).toBe(15);
    // The last 15 minutes are not settled yet.
    expect(reads).toHaveLength(15);
    expect(reads.every((id) => (bucketEndOf(id) ?? 0) > NOW.getTime() - 15 * MINUTE)).toBe(true);
  });

  it('when this process writes a late batch into a settled minute, then the next evaluation counts it', async () => {
    const { rollups, writer, cache } = await setup();
    const from = new Date(NOW.getTime() - 50 * MINUTE);
    await writer.write([batch('b1', new Date(NOW.getTime() - 40 * MINUTE), 10, 0)]);
    expect(await requestsOver(rollups, cache, from, NOW)).toBe(10);
    await writer.write([
      batch('late', new Date(NOW.getTime() - 40 * MINUTE), 7, 0),
      batch('later', new Date(NOW.getTime() - 50 * MINUTE), 1, 0),
    ]);
    expect(await requestsOver(rollups, cache, from, NOW)).toBe(18);
  });

  it('when a write lands while a read is in flight, then what that read found is not kept', () => {
    const cache = new RollupDocumentCache();
    const id = `minute:${new Date(NOW.getTime() - 30 * MINUTE).toISOString()}:t01`;
    const mark = cache.mark();
    cache.invalidate([id]);
    cache.put(id, NOW.getTime(), mark, new Map());
    expect(cache.get(id, NOW.getTime())).toBeUndefined();
    const after = cache.mark();
    cache.put(id, NOW.getTime(), after, new Map());
    expect(cache.get(id, NOW.getTime())).toBeDefined();
  });

  it('when the clock goes back or the refresh age passes, then a kept document is read again', () => {
    const cache = new RollupDocumentCache({ refreshMs: 60 * MINUTE });
    const id = `hour:${new Date(NOW.getTime() - 5 * 60 * MINUTE).toISOString()}:svc`;
    cache.put(id, NOW.getTime(), cache.mark(), new Map());
    expect(cache.get(id, NOW.getTime() + 29 * MINUTE)).toBeDefined();
    expect(cache.get(id, NOW.getTime() - MINUTE)).toBeUndefined();
    cache.put(id, NOW.getTime(), cache.mark(), new Map());
    expect(cache.get(id, NOW.getTime() + 60 * MINUTE)).toBeUndefined();
  });

  it('when a document is kept, then only the series the alert SLOs read are (tenant gateway sums, service-wide series)', async () => {
    const { rollups, writer, cache } = await setup();
    await writer.write([batch('b1', new Date(NOW.getTime() - 40 * MINUTE), 10, 0)]);
    const id = `minute:${new Date(NOW.getTime() - 40 * MINUTE).toISOString()}:${tenantShard('ten_c')}`;
    await requestsOver(rollups, cache, new Date(NOW.getTime() - 50 * MINUTE), NOW);
    expect(
      cache
        .get(id, NOW.getTime())
        ?.get('ten_c')
        ?.map((series) => series.service),
    ).toEqual([GATEWAY_SERVICE]);
  });
});
