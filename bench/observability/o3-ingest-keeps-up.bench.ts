import { KafkaEventBus } from '@tenantry/event-bus';
/* eslint-disable @nx/enforce-module-boundaries */
import { consumeMetricRecorded } from '../../libs/observability/src/ingest/ingest-consumer';
import { RollupWriter } from '../../libs/observability/src/ingest/rollup-writer';
import { bucketStart, rollupId, ROLLUP_SCOPE, SERVICE_SHARD, unpackSeries } from '../../libs/observability/src/ingest/rollup.collection';
/* eslint-enable @nx/enforce-module-boundaries */
import { runGatewayUsage } from '../billing/gateway-usage';
import { PrivateGroupsBus } from '../billing/instrumented-metering';
import { BENCH_CONSUMER } from '../lib/consumption';
import type { BenchContext } from '../lib/context';
import { benchTenants } from '../lib/events';
import { now, rate, waitUntil } from '../lib/measure';
import { formatMs, formatNumber, type ScenarioResult } from '../lib/report';
import type { Scenario } from '../lib/scenario';
import { openObservabilityDb } from './observability-db';

/** B1's production: the gateway's UsageMeter, 2,000 active tenants at 10,000 req/s, a flush every 5 s. */
const TENANTS = 2_000;
const REQUEST_RATE = 10_000;
const FLUSH_INTERVAL_MS = 5_000;
const WINDOWS = 3;
const DRAIN_TIMEOUT_MS = 120_000;

/**
 * O3: does the observability ingest consumer (`consumeMetricRecorded` → RollupWriter, as the service
 * wires it, a group of its own) keep up with the gateway's metric.recorded production? As B1: the
 * gateway's meter publishes WINDOWS flush windows to Kafka, then the consumer reads that backlog; consumed
 * events/s ÷ produced events/s ≥ 1 means its lag does not grow. Exactness: the requests in the svc
 * minute documents' gateway series == the requests the meter was fed.
 */
export const ingestKeepsUp: Scenario = {
  id: 'O3',
  title: "Observability ingest: consumeMetricRecorded → rollups vs the gateway's metric.recorded production (B1's rate)",
  async run(ctx: BenchContext, result: ScenarioResult): Promise<void> {
    const tenants = benchTenants(`${ctx.runId}o3`, TENANTS).map((tenantId) => ({ tenantId, timezone: 'UTC' }));
    const bus = new KafkaEventBus({
      brokers: [...ctx.kafkaBrokers],
      clientId: 'tenantry-bench',
      logger: ctx.logger,
      topicPrefix: ctx.topicPrefix('o3'),
      consumer: BENCH_CONSUMER,
    });
    const db = await openObservabilityDb(ctx, 'o3', ctx.logger);
    try {
      await bus.ensureTopics(['metric.recorded']);
      const startedAt = new Date();
      const produced = await runGatewayUsage(bus, ctx.logger, {
        tenants,
        requestRate: REQUEST_RATE,
        flushIntervalMs: FLUSH_INTERVAL_MS,
        windows: WINDOWS,
        timeoutMs: WINDOWS * FLUSH_INTERVAL_MS + 15_000,
      });
      const endedAt = new Date();
      const productionRate = rate(produced.windowEvents, produced.windowsMs);
      result.measurements.push({
        label: `gateway UsageMeter: ${formatNumber(TENANTS)} tenants at ${formatNumber(REQUEST_RATE)} req/s, flush every ${FLUSH_INTERVAL_MS / 1000} s → Kafka`,
        events: produced.windowEvents,
        elapsedMs: produced.windowsMs,
        eventsPerSec: productionRate,
        note: `${formatNumber(produced.totalEvents)} events in all`,
      });

      const handled = new Set<string>();
      let firstAt = 0;
      let lastAt = 0;
      const writer = new RollupWriter({ rollups: db.rollups, logger: ctx.logger });
      const write = writer.write.bind(writer);
      writer.write = async (batches) => {
        if (firstAt === 0) firstAt = now();
        await write(batches);
        for (const batch of batches) handled.add(batch.id);
        lastAt = now();
      };
      const subscription = await consumeMetricRecorded(new PrivateGroupsBus(bus, (group) => ctx.groupId(`o3-${group}`)), writer);
      const drained = await waitUntil(() => handled.size >= produced.totalEvents, DRAIN_TIMEOUT_MS, 20);
      await subscription.stop({ timeoutMs: 5_000 });
      const consumedRate = rate(Math.max(0, handled.size - 1), lastAt - firstAt);
      result.measurements.push({
        label: `observability ingest on Kafka + ${ctx.database}: the whole backlog, first → last bus batch written`,
        events: handled.size,
        elapsedMs: lastAt - firstAt,
        eventsPerSec: consumedRate,
        note: drained ? `backlog of ${formatMs(produced.windowsMs)} of production` : `not drained within ${formatMs(DRAIN_TIMEOUT_MS)}`,
      });
      result.ratios.push({
        label: 'observability ingest / gateway production (metric.recorded)',
        subject: `consumed (${ctx.database})`,
        subjectValue: consumedRate,
        baseline: `produced (${formatNumber(TENANTS)} tenants, ${FLUSH_INTERVAL_MS / 1000} s flush, 1 gateway)`,
        baselineValue: productionRate,
        unit: 'events/s',
        atLeast: 1,
      });

      // Exactness: the gateway series of the platform-wide minute documents of the run.
      let counted = 0;
      for (let at = bucketStart(startedAt, 'minute').getTime(); at <= endedAt.getTime(); at += 60_000) {
        const document = await db.rollups.findById(ROLLUP_SCOPE, rollupId('minute', new Date(at), SERVICE_SHARD));
        counted += unpackSeries(document).find((series) => series.service === 'gateway')?.requests ?? 0;
      }
      result.checks.push(
        {
          label: 'every metric.recorded event ingested once',
          ok: drained && handled.size === produced.totalEvents,
          unverified: !drained,
          detail: `${formatNumber(handled.size)} of ${formatNumber(produced.totalEvents)}`,
        },
        {
          label: 'requests in the rollups == requests the gateway meter was fed',
          ok: counted === produced.traffic.requests,
          unverified: !drained,
          detail: `${formatNumber(counted)} counted, ${formatNumber(produced.traffic.requests)} fed`,
        },
      );
    } finally {
      await bus.close().catch(() => undefined);
      await db.dispose();
    }
  },
};
